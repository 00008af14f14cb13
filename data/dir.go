package data

import (
	"fmt"
	"os"
	"path/filepath"
)

// ResolveDir picks the data directory: dir if given, else $COCOS_DATA,
// else ../shared/data when it exists (the layout of the project's checkout).
func ResolveDir(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	if env := os.Getenv("COCOS_DATA"); env != "" {
		return env, nil
	}
	shared := filepath.Join("..", "shared", "data")
	if st, err := os.Stat(shared); err == nil && st.IsDir() {
		return shared, nil
	}
	return "", fmt.Errorf("no data directory: pass --data DIR or set COCOS_DATA to a folder holding mbpp/mbpp.jsonl and humaneval/HumanEval.jsonl")
}
