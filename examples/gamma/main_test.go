package main

import (
	"context"
	"strings"
	"testing"
)

// TestBadFlags: a malformed list is an error naming its flag, before any
// run starts.
func TestBadFlags(t *testing.T) {
	for _, c := range []struct{ seeds, gammas, want string }{
		{"1,x", "0.5", "-seeds"},
		{"1", "0.5,,1", "-gammas"},
		{"", "0.5", "-seeds"},
	} {
		err := run(context.Background(), c.seeds, c.gammas, t.TempDir(), "test")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("seeds %q gammas %q: %v, want an error naming %s", c.seeds, c.gammas, err, c.want)
		}
	}
}
