package data

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cocos-go/cocos/sandbox"
)

func TestSuiteShape(t *testing.T) {
	tasks := Suite(SuiteConfig{})
	if again := Suite(SuiteConfig{}); len(again) != len(tasks) || again[7].Code != tasks[7].Code || again[7].Text != tasks[7].Text {
		t.Fatal("the suite is not reproducible from its seed")
	}
	splits := map[string]map[string]bool{"train": {}, "validation": {}, "test": {}}
	levels, fams := map[int]int{}, map[string]int{}
	for _, tk := range tasks {
		splits[tk.Split][tk.Key] = true
		levels[tk.Level]++
		fams[tk.Family]++
		if len(tk.Tests) != 3 || len(tk.Wrong) == 0 || !strings.Contains(tk.Code, "def "+tk.EntryPoint+"(") {
			t.Fatalf("%s: malformed task %+v", tk.ID, tk)
		}
	}
	if n := len(SuiteProblems(tasks, "train")); n != 2000 {
		t.Errorf("train split: %d tasks, want 2000", n)
	}
	for _, split := range []string{"validation", "test"} {
		if n := len(SuiteProblems(tasks, split)); n != 200 {
			t.Errorf("%s split: %d tasks, want 200", split, n)
		}
	}
	for _, pair := range [][2]string{{"test", "train"}, {"validation", "train"}, {"test", "validation"}} {
		for k := range splits[pair[0]] {
			if splits[pair[1]][k] {
				t.Errorf("key %s is in both %s and %s", k, pair[0], pair[1])
			}
		}
	}
	if len(levels) != 3 || len(fams) != len(families) {
		t.Errorf("levels %v, families %d of %d", levels, len(fams), len(families))
	}
}

// TestSuiteInSandbox proves what the generator's Go semantics claim: every
// reference solution passes all its tests, every wrong one fails one.
func TestSuiteInSandbox(t *testing.T) {
	tasks := Suite(SuiteConfig{})
	var jobs []sandbox.Job
	var owner []int // task index of each job; -1-i marks a wrong solution of task i
	for i, tk := range tasks {
		jobs = append(jobs, sandbox.Job{Program: tk.Code, Tests: tk.Tests})
		owner = append(owner, i)
		for _, w := range tk.Wrong {
			jobs = append(jobs, sandbox.Job{Program: w, Tests: tk.Tests})
			owner = append(owner, -1-i)
		}
	}
	e, err := sandbox.New(sandbox.Config{Limits: sandbox.Limits{ShareProcess: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	start := time.Now()
	results, err := e.RunBatch(ctx, jobs)
	if err != nil {
		t.Fatal(err)
	}
	for j, r := range results {
		if i := owner[j]; i >= 0 && !r.AllPassed() {
			t.Errorf("%s reference fails: %+v\n%s", tasks[i].ID, r.Tests, tasks[i].Code)
		} else if i < 0 && r.AllPassed() {
			tk := tasks[-1-i]
			t.Errorf("%s: a wrong solution passes all tests:\n%s\ntests: %q", tk.ID, jobs[j].Program, tk.Tests)
		}
	}
	t.Logf("%d tasks, %d jobs judged in %v", len(tasks), len(jobs), time.Since(start).Round(time.Millisecond))
}

// TestSuiteMaxLevel: a suite of the easier families only still fills both
// splits with disjoint keys.
func TestSuiteMaxLevel(t *testing.T) {
	for _, level := range []int{1, 2} {
		tasks := Suite(SuiteConfig{MaxLevel: level})
		keys := map[string]string{}
		for _, tk := range tasks {
			if tk.Level > level {
				t.Fatalf("MaxLevel %d: %s has level %d", level, tk.ID, tk.Level)
			}
			if s, ok := keys[tk.Key]; ok && s != tk.Split {
				t.Fatalf("MaxLevel %d: key %s in both splits", level, tk.Key)
			}
			keys[tk.Key] = tk.Split
		}
		tr, va, te := len(SuiteProblems(tasks, "train")), len(SuiteProblems(tasks, "validation")), len(SuiteProblems(tasks, "test"))
		if tr != 2000 || va != 200 || te != 200 {
			t.Errorf("MaxLevel %d: %d train, %d validation, %d test tasks", level, tr, va, te)
		}
	}
}
