// Package cli holds what the example programs share: parsing their list
// flags, opening one lab per seed and writing their CSV files.
package cli

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cocos-go/cocos/cocos/lab"
)

// List parses a comma-separated flag value with parse; an empty list or
// an item parse rejects is an error.
func List[T any](s string, parse func(string) (T, error)) ([]T, error) {
	var out []T
	for _, f := range strings.Split(s, ",") {
		v, err := parse(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty list")
	}
	return out, nil
}

// Seeds parses a -seeds value such as "1,2,3".
func Seeds(s string) ([]uint64, error) {
	return List(s, func(s string) (uint64, error) { return strconv.ParseUint(s, 10, 64) })
}

// WriteCSV writes a header line and records to path and says so.
func WriteCSV(path string, header []string, records [][]string) error {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write(header)
	w.WriteAll(records)
	if err := w.Error(); err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return err
	}
	fmt.Println("wrote", path)
	return nil
}

// Fixed formats fractions with 4 decimals, as the CSV files hold them.
func Fixed(xs ...float64) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = strconv.FormatFloat(x, 'f', 4, 64)
	}
	return out
}

// OpenSeed opens the embedded scale ($COCOS_SCALE=reduced shrinks it) for
// seed, evaluating on split, with its runs in OUT/seed-N.
func OpenSeed(seed uint64, out, split string) (*lab.Lab, error) {
	s := lab.FromEnv(lab.Embedded())
	s.Seed, s.EvalSplit = seed, split
	return lab.OpenDir(s, filepath.Join(out, fmt.Sprintf("seed-%d", seed)))
}
