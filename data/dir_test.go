package data

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDataDirs checks the order in which the data directory is chosen to
// read and to fetch into, from a working directory beside which the
// fallbacks are made to exist or not.
func TestDataDirs(t *testing.T) {
	for _, c := range []struct {
		name, flag, env     string
		shared, fetched     bool
		read, write, errMsg string
	}{
		{name: "flag first", flag: "mine", env: "env", shared: true, fetched: true, read: "mine", write: "mine"},
		{name: "then $COCOS_DATA", env: "env", shared: true, fetched: true, read: "env", write: "env"},
		{name: "then ../shared/data", shared: true, fetched: true, read: filepath.Join("..", "shared", "data"), write: FetchDir},
		{name: "then what a fetch made", fetched: true, read: FetchDir, write: FetchDir},
		{name: "none", write: FetchDir, errMsg: "no data directory"},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			work := filepath.Join(root, "work")
			mkdir(t, work)
			if c.shared {
				mkdir(t, filepath.Join(root, "shared", "data"))
			}
			if c.fetched {
				mkdir(t, filepath.Join(work, FetchDir))
			}
			t.Chdir(work)
			t.Setenv("COCOS_DATA", c.env)
			got, err := ResolveDir(c.flag)
			if c.errMsg != "" {
				if err == nil || !strings.Contains(err.Error(), c.errMsg) {
					t.Errorf("ResolveDir = %q, %v; want an error saying %q", got, err, c.errMsg)
				}
			} else if err != nil || got != c.read {
				t.Errorf("ResolveDir = %q, %v; want %q", got, err, c.read)
			}
			if w := WriteDir(c.flag); w != c.write {
				t.Errorf("WriteDir = %q, want %q", w, c.write)
			}
		})
	}
}

func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}
