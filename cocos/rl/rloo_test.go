package rl

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/reward"
)

func TestAdvantages(t *testing.T) {
	// Two prompts, k = 2: each advantage is the difference to the other sample.
	a, err := Advantages([]float64{1, 0.5, 0.25, 0.25}, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.5, -0.5, 0, 0}
	for i := range want {
		if a[i] != want[i] {
			t.Errorf("k=2: %v, want %v", a, want)
		}
	}
	// k = 3: 1 - (0+0.5)/2 = 0.75; 0 - 0.75 = -0.75; 0.5 - 0.5 = 0.
	a, _ = Advantages([]float64{1, 0, 0.5}, 3)
	if a[0] != 0.75 || a[1] != -0.75 || a[2] != 0 {
		t.Errorf("k=3: %v", a)
	}
	if _, err := Advantages([]float64{1, 2, 3}, 2); err == nil {
		t.Error("ragged groups accepted")
	}
}

// TestTurn2CancelsFirstTurnReward: with a shared turn 1, γ·r_1 is the same
// for the k samples and leaves the leave-one-out advantages unchanged.
func TestTurn2CancelsFirstTurnReward(t *testing.T) {
	r1 := 0.25
	second := []float64{1, 0.5}
	var withGamma, noGamma []float64
	for _, r2 := range second {
		withGamma = append(withGamma, reward.Accumulated([]float64{r1, r2}, 0.5))
		noGamma = append(noGamma, reward.Accumulated([]float64{r1, r2}, 0))
	}
	a, _ := Advantages(withGamma, 2)
	b, _ := Advantages(noGamma, 2)
	if a[0] != b[0] || a[1] != b[1] {
		t.Errorf("γ changed turn-2 advantages: %v vs %v", a, b)
	}
}

// TestModeGradients proves the difference between the modes: the gradient
// of the RLOO loss with respect to each token's log-prob is exactly zero on
// turn-1 tokens in turn2 mode, and not in trajectory mode.
func TestModeGradients(t *testing.T) {
	backend, err := model.NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	// Two samples of one prompt: positions 0-2 prompt, 3-5 turn 1, 6-7 turn 2.
	segment := []int{0, 0, 0, 1, 1, 1, 2, 2}
	action := func(mode Mode) [][]float32 {
		row := make([]float32, len(segment))
		for i, s := range segment {
			if s == 2 || (s == 1 && mode == Trajectory) {
				row[i] = 1
			}
		}
		return [][]float32{row, row}
	}
	logp := [][]float32{{-1, -2, -3, -0.5, -0.25, -2, -1, -0.125}, {-2, -1, -1, -1, -0.5, -0.5, -2, -3}}
	adv, _ := Advantages([]float64{0.75, 0.25}, 2)
	advT := []float32{float32(adv[0]), float32(adv[1])}
	for _, mode := range []Mode{Turn2, Trajectory} {
		for _, clip := range []float64{0, 0.2} {
			e := MustNewExec(backend, func(lp, act, a, old *Node) *Node {
				owner := Const(lp.Graph(), []int32{0, 1})
				return Gradient(PolicyLoss(lp, act, owner, a, old, clip), lp)[0]
			})
			// The first PPO epoch: the behaviour policy is the current one, so
			// the ratio is 1 (action log-prob sums of the rows above).
			old := []float32{-1.125, -5}
			if mode == Trajectory {
				old = []float32{-3.875, -7}
			}
			grad := e.MustExec(logp, action(mode), advT, old)[0].Value().([][]float32)
			for i, row := range grad {
				for p, g := range row {
					switch {
					case segment[p] == 0 && g != 0:
						t.Errorf("%v clip %g: prompt token %d of sample %d has gradient %g", mode, clip, p, i, g)
					case segment[p] == 1 && mode == Turn2 && g != 0:
						t.Errorf("turn2 clip %g: turn-1 token %d of sample %d has gradient %g, want exactly 0", clip, p, i, g)
					case segment[p] == 1 && mode == Trajectory && math.Abs(float64(g)) < 1e-3:
						t.Errorf("trajectory clip %g: turn-1 token %d of sample %d has no gradient", clip, p, i)
					case segment[p] == 2 && math.Abs(float64(g)) < 1e-3:
						t.Errorf("%v clip %g: turn-2 token %d of sample %d has no gradient", mode, clip, p, i)
					}
				}
			}
		}
	}
}

// TestSplitRows: a trajectory held in two rows (its turn 1 and its turn 2)
// has the loss of the same tokens in one row, with and without the clip
// (whose ratio is the trajectory's, not each row's); padding rows of no
// action change nothing.
func TestSplitRows(t *testing.T) {
	backend, err := model.NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	merged := [][]float32{{-1, -0.5, -0.25, -2}, {-2, -1, -0.5, -3}}
	mergedAct := [][]float32{{0, 1, 1, 1}, {0, 1, 1, 1}}
	split := [][]float32{{-1, -0.5, -0.25, 0}, {-7, -2, 0, 0}, {-2, -1, -0.5, -3}, {0, 0, 0, 0}}
	splitAct := [][]float32{{0, 1, 1, 0}, {0, 1, 0, 0}, {0, 1, 1, 1}, {0, 0, 0, 0}}
	adv := []float32{0.5, -0.5}
	old := []float32{-2.5, -4.25} // ratio e^-0.25 and e^-0.25: inside and outside the clip by sign
	for _, clip := range []float64{0, 0.2} {
		loss := func(lp, act [][]float32, owner []int32) float32 {
			e := MustNewExec(backend, func(lp, act, owner, a, o *Node) *Node {
				return PolicyLoss(lp, act, owner, a, o, clip)
			})
			return e.MustExec(lp, act, owner, adv, old)[0].Value().(float32)
		}
		one, two := loss(merged, mergedAct, []int32{0, 1}), loss(split, splitAct, []int32{0, 0, 1, 0})
		if math.Abs(float64(one-two)) > 1e-6 {
			t.Errorf("clip %g: split rows' loss %g, one row's %g", clip, two, one)
		}
	}
}

// TestObjectives: R of the turn rewards (0.25, 1) under each objective.
func TestObjectives(t *testing.T) {
	turns := []float64{0.25, 1}
	for _, c := range []struct {
		cfg  RLOOConfig
		want float64
	}{
		{RLOOConfig{}, 0.5*0.25 + 0.75},                       // CoCoS, γ = 0.5
		{RLOOConfig{NoGamma: true}, 0.75},                     // γ = 0: the improvement only
		{RLOOConfig{Objective: LastTurn}, 1},                  // SCoRe stage I
		{RLOOConfig{Objective: Shaped}, 1.25 + 10*0.75},       // SCoRe stage II, α = 10
		{RLOOConfig{Objective: Shaped, Alpha: 2}, 1.25 + 1.5}, // α = 2
	} {
		if got := c.cfg.Fill().trajectoryReward(turns); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%v: R = %g, want %g", c.cfg.Objective, got, c.want)
		}
	}
}
