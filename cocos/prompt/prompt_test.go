package prompt

import (
	"strings"
	"testing"

	"github.com/cocos-go/cocos/data"
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
	second := b.Next(first, "def add(a, b):\n    return a - b")
	want2 := want + "def add(a, b):\n    return a - b\n[DONE]" + Instruction + "[CORRECT]\n"
	if second != want2 {
		t.Fatalf("turn 2:\n%q\nwant\n%q", second, want2)
	}
	third := b.Next(second, "def add(a, b):\n    return a + b")
	if !strings.HasPrefix(third, second) || !strings.HasSuffix(third, "return a + b\n[DONE]"+Instruction+"[CORRECT]\n") {
		t.Errorf("turn 3: %q", third)
	}
	para := Builder{Instruction: Paraphrases()[2]}
	if p := para.Next(first, "x"); !strings.Contains(p, Paraphrases()[2]) || strings.Contains(p, Instruction) {
		t.Errorf("paraphrased instruction not used: %q", p)
	}
	few := Builder{FewShot: FewShotPrefix([]data.Problem{add})}
	if p := few.First(add); !strings.HasPrefix(p, want+add.Code+"\n[DONE]\n\n") {
		t.Errorf("few-shot prefix: %q", p)
	}
	if p := few.Next(few.First(add), "x"); !strings.HasSuffix(p, "x\n[DONE]"+Instruction+"[BEGIN]\n") {
		t.Errorf("few-shot later turn must end in [BEGIN]: %q", p)
	}
	for _, p := range []string{first, second, third, few.Next(few.First(add), "x")} {
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
