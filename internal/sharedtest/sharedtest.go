// Package sharedtest locates the project's shared folder (../shared beside
// the repository: data sets and model configs) for tests.
package sharedtest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Root is the shared folder: the repository's sibling named "shared".
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "shared")
}

// Path returns the path of rel under the shared folder, skipping the test
// with a clear message when it is absent.
func Path(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(Root(), rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("../shared/%s is absent (%v): this test reads the shared folder beside the repository", rel, err)
	}
	return p
}
