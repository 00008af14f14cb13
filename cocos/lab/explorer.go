package lab

import (
	"fmt"

	"github.com/cocos-go/cocos/cocos/explore"
	"github.com/cocos-go/cocos/data/trajectory"
)

// RolloutsPerStep is how many of each RL step's sampled trajectories
// Explorer keeps.
const RolloutsPerStep = 4

// Explorer gathers evaluations (names given to Eval) and RL runs (names
// given to RL: their rollouts, RolloutsPerStep per step) into a trajectory
// explorer; nb.Explorer shows it in a notebook, WriteFile saves it.
func (l *Lab) Explorer(title string, evals, runs []string) (*explore.Explorer, error) {
	ex := &explore.Explorer{Title: title}
	if l.tasks != nil {
		ex.Family = explore.SuiteFamilies(l.tasks)
	}
	for _, name := range evals {
		rows, err := trajectory.ReadRows(l.Path("eval", name))
		if err != nil {
			return nil, fmt.Errorf("lab: explorer: evaluation %s: %w", name, err)
		}
		ex.Evaluation(name, rows)
	}
	for _, name := range runs {
		rows, err := trajectory.ReadRows(l.Path(name, "trajectories"))
		if err != nil {
			return nil, fmt.Errorf("lab: explorer: RL run %s: %w", name, err)
		}
		ex.Rollouts(name, rows, RolloutsPerStep)
	}
	return ex, nil
}
