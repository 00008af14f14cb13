package cli

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestSeeds(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []uint64
		ok   bool
	}{
		{"1,2,3", []uint64{1, 2, 3}, true},
		{" 4 , 5", []uint64{4, 5}, true},
		{"", nil, false},
		{"1,,2", nil, false},
		{"-1", nil, false},
	} {
		got, err := Seeds(c.in)
		if (err == nil) != c.ok || c.ok && !reflect.DeepEqual(got, c.want) {
			t.Errorf("Seeds(%q) = %v, %v", c.in, got, err)
		}
	}
}

func TestWriteCSV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.csv")
	if err := WriteCSV(path, []string{"a", "b"}, [][]string{Fixed(0.5, 1.0/3)}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != "a,b\n0.5000,0.3333\n" {
		t.Errorf("wrote %q, %v", got, err)
	}
}
