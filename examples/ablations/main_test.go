package main

import (
	"context"
	"strings"
	"testing"
)

// TestBadSeeds: a malformed -seeds is an error naming the flag, before
// any run starts.
func TestBadSeeds(t *testing.T) {
	for _, seeds := range []string{"1,x", "", "2,,3"} {
		err := run(context.Background(), seeds, t.TempDir(), "test")
		if err == nil || !strings.Contains(err.Error(), "-seeds") {
			t.Errorf("seeds %q: %v, want an error naming -seeds", seeds, err)
		}
	}
}
