// Package explore builds the trajectory explorer: one offline HTML file in
// which a person reads what a policy did, problem by problem and turn by
// turn — the prompt, each turn's code and its diff against the turn
// before, every unit test's verdict, the rewards, the transitions between
// turns and the diagnostics' flags — with filters, a search and counts
// that follow them. Reports link into it (Link); notebooks show it inline.
package explore

import (
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"

	"github.com/cocos-go/cocos/cocos/evaluate"
	"github.com/cocos-go/cocos/cocos/metrics"
	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/data/trajectory"
)

// Explorer is the explorer's content: trajectories of evaluations and of
// RL rollouts, and the tasks they solve.
type Explorer struct {
	Title string
	// Family names a problem's family (the built-in suite's generators),
	// given its id and the tests its prompt shows; nil or "" for none.
	Family func(problemID, tests string) string
	Tasks  []Task
	Trajs  []Trajectory
	// Diagnostics has a row per evaluation (metrics.Diagnose), shown above
	// the list with each share filtering to its trajectories.
	Diagnostics []metrics.Diagnostics
	tasks       map[string]int
}

// Task is a problem as its turn-1 prompt states it.
type Task struct {
	ID     string   `json:"id"`
	Text   string   `json:"text"`
	Tests  []string `json:"tests"`  // one per unit test when the prompt's lines tell them apart, else one block
	Prompt string   `json:"prompt"` // turn 1's prompt, few-shot examples included
}

// Trajectory is one sampled trajectory, turn 1 first.
type Trajectory struct {
	Method    string   `json:"m"`
	Kind      string   `json:"k"` // "eval" or "rollout"
	Set       string   `json:"d"` // data set: the problem id's prefix (suite, mbpp, HumanEval, ...)
	Family    string   `json:"f,omitempty"`
	Task      int      `json:"t"` // index in Tasks
	Sample    int32    `json:"s"`
	Step      int64    `json:"st"`
	Return    float64  `json:"R"`
	Advantage *float64 `json:"A,omitempty"` // RL rollouts only
	Turns     []Turn   `json:"u"`
}

// Turn is one turn of a trajectory.
type Turn struct {
	// Prompt is what the turn's prompt adds to the previous turn's prompt
	// and answer (the instruction), or the whole prompt when it does not
	// extend them; "" on turn 1 (Task.Prompt).
	Prompt   string         `json:"pr,omitempty"`
	Whole    bool           `json:"pw,omitempty"` // Prompt is the whole prompt
	Code     string         `json:"c"`
	Diff     string         `json:"df,omitempty"` // unified lines against the previous turn's code ("" when equal or turn 1)
	Outcomes []int          `json:"o"`            // per test: sandbox.Outcome (0 passed, 1 failed, 2 timeout, 3 crashed)
	Reward   float64        `json:"r"`
	Flags    []metrics.Flag `json:"fl,omitempty"`
}

// Evaluation adds an evaluation's rows under method.
func (e *Explorer) Evaluation(method string, rows []trajectory.Row) {
	for _, rs := range evaluate.Group(rows) {
		e.add(method, "eval", rs, false)
	}
	e.Diagnostics = append(e.Diagnostics, metrics.Diagnose(method, evaluate.Trajectories(rows)))
}

// Rollouts adds an RL run's sampled trajectories under method: up to
// perStep of each logged step (its first ones, in the order sampled), so
// that a long run stays readable; rows of its periodic evaluations
// (Method "eval") are left out.
func (e *Explorer) Rollouts(method string, rows []trajectory.Row, perStep int) {
	kept := map[int64]int{}
	var own []trajectory.Row
	for _, r := range rows {
		if r.Method != "eval" {
			own = append(own, r)
		}
	}
	for _, rs := range evaluate.Group(own) {
		if kept[rs[0].Step] < perStep {
			kept[rs[0].Step]++
			e.add(method, "rollout", rs, true)
		}
	}
}

func (e *Explorer) add(method, kind string, rs []trajectory.Row, rl bool) {
	mt := evaluate.Trajectory(rs)
	tr := Trajectory{Method: method, Kind: kind, Set: dataset(rs[0].ProblemID), Task: e.task(rs, mt),
		Sample: rs[0].Sample, Step: rs[0].Step, Return: rs[len(rs)-1].Return}
	if e.Family != nil {
		tr.Family = e.Family(rs[0].ProblemID, mt[0].Tests)
	}
	if rl {
		a := rs[0].Advantage
		tr.Advantage = &a
	}
	for k, r := range rs {
		t := Turn{Code: r.Code, Outcomes: make([]int, len(r.Outcomes)), Reward: r.Reward, Flags: metrics.Flags(mt, k+1)}
		for i, o := range r.Outcomes {
			t.Outcomes[i] = int(o)
		}
		if k > 0 {
			t.Diff = diff(rs[k-1].Code, r.Code)
			t.Prompt, t.Whole = added(rs[k-1], r.Prompt)
		}
		tr.Turns = append(tr.Turns, t)
	}
	e.Trajs = append(e.Trajs, tr)
}

// task indexes the trajectory's problem in Tasks, adding it once.
func (e *Explorer) task(rs []trajectory.Row, mt metrics.Trajectory) int {
	if e.tasks == nil {
		e.tasks = map[string]int{}
	}
	id := rs[0].ProblemID
	if i, ok := e.tasks[id]; ok {
		return i
	}
	t := Task{ID: id, Text: prompt.Task(rs[0].Prompt), Prompt: rs[0].Prompt}
	if tests := mt[0].Tests; tests != "" {
		t.Tests = []string{tests}
		if lines := strings.Split(tests, "\n"); len(lines) == len(rs[0].Outcomes) {
			t.Tests = lines
		}
	}
	e.tasks[id] = len(e.Tasks)
	e.Tasks = append(e.Tasks, t)
	return e.tasks[id]
}

// added is what prompt p adds to the previous turn's prompt and answer,
// or p whole (and true) when it does not extend them.
func added(prev trajectory.Row, p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, prev.Prompt+prompt.Answer(prev.Code))
	if !ok || prev.Prompt == "" {
		return p, p != ""
	}
	return rest, false
}

// dataset is a problem id's data set: "suite/test/3" → "suite".
func dataset(id string) string {
	set, _, _ := strings.Cut(id, "/")
	return set
}

// diff is b against a as unified lines over the whole program (" ", "+"
// or "-" then the line), without headers; "" when they are equal.
func diff(a, b string) string {
	if a == b {
		return ""
	}
	a, b = ensureNewline(a), ensureNewline(b)
	context := max(strings.Count(a, "\n"), strings.Count(b, "\n")) + 1 // the whole program: udiff walks every context line
	u, err := udiff.ToUnifiedDiff("", "", a, udiff.Lines(a, b), context)
	if err != nil {
		return ""
	}
	var s strings.Builder
	for _, h := range u.Hunks {
		for _, l := range h.Lines {
			s.WriteString(marks[l.Kind])
			s.WriteString(strings.TrimSuffix(l.Content, "\n"))
			s.WriteByte('\n')
		}
	}
	return s.String()
}

var marks = map[udiff.OpKind]string{udiff.Delete: "-", udiff.Insert: "+", udiff.Equal: " "}

func ensureNewline(s string) string {
	if s == "" || strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

// SuiteFamilies names the family of the built-in suite's problems: a
// problem id of tasks whose prompt shows the task's own tests (a run made
// with another suite gets no family rather than a wrong one).
func SuiteFamilies(tasks []data.Task) func(problemID, tests string) string {
	byID := make(map[string]data.Task, len(tasks))
	for _, t := range tasks {
		byID[t.ID] = t
	}
	return func(id, tests string) string {
		if t, ok := byID[id]; ok && strings.Join(t.Tests, "\n") == tests {
			return t.Family
		}
		return ""
	}
}
