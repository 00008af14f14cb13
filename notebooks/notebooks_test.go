// Package notebooks holds the GoNB notebooks; its test checks that each is
// committed executed, so a reader sees the results without running it.
package notebooks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type notebook struct {
	Cells []struct {
		CellType       string   `json:"cell_type"`
		Source         []string `json:"source"`
		ExecutionCount *int     `json:"execution_count"`
		Outputs        []struct {
			OutputType string         `json:"output_type"`
			Name       string         `json:"name"`
			Text       any            `json:"text"`
			Data       map[string]any `json:"data"`
			EName      string         `json:"ename"`
		} `json:"outputs"`
	} `json:"cells"`
}

// TestCommittedExecuted fails on a notebook with a code cell never run, no
// outputs, an error output, or a first output (after the go.work setup
// cell's) that does not name the commit, scale, seeds and wall time
// (nb.Begin … nb.End).
func TestCommittedExecuted(t *testing.T) {
	books, _ := filepath.Glob("[0-9]*.ipynb")
	if len(books) == 0 {
		t.Fatal("no notebooks next to this test")
	}
	for _, path := range books {
		t.Run(path, func(t *testing.T) { checkExecuted(t, path) })
	}
}

func checkExecuted(t *testing.T, path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var nb notebook
	if err := json.Unmarshal(b, &nb); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var first string
	outputs := 0
	for i, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		if c.ExecutionCount == nil {
			t.Errorf("%s: code cell %d was not executed", path, i)
		}
		setup := len(c.Source) > 0 && strings.HasPrefix(c.Source[0], "!*") // GoNB's go.work lines
		for _, o := range c.Outputs {
			text := outputText(o.Text, o.Data)
			if outputs == 0 && !setup {
				first = text
			}
			if !setup {
				outputs++
			}
			if o.OutputType == "error" {
				t.Errorf("%s: cell %d has an error output (%s)", path, i, o.EName)
			}
			if o.Name == "stderr" && strings.Contains(text, "panic:") {
				t.Errorf("%s: cell %d panicked: %.200s", path, i, text)
			}
		}
	}
	if outputs == 0 {
		t.Fatalf("%s has no outputs: execute it (scripts/notebooks.sh --commit) before committing", path)
	}
	for _, want := range []string{"commit ", "scale ", "seeds ", "wall time "} {
		if !strings.Contains(first, want) {
			t.Errorf("%s: first output %.300q does not name the %s(nb.Begin first, nb.End last)", path, first, want)
		}
	}
	if strings.Contains(first, "running since") {
		t.Errorf("%s: the first output has no wall time: the last cell must call nb.End", path)
	}
}

// outputText joins an output's text, or its HTML or plain-text data.
func outputText(text any, data map[string]any) string {
	var parts []string
	add := func(v any) {
		switch v := v.(type) {
		case string:
			parts = append(parts, v)
		case []any:
			for _, s := range v {
				if s, ok := s.(string); ok {
					parts = append(parts, s)
				}
			}
		}
	}
	add(text)
	add(data["text/html"])
	add(data["text/plain"])
	return strings.Join(parts, "")
}
