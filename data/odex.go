package data

import (
	"fmt"
	"strings"

	"github.com/cocos-go/cocos/internal/pysrc"
)

type odexRecord struct {
	TaskID            int64    `json:"task_id"`
	Intent            string   `json:"intent"`
	Prompt            string   `json:"prompt"`
	CanonicalSolution string   `json:"canonical_solution"`
	Suffix            string   `json:"suffix"`
	TestStart         string   `json:"test_start"`
	Test              []string `json:"test"`
	EntryPoint        string   `json:"entry_point"`
	Library           []string `json:"library"`
}

// LoadODEX reads an ODEX test file (en_test.jsonl) into problems:
//   - Text is the intent; Code is prompt + canonical_solution + suffix;
//   - test_start holds imports (and helpers) followed by `def check(candidate):`.
//     The part before check becomes SetupCode, so that every program, generated
//     or not, runs with ODEX's imports, as ODEX's own harness prepends them;
//   - each element of test (the body of one test case inside check) is one
//     counted test, kept in ODEX's own form so that early returns keep their
//     meaning: the test_start part, `def check(candidate):` with the element as
//     its body, then `check({entry_point})`;
//   - several records share a task_id (one Stack Overflow question, several
//     intents): the k-th repeat gets the ID odex/{task_id}.{k}.
func LoadODEX(path string) ([]Problem, error) {
	var out []Problem
	seen := map[int64]int{}
	err := readJSONL(path, func(line int, raw []byte) error {
		var r odexRecord
		if err := decodeStrict(raw, &r, "task_id", "intent", "prompt", "canonical_solution", "test_start", "test", "entry_point"); err != nil {
			return err
		}
		head, err := odexTestHead(r.TestStart)
		if err != nil {
			return fmt.Errorf(`field "test_start": %w`, err)
		}
		id := fmt.Sprintf("odex/%d", r.TaskID)
		if k := seen[r.TaskID]; k > 0 {
			id = fmt.Sprintf("%s.%d", id, k)
		}
		seen[r.TaskID]++
		p := Problem{
			ID: id, Text: r.Intent, Code: r.Prompt + r.CanonicalSolution + r.Suffix,
			SetupCode: head, EntryPoint: r.EntryPoint, Source: "odex", Split: "test", Libraries: r.Library,
		}
		for i, body := range r.Test {
			if strings.TrimSpace(body) == "" {
				return fmt.Errorf(`field "test" element %d is empty`, i)
			}
			p.Tests = append(p.Tests, head+"def check(candidate):"+strings.TrimRight(body, " \n")+"\n\ncheck("+r.EntryPoint+")\n")
		}
		if len(p.Tests) == 0 {
			return fmt.Errorf(`field "test" is empty`)
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

// odexTestHead returns test_start without its trailing `def check(candidate):`.
func odexTestHead(testStart string) (string, error) {
	lines, err := pysrc.Lines(testStart)
	if err != nil {
		return "", err
	}
	if len(lines) == 0 || !strings.HasPrefix(lines[len(lines)-1].Text, "def check(") {
		return "", fmt.Errorf("does not end with def check(candidate):")
	}
	return pysrc.Dedent(lines[:len(lines)-1], 0), nil
}
