package data

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// splitOrder is the order stats prints splits in.
var splitOrder = []string{"prompt", "test", "validation", "train"}

// Stats counts problems per split, in splitOrder.
func Stats(ps []Problem) [][2]any {
	n := map[string]int{}
	for _, p := range ps {
		n[p.Split]++
	}
	var out [][2]any
	for _, s := range splitOrder {
		if n[s] > 0 {
			out = append(out, [2]any{s, n[s]})
		}
	}
	return out
}

// WriteStats prints `source split count` lines for every registered data
// set found in dir (and KodCode shards under dir/kodcode), and notes the
// missing ones on notes.
func WriteStats(w, notes io.Writer, dir string) error {
	for _, d := range Datasets() {
		if d.Name == "mbpp-sanitized" {
			continue // an alternative MBPP, not a split of its own
		}
		ps, err := Load(dir, d.Name)
		if err != nil {
			if _, statErr := os.Stat(filepath.Join(dir, d.Path)); os.IsNotExist(statErr) {
				fmt.Fprintf(notes, "%s: not in %s (cocos data fetch %s)\n", d.Name, dir, d.Name)
				continue
			}
			return err
		}
		for _, s := range Stats(ps) {
			fmt.Fprintf(w, "%s %s %d\n", d.Name, s[0], s[1])
		}
	}
	shards, _ := filepath.Glob(filepath.Join(dir, "kodcode", "*.parquet"))
	sort.Strings(shards)
	var kod []Problem
	for _, s := range shards {
		ps, _, err := LoadKodCode(s)
		if err != nil {
			return err
		}
		kod = append(kod, ps...)
	}
	for _, s := range Stats(kod) {
		fmt.Fprintf(w, "kodcode %s %d\n", s[0], s[1])
	}
	return nil
}
