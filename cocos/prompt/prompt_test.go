package prompt

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/internal/sharedtest"
)

var add = data.Problem{Text: "Write a function to add two numbers.", Tests: []string{"assert add(1, 2) == 3", "assert add(0, 0) == 0"},
	Code: "def add(a, b):\n    return a + b"}

func TestPrompts(t *testing.T) {
	var b Builder
	first := b.First(add)
	want := "You are an expert Python programmer, and here is your task: Write a function to add two numbers. Your code should pass these tests:\n\nassert add(1, 2) == 3\nassert add(0, 0) == 0\n\n[BEGIN]\n"
	if first != want {
		t.Fatalf("turn 1:\n%q\nwant\n%q", first, want)
	}
	second := b.Next(add, first, "def add(a, b):\n    return a - b")
	want2 := want + "def add(a, b):\n    return a - b\n[DONE]" + Instruction + "[CORRECT]\n"
	if second != want2 {
		t.Fatalf("turn 2:\n%q\nwant\n%q", second, want2)
	}
	third := b.Next(add, second, "def add(a, b):\n    return a + b")
	if !strings.HasPrefix(third, second) || !strings.HasSuffix(third, "return a + b\n[DONE]"+Instruction+"[CORRECT]\n") {
		t.Errorf("turn 3: %q", third)
	}
	para := Builder{Instruction: Paraphrases()[2]}
	if p := para.Next(add, first, "x"); !strings.Contains(p, Paraphrases()[2]) || strings.Contains(p, Instruction) {
		t.Errorf("paraphrased instruction not used: %q", p)
	}
	few := Builder{FewShot: FewShotPrefix([]data.Problem{add})}
	if p := few.First(add); !strings.HasPrefix(p, want+add.Code+"\n[DONE]\n\n") {
		t.Errorf("few-shot prefix: %q", p)
	}
	if p := few.Next(add, few.First(add), "x"); !strings.HasSuffix(p, "x\n[DONE]"+Instruction+"[BEGIN]\n") {
		t.Errorf("few-shot later turn must end in [BEGIN]: %q", p)
	}
	for _, p := range []string{first, second, third, few.Next(add, few.First(add), "x")} {
		if tests, ok := Tests(p); !ok || tests != "assert add(1, 2) == 3\nassert add(0, 0) == 0" {
			t.Errorf("Tests of %q: %q, %v", p, tests, ok)
		}
		if task := Task(p); task != add.Text {
			t.Errorf("Task of %q: %q", p, task)
		}
	}
	if _, ok := Tests("def f(): pass"); ok {
		t.Error("Tests found tests in a prompt without a task")
	}
	if len(Paraphrases()) != 5 {
		t.Error("section 8.4 uses five paraphrases")
	}
}

func TestExtract(t *testing.T) {
	cases := []struct{ in, want string }{
		{"def f():\n    return 1\n[DONE]\nmore text", "def f():\n    return 1"},
		{"def f():\n    return 1\n[DONE]", "def f():\n    return 1"},
		{"[BEGIN]\ndef f():\n    return 1\n[DONE]", "def f():\n    return 1"},
		{"[CORRECT]\ndef f():\n    return 2\n[DONE][CORRECT]", "def f():\n    return 2"},
		{"```python\ndef f():\n    return 3\n```\n[DONE]", "def f():\n    return 3"},
		{"def f():\n    return 4", "def f():\n    return 4"},            // no marker: the whole response
		{"def f():\n    return 5\n[CORRECT]", "def f():\n    return 5"}, // a stray marker is stripped
		{"", ""},
	}
	for _, c := range cases {
		if got := Extract(c.in); got != c.want {
			t.Errorf("Extract(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// protocolInstruction is PROTOCOL.md's correction instruction, written out
// again so that the builder's constant is checked against the protocol.
const protocolInstruction = "\n\nThere might be an error in the code above because of lack of understanding of the question. Please correct the error, if any, and rewrite the solution. Only output the final correct Python program!\n\n"

// protocolTask is PROTOCOL.md's turn-1 task statement: the tests joined by
// newlines, stripped of surrounding whitespace under the released recipe.
func protocolTask(p data.Problem, strip bool) string {
	tests := strings.Join(p.Tests, "\n")
	if strip {
		tests = strings.TrimSpace(tests)
	}
	return fmt.Sprintf("You are an expert Python programmer, and here is your task: %s Your code should pass these tests:\n\n%s\n\n[BEGIN]\n", p.Text, tests)
}

// TestRecipePrompts: turns 1–3, zero-shot and few-shot, under the paper's
// format (the history appended, the few-shot block kept) and the released
// code's (turns t ≥ 2 rebuilt from the task and the last code, the
// few-shot block at turn 1 only, tests stripped) on real MBPP and
// HumanEval problems — MBPP task 18's tests end in a space — byte for byte
// against strings written from PROTOCOL.md's facts.
func TestRecipePrompts(t *testing.T) {
	mbpp, err := data.LoadMBPP(sharedtest.Path(t, "data/mbpp/mbpp.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	he, err := data.LoadHumanEval(sharedtest.Path(t, "data/humaneval/HumanEval.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]data.Problem{}
	for _, p := range append(mbpp, he...) {
		byID[p.ID] = p
	}
	shots := []data.Problem{byID["mbpp/1"], byID["mbpp/2"], byID["mbpp/3"]}
	if shots[0].Text == "" || byID["mbpp/18"].Text == "" || byID["HumanEval/0"].Text == "" {
		t.Fatalf("problem ids: %v", []string{shots[0].ID, byID["mbpp/18"].ID, byID["HumanEval/0"].ID})
	}
	if j := strings.Join(byID["mbpp/18"].Tests, "\n"); j == strings.TrimSpace(j) {
		t.Fatal("MBPP task 18's tests no longer end in whitespace: pick another problem")
	}
	code1, code2 := "def f(x):\n    return x", "def f(x):\n    return x + 1"
	for _, id := range []string{"mbpp/18", "mbpp/11", "HumanEval/0"} {
		p := byID[id]
		for _, released := range []bool{false, true} {
			for _, fewShot := range []bool{false, true} {
				b := Builder{StripTests: released, FewShotOnce: released}
				if released {
					b.History = Last
				}
				prefix, end := "", "[CORRECT]\n"
				if fewShot {
					for _, s := range shots {
						prefix += protocolTask(s, released) + s.Code + "\n[DONE]\n\n"
					}
					if released {
						prefix = strings.TrimLeft(prefix, " \t\n")
					}
					b.FewShot, end = b.FewShotPrefix(shots), "[BEGIN]\n"
				}
				task := protocolTask(p, released)
				want1 := prefix + task
				want2 := want1 + code1 + "\n[DONE]" + protocolInstruction + end
				want3 := want2 + code2 + "\n[DONE]" + protocolInstruction + end
				if released {
					want2 = task + code1 + "\n[DONE]" + protocolInstruction + end
					want3 = task + code2 + "\n[DONE]" + protocolInstruction + end
				}
				got1 := b.First(p)
				got2 := b.Next(p, got1, code1)
				got3 := b.Next(p, got2, code2)
				for turn, c := range [][2]string{{got1, want1}, {got2, want2}, {got3, want3}} {
					if c[0] != c[1] {
						t.Errorf("%s released=%v few-shot=%v turn %d:\n%q\nwant\n%q", id, released, fewShot, turn+1, c[0], c[1])
					}
				}
			}
		}
	}
}

// TestExtractReleased: the released code_process as its callers apply it,
// on the edge cases where it departs from Extract.
func TestExtractReleased(t *testing.T) {
	cases := []struct{ name, in, paper, released string }{
		{"plain", "def f():\n    return 1\n[DONE]\nmore text", "def f():\n    return 1", "def f():\n    return 1"},
		{"leading spaces", "  x = 1\n[DONE]", "  x = 1", "x = 1"},
		{"trailing blank line", "x = 1\n\n[DONE]", "x = 1", "x = 1"},
		{"fences", "```python\ndef f():\n    return 3\n```\n[DONE]", "def f():\n    return 3", "def f():\n    return 3"},
		{"other fence", "```py\nx = 1\n```\n[DONE]", "x = 1", "```py\nx = 1"},
		{"no [DONE]: judged as is", "```python\nx = 1\n```", "x = 1", "```python\nx = 1\n```"},
		{"no [DONE], marker", "x = 1\n[CORRECT]", "x = 1", "x = 1\n[CORRECT]"},
		{"repeated marker", "[CORRECT]\ndef f():\n    return 2\n[DONE]", "def f():\n    return 2", "def f():\n    return 2"},
		{"code after a marker", "x = 0\n[BEGIN]\nx = 1\n[DONE]", "x = 1", "x = 0\n\nx = 1"},
		{"decode clean-up", "s = a + ' ' + b\n[DONE]", "s = a + ' ' + b", "s = a +'' + b"},
		{"clean-up chains", "x  ' s\n[DONE]", "x  ' s", "x's"},
		{"empty", "", "", ""},
		{"only [DONE]", "\n[DONE]", "", ""},
	}
	for _, c := range cases {
		if got := Extract(c.in); got != c.paper {
			t.Errorf("%s: Extract(%q) = %q, want %q", c.name, c.in, got, c.paper)
		}
		if got := ExtractReleased(c.in); got != c.released {
			t.Errorf("%s: ExtractReleased(%q) = %q, want %q", c.name, c.in, got, c.released)
		}
		if got := (Builder{Extraction: ReleasedExtraction}).Extract(c.in); got != c.released {
			t.Errorf("%s: the builder's released extraction = %q", c.name, got)
		}
	}
}
