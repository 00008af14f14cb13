package data

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cocos-go/cocos/internal/pysrc"
)

type humanEvalRecord struct {
	TaskID            string `json:"task_id"`
	Prompt            string `json:"prompt"`
	CanonicalSolution string `json:"canonical_solution"`
	Test              string `json:"test"`
	EntryPoint        string `json:"entry_point"`
}

// LoadHumanEval reads HumanEval.jsonl or HumanEval.jsonl.gz. The program is
// prompt + canonical_solution; Text is "Write a python function
// {entry_point}." (the paper's HumanEval prompt); the tests come from
// check(candidate) by SplitCheck.
func LoadHumanEval(path string) ([]Problem, error) {
	if strings.HasSuffix(path, ".gz") {
		plain, err := gunzipToTemp(path)
		if err != nil {
			return nil, err
		}
		defer os.Remove(plain)
		ps, err := LoadHumanEval(plain)
		if err != nil {
			err = fmt.Errorf("%s (decompressed): %w", path, err)
		}
		return ps, err
	}
	var out []Problem
	err := readJSONL(path, func(line int, raw []byte) error {
		var r humanEvalRecord
		if err := decodeStrict(raw, &r, "task_id", "prompt", "canonical_solution", "test", "entry_point"); err != nil {
			return err
		}
		tests, err := SplitCheck(r.Test, r.EntryPoint)
		if err != nil {
			return fmt.Errorf(`field "test": %w`, err)
		}
		out = append(out, Problem{
			ID: r.TaskID, Text: fmt.Sprintf("Write a python function %s.", r.EntryPoint),
			Code: r.Prompt + r.CanonicalSolution, Tests: tests, EntryPoint: r.EntryPoint,
			Source: "humaneval", Split: "test",
		})
		return nil
	})
	return out, err
}

// SplitCheck turns a HumanEval-style test module, which defines
// check(candidate), into separately counted tests:
//   - every top-level statement of check's body that contains an assert
//     (an assert, or a loop or block with asserts inside) is one test;
//   - every other statement of the body (imports, assignments, prints) is
//     preamble, repeated before each test that follows it;
//   - module-level statements other than check (METADATA = {...}, helper
//     definitions) are preamble of every test;
//   - each test starts with `candidate = {entryPoint}`, so that it calls the
//     program's function as check(entry_point) would.
func SplitCheck(test, entryPoint string) ([]string, error) {
	tests, err := splitTestFunctions(test, func(header string) bool {
		return strings.HasPrefix(header, "def check(")
	}, "candidate = "+entryPoint+"\n")
	if err != nil {
		return nil, err
	}
	if len(tests) == 0 {
		return nil, fmt.Errorf("no check(candidate) function with an assert")
	}
	return tests, nil
}

// splitTestFunctions splits the bodies of the module's test functions (those
// whose header isTest accepts) into counted tests by SplitCheck's rules; a
// body without any assert is one test. Other module-level statements, then
// head, preface every test.
func splitTestFunctions(src string, isTest func(header string) bool, head string) ([]string, error) {
	lines, err := pysrc.Lines(src)
	if err != nil {
		return nil, err
	}
	var module strings.Builder
	var bodies [][]pysrc.Line
	for _, stmt := range pysrc.Block(lines) {
		if stmt[0].Indent == 0 && isTest(stmt[0].Text) {
			bodies = append(bodies, stmt[1:])
			continue
		}
		module.WriteString(pysrc.Dedent(stmt, 0))
	}
	var tests []string
	for _, body := range bodies {
		var pre strings.Builder
		n := len(tests)
		for _, stmt := range pysrc.Block(body) {
			text := pysrc.Dedent(stmt, stmt[0].Indent)
			if !containsAssert(stmt) {
				pre.WriteString(text)
				continue
			}
			tests = append(tests, module.String()+head+pre.String()+text)
		}
		if len(tests) == n && pre.Len() > 0 { // no assert (pytest.raises, ...): the body is one test
			tests = append(tests, module.String()+head+pre.String())
		}
	}
	return tests, nil
}

func containsAssert(stmt []pysrc.Line) bool {
	for _, l := range stmt {
		if pysrc.StartsWithWord(l.Text, "assert") {
			return true
		}
	}
	return false
}

func gunzipToTemp(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	tmp, err := os.CreateTemp("", "cocos-humaneval-*.jsonl")
	if err != nil {
		return "", err
	}
	defer tmp.Close()
	if _, err := io.Copy(tmp, zr); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return tmp.Name(), nil
}
