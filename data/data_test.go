package data

import (
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cocos-go/cocos/internal/sharedtest"
)

func sharedData(t *testing.T, rel string) string {
	return sharedtest.Path(t, filepath.Join("data", rel))
}

func TestMBPPSplits(t *testing.T) {
	ps, err := LoadMBPP(sharedData(t, "mbpp/mbpp.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"prompt": 10, "test": 500, "validation": 90, "train": 374}
	for split, n := range want {
		if got := len(Splits(ps, split)); got != n {
			t.Errorf("split %s: %d problems, want %d", split, got, n)
		}
	}
	for _, p := range ps {
		if strings.Contains(p.Code, "\r") || len(p.Tests) != 3 {
			t.Fatalf("%s: CR left in code or %d tests", p.ID, len(p.Tests))
		}
	}
}

func TestSanitizedMBPP(t *testing.T) {
	ps, err := LoadMBPP(sharedData(t, "mbpp/sanitized-mbpp.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 427 || ps[0].Text == "" {
		t.Errorf("sanitized MBPP: %d problems, first text %q", len(ps), ps[0].Text)
	}
}

func TestHumanEvalConversion(t *testing.T) {
	ps, err := LoadHumanEval(sharedData(t, "humaneval/HumanEval.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 164 || ps[0].Text != "Write a python function has_close_elements." {
		t.Fatalf("%d problems, first text %q", len(ps), ps[0].Text)
	}
	for _, p := range ps {
		for _, tc := range p.Tests {
			if !strings.Contains(tc, "candidate = "+p.EntryPoint+"\n") || strings.Contains(tc, "def check(") {
				t.Fatalf("%s: malformed test %q", p.ID, tc)
			}
		}
	}
}

func TestSplitCheck(t *testing.T) {
	src := `

METADATA = {
    'author': 'x',
}


def check(candidate):
    import math
    # a comment with an assert in it
    assert candidate([1, 2,
                      3]) == 6, "multi-line"
    s = """triple
assert inside a string"""
    assert candidate([]) == 0
    for x in range(3):
        assert candidate([x]) == x
`
	tests, err := SplitCheck(src, "total")
	if err != nil {
		t.Fatal(err)
	}
	head := "METADATA = {\n    'author': 'x',\n}\ncandidate = total\nimport math\n"
	want := []string{
		head + "assert candidate([1, 2,\n                  3]) == 6, \"multi-line\"\n",
		head + "s = \"\"\"triple\nassert inside a string\"\"\"\nassert candidate([]) == 0\n",
		head + "s = \"\"\"triple\nassert inside a string\"\"\"\nfor x in range(3):\n    assert candidate([x]) == x\n",
	}
	if len(tests) != len(want) {
		t.Fatalf("got %d tests: %q", len(tests), tests)
	}
	for i := range want {
		if tests[i] != want[i] {
			t.Errorf("test %d:\n got %q\nwant %q", i, tests[i], want[i])
		}
	}
}

func TestMalformedInput(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, body, want string
		load             func(string) ([]Problem, error)
	}{
		{"bad.jsonl", `{"task_id": 1, "text": "t", "code": "c", "test_list": ["assert 1"]}` + "\n{not json\n", "bad.jsonl:2: malformed JSON", LoadMBPP},
		{"missing.jsonl", `{"task_id": 1, "text": "t", "test_list": ["assert 1"]}`, `missing.jsonl:1: field "code" is missing`, LoadMBPP},
		{"type.jsonl", `{"task_id": "one", "text": "t", "code": "c", "test_list": []}`, `type.jsonl:1: field "task_id"`, LoadMBPP},
		{"he.jsonl", `{"task_id": "H/0", "prompt": "p", "canonical_solution": "c", "test": "x = 1\n", "entry_point": "f"}`, `he.jsonl:1: field "test": no check(candidate)`, LoadHumanEval},
	}
	for _, c := range cases {
		p := filepath.Join(dir, c.name)
		os.WriteFile(p, []byte(c.body), 0o644)
		_, err := c.load(p)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
}

func TestODEX(t *testing.T) {
	ps, err := LoadODEX(sharedData(t, "odex/en_test.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, p := range ps {
		if ids[p.ID] {
			t.Fatalf("duplicate id %s", p.ID)
		}
		ids[p.ID] = true
		for _, tc := range p.Tests {
			if !strings.Contains(tc, "def check(candidate):") || !strings.HasSuffix(tc, "check("+p.EntryPoint+")\n") {
				t.Fatalf("%s: malformed test %q", p.ID, tc)
			}
		}
	}
	if len(ps) != 439 {
		t.Errorf("%d problems, want 439", len(ps))
	}
	for id := range ODEXKnownBroken() {
		if !ids[id] {
			t.Errorf("known-broken %s is not an ODEX problem", id)
		}
	}
}

func TestHumanEvalGzip(t *testing.T) {
	raw, err := os.ReadFile(sharedData(t, "humaneval/HumanEval.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	gz := filepath.Join(t.TempDir(), "HumanEval.jsonl.gz")
	f, _ := os.Create(gz)
	zw := gzip.NewWriter(f)
	zw.Write(raw)
	zw.Close()
	f.Close()
	ps, err := LoadHumanEval(gz)
	if err != nil || len(ps) != 164 {
		t.Fatalf("%d problems, %v", len(ps), err)
	}
}
