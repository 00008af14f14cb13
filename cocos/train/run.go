// Package train runs whole trainings — the boost SFT and the RL methods
// (CoCoS, SCoRe, Turn-RL) — as resumable runs: a run directory holds
// atomic checkpoints, the best-training-reward model, the final model and
// the run's trajectories as Arrow parts. Running the same configuration on
// the same directory again resumes a killed run and reaches the state of an
// uninterrupted one.
package train

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/tokenizer"
	"github.com/cocos-go/cocos/data/trajectory"
	"github.com/cocos-go/cocos/internal/atomicfile"
)

// RunConfig is what every training run shares.
type RunConfig struct {
	// Dir is the run directory (required): checkpoints/, trajectories/,
	// best/ and model/ (exported models with tokenizer.json).
	Dir string
	// ID labels the Arrow rows; default Dir's base name.
	ID string
	// Seed fixes data order and sampling; every step's randomness derives
	// from (Seed, step), which is why a resumed run repeats an uninterrupted
	// one. Default 1.
	Seed uint64
	// SaveEvery is the number of steps between checkpoints; default 50.
	// The last step is always saved.
	SaveEvery int
	// Keep is the number of newest checkpoints kept; default 2.
	Keep int
	// Progress, if set, receives a progress bar (a terminal) or a line per
	// few steps (a log file).
	Progress io.Writer
	// OnStep, if set, is called after every step: notebooks plot from it.
	OnStep func(Progress)
}

func (c *RunConfig) fill() error {
	if c.Dir == "" {
		return fmt.Errorf("train: RunConfig.Dir is required")
	}
	if c.ID == "" {
		c.ID = filepath.Base(c.Dir)
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.SaveEvery <= 0 {
		c.SaveEvery = 50
	}
	if c.Keep <= 0 {
		c.Keep = 2
	}
	return nil
}

// Progress is one step's report.
type Progress struct {
	Step, Steps  int     // steps done, of Steps
	Loss         float64 // training loss
	Reward, KL   float64 // RL: mean trajectory reward and sequence KL (0 for SFT)
	GradNorm, LR float64
	StepsPerSec  float64 // over this process's steps
	Elapsed      time.Duration
	Resumed      int // the step this process resumed from (0: a fresh run)
	// Split is RL's share of the step's trajectories trained as two
	// sequences: their turn-2 context does not begin with the turn-1 ids
	// the model sampled (rl.Sample.Split).
	Split float64 `json:",omitempty"`
}

// Summary is a finished run's outcome.
type Summary struct {
	Steps      int
	Resumed    int     // step resumed from (0: fresh)
	BestReward float64 // RL: best mean training reward over a save window
	BestStep   int     // the step the best model was saved at
	Dir        string
}

// BestFile, in an RL run's best/ directory, is its Best.
const BestFile = "best.json"

// Best is the save window whose mean training reward chose best/: the step
// it ended at and that mean.
type Best struct {
	Step   int
	Reward float64
}

// ReadBest reads the Best of the RL run at dir.
func ReadBest(dir string) (Best, error) {
	var b Best
	path := filepath.Join(dir, bestDir, BestFile)
	data, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(data, &b)
	}
	if err != nil {
		return b, fmt.Errorf("train: %w", err)
	}
	return b, nil
}

// run is the state a training loop shares with its directory.
type run struct {
	cfg     RunConfig
	m       *model.Model
	tok     *tokenizer.Tokenizer
	steps   int
	step    int // steps done
	resumed int
	best    float64 // best window mean reward, -Inf before any
	bestAt  int
	winSum  float64
	winN    int
	traj    *trajectory.Writer
	log     *os.File // progress.jsonl
	bar     *bar
	started time.Time
}

const (
	checkpointsDir  = "checkpoints"
	progressFile    = "progress.jsonl"
	trajectoriesDir = "trajectories"
	bestDir         = "best"
	finalDir        = "model"
	runScope        = "/cocos_run"
)

// openRun prepares dir and, if it holds a checkpoint, restores the model
// and the run's counters from the newest one. Call it before building any
// trainer on m, so optimiser state is restored too.
func openRun(m *model.Model, tok *tokenizer.Tokenizer, cfg RunConfig, steps int) (*run, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	r := &run{cfg: cfg, m: m, tok: tok, steps: steps, best: math.Inf(-1), started: time.Now()}
	if err := os.MkdirAll(filepath.Join(cfg.Dir, checkpointsDir), 0o755); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	latest, err := latestCheckpoint(filepath.Join(cfg.Dir, checkpointsDir))
	if err != nil {
		return nil, err
	}
	if latest != "" {
		if err := r.restore(latest); err != nil {
			return nil, err
		}
	}
	tdir := filepath.Join(cfg.Dir, trajectoriesDir)
	if _, err := os.Stat(tdir); err == nil {
		if _, err := trajectory.Repair(tdir); err != nil {
			return nil, fmt.Errorf("train: %w", err)
		}
	}
	if r.traj, err = trajectory.CreatePart(tdir); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	if r.log, err = os.OpenFile(filepath.Join(cfg.Dir, progressFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644); err != nil {
		r.traj.Close()
		return nil, fmt.Errorf("train: %w", err)
	}
	r.bar = newBar(cfg.Progress, steps)
	return r, nil
}

// latestCheckpoint is the newest complete checkpoint under dir ("" if none).
func latestCheckpoint(dir string) (string, error) {
	names, err := checkpoints(dir)
	if err != nil || len(names) == 0 {
		return "", err
	}
	return filepath.Join(dir, names[len(names)-1]), nil
}

// checkpoints lists the complete checkpoints under dir, oldest first; the
// partial ones of a killed save end in ".partial" and are skipped.
func checkpoints(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "step-") && !strings.Contains(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// restore loads a checkpoint and the run counters saved in it.
func (r *run) restore(path string) error {
	if err := r.m.LoadCheckpoint(path); err != nil {
		return fmt.Errorf("train: resume: %w", err)
	}
	seed := int64(r.variable("seed", int64(-1)))
	if seed != int64(r.cfg.Seed) {
		return fmt.Errorf("train: %s was written with seed %d, not %d: use the same configuration to resume, or another directory", path, seed, r.cfg.Seed)
	}
	r.step = int(r.variable("step", int64(0)))
	r.resumed = r.step
	r.best, r.bestAt = r.variable("best", math.Inf(-1)), int(r.variable("best_step", int64(0)))
	r.winSum, r.winN = r.variable("window_sum", 0.0), int(r.variable("window_n", int64(0)))
	return nil
}

// variable reads a run counter from the model's store, or def.
func (r *run) variable(name string, def any) float64 {
	if v := r.m.State(runScope + "/" + name); v != nil {
		return toFloat(v)
	}
	return toFloat(def)
}

func toFloat(x any) float64 {
	switch x := x.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	}
	panic(fmt.Sprintf("train: run counter of type %T", x))
}

// setVariables stores the run counters in the model's store, so the
// checkpoint carries them with the weights.
func (r *run) setVariables() error {
	for name, val := range map[string]any{"seed": int64(r.cfg.Seed), "step": int64(r.step), "best": r.best,
		"best_step": int64(r.bestAt), "window_sum": r.winSum, "window_n": int64(r.winN)} {
		if err := r.m.SetState(runScope+"/"+name, val); err != nil {
			return fmt.Errorf("train: %w", err)
		}
	}
	return nil
}

// done records a finished step: reward (if the method has one) joins the
// window the best model is chosen over. Evaluations of the step come next,
// then maybeSave.
func (r *run) done(p Progress, reward float64, hasReward bool) {
	r.step++
	if hasReward {
		r.winSum += reward
		r.winN++
	}
	p.Step, p.Steps, p.Resumed = r.step, r.steps, r.resumed
	p.Elapsed = time.Since(r.started)
	p.StepsPerSec = float64(r.step-r.resumed) / p.Elapsed.Seconds()
	r.bar.update(p)
	if b, err := json.Marshal(p); err == nil {
		r.log.Write(append(b, '\n')) // best effort: the checkpoint, not this log, is the run's state
	}
	if r.cfg.OnStep != nil {
		r.cfg.OnStep(p)
	}
}

// maybeSave saves a checkpoint every SaveEvery steps and after the last.
func (r *run) maybeSave() error {
	if r.step%r.cfg.SaveEvery == 0 || r.step == r.steps {
		return r.save()
	}
	return nil
}

// save flushes the trajectories, exports the best model if this window's
// mean reward is the best so far, and writes the checkpoint.
func (r *run) save() error {
	if err := r.traj.Flush(); err != nil {
		return err
	}
	if r.winN > 0 {
		if mean := r.winSum / float64(r.winN); mean > r.best {
			r.best, r.bestAt = mean, r.step
			if err := r.export(filepath.Join(r.cfg.Dir, bestDir)); err != nil {
				return err
			}
			// Beside the model: which window won (the paper picks the
			// checkpoint of the highest training reward).
			if err := atomicfile.WriteJSON(filepath.Join(r.cfg.Dir, bestDir, BestFile), Best{Step: r.step, Reward: mean}); err != nil {
				return err
			}
		}
		r.winSum, r.winN = 0, 0
	}
	if err := r.setVariables(); err != nil {
		return err
	}
	dir := filepath.Join(r.cfg.Dir, checkpointsDir)
	if err := r.m.SaveCheckpoint(filepath.Join(dir, fmt.Sprintf("step-%08d", r.step))); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	names, err := checkpoints(dir)
	if err != nil {
		return err
	}
	for _, n := range names[:max(0, len(names)-r.cfg.Keep)] {
		if err := os.RemoveAll(filepath.Join(dir, n)); err != nil {
			return fmt.Errorf("train: %w", err)
		}
	}
	return nil
}

// export writes the model in Hugging Face layout with its tokenizer to
// path, atomically (beside it, then renamed into place); a LoRA model's
// adapter goes to path/adapter.
func (r *run) export(path string) error {
	tmp := path + ".partial"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("train: export: %w", err)
	}
	// With LoRA, Save writes the merged weights (what the policy computes)
	// and the adapter goes beside them in peft's format.
	if err := r.m.Save(tmp, false); err != nil {
		return fmt.Errorf("train: export %s: %w", path, err)
	}
	if r.m.LoRA() != nil {
		if err := r.m.SaveAdapter(filepath.Join(tmp, "adapter"), r.m.Dir); err != nil {
			return fmt.Errorf("train: export %s: %w", path, err)
		}
	}
	if r.tok != nil {
		if err := r.tok.SaveDir(tmp); err != nil {
			return fmt.Errorf("train: export %s: %w", path, err)
		}
	}
	if err := os.RemoveAll(path); err != nil {
		return fmt.Errorf("train: export: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("train: export: %w", err)
	}
	return nil
}

// loop runs step until the run's last step, each followed by the due
// evaluation and checkpoint; on an error it closes what was written.
func (r *run) loop(ctx context.Context, eval *Eval, step func() error) (Summary, error) {
	for r.step < r.steps {
		err := ctx.Err()
		if err == nil {
			err = step()
		}
		if err == nil {
			err = eval.maybeRun(ctx, r, r.m, r.tok)
		}
		if err == nil {
			err = r.maybeSave()
		}
		if err != nil {
			r.abort()
			return Summary{}, err
		}
	}
	return r.finish()
}

// finish exports the final model and closes the trajectories.
func (r *run) finish() (Summary, error) {
	r.bar.finish()
	s := Summary{Steps: r.step, Resumed: r.resumed, BestReward: r.best, BestStep: r.bestAt, Dir: r.cfg.Dir}
	err := r.traj.Close()
	r.log.Close()
	if err == nil {
		err = r.export(filepath.Join(r.cfg.Dir, finalDir))
	}
	return s, err
}

// abort closes the trajectories of a run that stopped with an error; what
// was written stays readable.
func (r *run) abort() {
	r.bar.finish()
	r.traj.Close()
	r.log.Close()
}

// ReadProgress reads the per-step reports of the run at dir
// (progress.jsonl), one per step: a step redone after a resume is reported
// as its last run.
func ReadProgress(dir string) ([]Progress, error) {
	b, err := os.ReadFile(filepath.Join(dir, progressFile))
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	byStep := map[int]Progress{}
	for i, line := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var p Progress
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			if i == strings.Count(string(b), "\n") { // a last line cut by a kill
				break
			}
			return nil, fmt.Errorf("train: %s line %d: %w", filepath.Join(dir, progressFile), i+1, err)
		}
		byStep[p.Step] = p
	}
	out := make([]Progress, 0, len(byStep))
	for _, p := range byStep {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Step < out[j].Step })
	return out, nil
}
