package data

import (
	"fmt"
	"os"
	"path/filepath"
)

// FetchDir is where `cocos data fetch` writes when neither --data nor
// $COCOS_DATA names a directory, relative to the working directory.
const FetchDir = "data-sets"

// ResolveDir picks the data directory to read: dir if given, else
// $COCOS_DATA, else ../shared/data when it exists (the layout of the
// project's checkout), else FetchDir when it exists (what a fetch made).
func ResolveDir(dir string) (string, error) {
	if d := named(dir); d != "" {
		return d, nil
	}
	for _, d := range []string{filepath.Join("..", "shared", "data"), FetchDir} {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d, nil
		}
	}
	return "", fmt.Errorf("no data directory: pass --data DIR, set COCOS_DATA to a folder holding mbpp/mbpp.jsonl and humaneval/HumanEval.jsonl, or run `cocos data fetch mbpp humaneval`")
}

// WriteDir is the directory a fetch fills: dir if given, else
// $COCOS_DATA, else FetchDir.
func WriteDir(dir string) string {
	if d := named(dir); d != "" {
		return d
	}
	return FetchDir
}

// named is the directory the user named: dir, else $COCOS_DATA.
func named(dir string) string {
	if dir != "" {
		return dir
	}
	return os.Getenv("COCOS_DATA")
}
