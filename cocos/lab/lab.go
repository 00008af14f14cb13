package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gomlx/compute"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/recipe"
	"github.com/cocos-go/cocos/cocos/tokenizer"
	"github.com/cocos-go/cocos/cocos/train"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/sandbox"
)

// Lab runs experiments at one Scale, keeping every run under Dir.
type Lab struct {
	Scale Scale
	// Dir holds the runs: $COCOS_RUNS/NAME when set, else runs/NAME.
	Dir string
	// Train holds the RL prompts; Test the main evaluation problems
	// (EvalProblems of them, from Scale.EvalSplit); Extra the further test
	// sets by name.
	Train, Test []data.Problem
	Extra       map[string][]data.Problem
	Backend     compute.Backend
	Judge       *sandbox.Executor
	// Log receives progress lines and bars; default os.Stderr.
	Log   io.Writer
	tasks []data.Task
	// root is the lab whose directory holds what every recipe shares (the
	// initial model and the boost models); nil: this one.
	root *Lab
}

// Open opens a lab in $COCOS_RUNS/NAME, else runs/NAME (see OpenDir).
func Open(s Scale) (*Lab, error) { return OpenDir(s, filepath.Join(RunsRoot(), s.Name)) }

// RunsRoot is where labs keep their runs: $COCOS_RUNS, else runs.
func RunsRoot() string {
	if root := os.Getenv("COCOS_RUNS"); root != "" {
		return root
	}
	return "runs"
}

// OpenDir loads the scale's problems and starts the backend and the
// sandbox, for runs under dir (under dir/recipe/NAME when Scale.Recipe is
// not the paper's: see WithRecipe).
func OpenDir(s Scale, dir string) (*Lab, error) {
	l := &Lab{Scale: s, Dir: dir, Extra: map[string][]data.Problem{}, Log: os.Stderr}
	l.Scale.Recipe = recipe.Paper()
	if err := l.loadProblems(); err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	var err error
	if l.Backend, err = model.NewBackend(""); err != nil {
		return nil, err
	}
	if l.Judge, err = sandbox.New(sandbox.Config{}); err != nil {
		return nil, err
	}
	if s.Recipe.String() != "paper" {
		return l.WithRecipe(s.Recipe), nil
	}
	return l, nil
}

// Close stops the sandbox.
func (l *Lab) Close() error { return l.Judge.Close() }

// WithRecipe is the lab at the same scale whose runs follow r, sharing
// this lab's problems, backend and sandbox (close only one of them). Its
// runs and evaluations live in DIR/recipe/NAME, the paper's in DIR; the
// initial model and the boost models stay in DIR, one boost per EOS choice
// (Recipe.BoostWithoutEOS), shared by every recipe.
func (l *Lab) WithRecipe(r recipe.Recipe) *Lab {
	c := *l
	c.root = l.rootLab()
	c.Scale.Recipe, c.Dir = r, c.root.Dir
	if r.String() != "paper" {
		c.Dir = filepath.Join(c.root.Dir, "recipe", r.String())
	}
	return &c
}

// rootLab is the lab holding the shared runs.
func (l *Lab) rootLab() *Lab {
	if l.root != nil {
		return l.root
	}
	return l
}

func (l *Lab) loadProblems() error {
	s := l.Scale
	split := s.EvalSplit
	if split == "" {
		split = "test"
	}
	if split != "test" && split != "validation" {
		return fmt.Errorf("Scale.EvalSplit %q: want test or validation", split)
	}
	if s.Dataset == "suite" {
		l.tasks = data.Suite(s.Suite)
		l.Train, l.Test = data.SuiteProblems(l.tasks, "train"), data.SuiteProblems(l.tasks, split)
	} else {
		var err error
		if l.Train, l.Test, err = l.load(s.Dataset, "train", split); err != nil {
			return err
		}
	}
	for _, name := range s.Extra {
		_, test, err := l.load(name, "", "test")
		if err != nil {
			return err
		}
		l.Extra[name] = test
	}
	if n := s.EvalProblems; n > 0 && n < len(l.Test) {
		l.Test = l.Test[:n]
	}
	if len(l.Train) == 0 || len(l.Test) == 0 {
		return fmt.Errorf("%s: no train or test problems", s.Dataset)
	}
	return nil
}

// load reads a data set's two splits ("" for none).
func (l *Lab) load(name, trainSplit, testSplit string) (train, test []data.Problem, err error) {
	if trainSplit != "" {
		if train, err = data.LoadSplit(l.Scale.DataDir, name, trainSplit); err != nil {
			return nil, nil, err
		}
	}
	test, err = data.LoadSplit(l.Scale.DataDir, name, testSplit)
	return train, test, err
}

// Path is a path under the lab's directory.
func (l *Lab) Path(parts ...string) string {
	return filepath.Join(append([]string{l.Dir}, parts...)...)
}

// Load loads a model directory or Hugging Face id with its tokenizer.
func (l *Lab) Load(ctx context.Context, dirOrID string) (*model.Model, *tokenizer.Tokenizer, error) {
	return train.LoadModel(ctx, l.Backend, dirOrID)
}

// trainable loads a model to train as Scale.Tuning says (the adapters'
// seed follows the scale's).
func (l *Lab) trainable(ctx context.Context, dirOrID string) (*model.Model, *tokenizer.Tokenizer, error) {
	t := l.Scale.Tuning
	t.LoRA.Seed ^= l.Scale.Seed
	return train.LoadTrainable(ctx, l.Backend, dirOrID, t)
}

// reference is the frozen model a run of m (loaded from "from") is held to.
func (l *Lab) reference(ctx context.Context, m *model.Model, from, dir string) (*model.Model, error) {
	return train.LoadReference(ctx, m, from, dir, l.Scale.Tuning)
}

// done reports whether a run directory holds its final model.
func done(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "model", "config.json"))
	return err == nil
}

func (l *Lab) logf(format string, args ...any) {
	if l.Log != nil {
		fmt.Fprintf(l.Log, format+"\n", args...)
	}
}

var errCancelled = errors.New("lab: cancelled")

func alive(ctx context.Context) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w: %w", errCancelled, ctx.Err())
	}
	return nil
}
