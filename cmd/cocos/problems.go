package main

import (
	"flag"
	"fmt"

	"github.com/cocos-go/cocos/data"
)

// problemFlags choose the problems a command trains or evaluates on.
type problemFlags struct {
	dataset, split, dir *string
	limit               *int
	suite               data.SuiteConfig
}

func addProblemFlags(fs *flag.FlagSet, split string) *problemFlags {
	p := &problemFlags{
		dataset: fs.String("dataset", "suite", "problems: suite (built in), mbpp, humaneval or odex"),
		split:   fs.String("split", split, "split of the dataset (suite: train, test; mbpp: prompt, test, validation, train)"),
		dir:     addDataFlag(fs),
		limit:   fs.Int("limit", 0, "use only the first N problems (0: all)"),
	}
	fs.Uint64Var(&p.suite.Seed, "suite-seed", 1, "seed of the built-in suite")
	return p
}

// tasks is the built-in suite.
func (p *problemFlags) tasks() []data.Task { return data.Suite(p.suite) }

// load returns the chosen problems.
func (p *problemFlags) load() ([]data.Problem, error) {
	var ps []data.Problem
	if *p.dataset == "suite" {
		ps = data.SuiteProblems(p.tasks(), *p.split)
	} else {
		dir, err := data.ResolveDir(*p.dir)
		if err != nil {
			return nil, err
		}
		all, err := data.Load(dir, *p.dataset)
		if err != nil {
			return nil, err
		}
		ps = data.Splits(all, *p.split)
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("no problems in %s split %q", *p.dataset, *p.split)
	}
	if *p.limit > 0 && *p.limit < len(ps) {
		ps = ps[:*p.limit]
	}
	return ps, nil
}
