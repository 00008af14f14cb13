package lab

import (
	"context"

	"github.com/cocos-go/cocos/cocos/evaluate"
	"github.com/cocos-go/cocos/cocos/metrics"
	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/train"
	"github.com/cocos-go/cocos/data/trajectory"
)

// Pretrained is the model section 4 prompts: the scale's pre-trained
// Base, or at embedded scale (no pre-trained model) the boost model.
func (l *Lab) Pretrained(ctx context.Context) (string, error) {
	if l.Scale.Base != "" {
		return l.Scale.Base, nil
	}
	return l.Boost(ctx)
}

// Progress is a run's per-step log (loss, reward, KL, …).
func (l *Lab) Progress(name string) ([]train.Progress, error) {
	return train.ReadProgress(l.Path(name))
}

// TrackAccuracy makes an RL run evaluate its policy greedily on the test
// problems over 2 turns every Scale.EvalEvery steps (use it in RL's edit);
// Accuracy reads the results back.
func (l *Lab) TrackAccuracy(c *train.RLConfig) {
	c.Eval = &train.Eval{Runner: evaluate.Runner{Judge: l.Judge, Batch: 32, Prompts: l.prompts()}, Problems: l.Test, Every: l.Scale.EvalEvery, Turns: 2}
	c.Eval.Runner.Generate = l.Scale.Recipe.Generate(model.GenerateConfig{MaxNewTokens: l.Scale.MaxNewTokens})
}

// Accuracy returns the evaluations a run made during training (see
// TrackAccuracy), in step order.
func (l *Lab) Accuracy(name string) ([]metrics.Checkpoint, error) {
	rows, err := trajectory.ReadRows(l.Path(name, "trajectories"))
	if err != nil {
		return nil, err
	}
	steps, ts := evaluate.PerStep(rows, func(r trajectory.Row) bool { return r.Method == "eval" })
	pts := make([]metrics.Checkpoint, len(steps))
	for i, step := range steps {
		pts[i] = metrics.Checkpoint{Step: int(step), Runs: ts[i]}
	}
	return pts, nil
}
