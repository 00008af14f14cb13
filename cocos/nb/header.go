package nb

import (
	"encoding/json"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/janpfeifer/gonb/gonbui"

	"github.com/cocos-go/cocos/cocos/lab"
)

// runInfo is what Begin shows and End completes; it lives in a file
// because GoNB runs every cell in a fresh process.
type runInfo struct {
	Commit, Scale string
	Seeds         []uint64
	Start         time.Time
}

const headerID = "cocos-notebook-run"

// Begin shows the notebook's first output: the commit, the scale and the
// seeds of its runs. End, called in the last cell, adds the wall time to
// that same output, so an executed notebook says at its top how it was
// made.
func Begin(s lab.Scale, seeds ...uint64) {
	if len(seeds) == 0 {
		seeds = []uint64{s.Seed}
	}
	info := runInfo{Commit: commit(), Scale: describe(s), Seeds: seeds, Start: time.Now()}
	if b, err := json.Marshal(info); err == nil {
		_ = os.WriteFile(infoPath(), b, 0o644)
	}
	show(info, 0)
}

// End adds the wall time since Begin to the notebook's first output.
func End() {
	b, err := os.ReadFile(infoPath())
	var info runInfo
	if err == nil {
		err = json.Unmarshal(b, &info)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "nb.End: no nb.Begin in this kernel (%v)\n", err)
		return
	}
	wall := time.Since(info.Start).Round(time.Second)
	show(info, wall)
	fmt.Printf("wall time %v\n", wall)
}

// HeaderText is the first output's text; a zero wall time reads as
// running.
func HeaderText(commit, scale string, seeds []uint64, start time.Time, wall time.Duration) string {
	ss := make([]string, len(seeds))
	for i, s := range seeds {
		ss[i] = fmt.Sprint(s)
	}
	w := "running since " + start.UTC().Format("2006-01-02 15:04 MST")
	if wall > 0 {
		w = fmt.Sprintf("%v (executed %s)", wall, start.UTC().Format("2006-01-02"))
	}
	return fmt.Sprintf("commit %s · scale %s · seeds %s · wall time %s", commit, scale, strings.Join(ss, ", "), w)
}

func show(info runInfo, wall time.Duration) {
	text := HeaderText(info.Commit, info.Scale, info.Seeds, info.Start, wall)
	gonbui.UpdateHTML(headerID, `<p style="font-family:monospace">`+html.EscapeString(text)+`</p>`)
	// The cell exits right after Begin: without a sync GoNB may never
	// receive the block, and End would then open a second one.
	gonbui.Sync()
}

// describe names a scale and its sizes.
func describe(s lab.Scale) string {
	m := s.Model
	size := s.Base
	if size == "" {
		size = fmt.Sprintf("hidden %d × %d layers from scratch", m.HiddenSize, m.NumHiddenLayers)
	}
	return fmt.Sprintf("%s (recipe %s, %s data, %s, SFT %d × %d, RL %d × %d × %d, %d %s problems)", s.Name, s.Recipe, s.Dataset, size,
		s.SFT.Steps, s.SFT.Batch, s.RL.Steps, s.RL.Batch, max(s.RL.K, 2), s.EvalProblems, evalSplit(s))
}

func evalSplit(s lab.Scale) string {
	if s.EvalSplit == "" {
		return "test"
	}
	return s.EvalSplit
}

// commit is the checkout's commit, with "+changes" when a tracked file
// outside notebooks/ differs (executing the notebooks rewrites their own
// figures).
func commit() string {
	dir := os.Getenv("GONB_DIR")
	if dir == "" {
		dir = "."
	}
	out, err := exec.Command("git", "-C", dir, "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	c := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "-C", dir, "status", "--porcelain", "--untracked-files=no", "--", ":/", ":(top,exclude)notebooks").Output(); err == nil && len(st) > 0 {
		c += "+changes"
	}
	return c
}

func infoPath() string {
	dir := os.Getenv("GONB_TMP_DIR")
	if dir == "" {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "cocos-notebook-run.json")
}
