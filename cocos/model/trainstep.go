package model

import (
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

// Trainer takes optimiser steps on the masked next-token loss: the mean
// negative log-likelihood of the target tokens lossMask marks (SFT trains
// on completion tokens only).
type Trainer struct {
	m    *Model
	opt  optimizers.Interface
	exec *context.Exec
}

// NewTrainer binds an optimiser (e.g. optimizers.Adam().WeightDecay(0.1))
// to the model's weights.
func NewTrainer(m *Model, opt optimizers.Interface) *Trainer {
	return &Trainer{m: m, opt: opt}
}

// SetLearningRate sets the optimiser's learning rate for the next steps
// (schedules such as sft.Cosine call it every step).
func (t *Trainer) SetLearningRate(lr float64) error {
	v := optimizers.LearningRateVar(t.m.Ctx, dtypes.Float32, lr)
	return v.SetValue(tensors.FromScalar(float32(lr)))
}

// Step runs forward, backward and the optimiser update once, and returns
// the loss before the update. ids and mask are as for Logits; lossMask
// [batch][seq] is 1 on the tokens whose prediction is trained.
func (t *Trainer) Step(ids, mask, lossMask [][]int32) (float32, error) {
	if t.exec == nil {
		e, err := context.NewExec(t.m.Backend, t.m.Ctx, func(ctx *context.Context, ids, pos, mask, targets, weights *Node) *Node {
			lp := TokenLogProbs(ctx, t.m.Config, ids, pos, mask, targets)
			w := ConvertDType(weights, dtypes.Float32)
			loss := Neg(Div(ReduceAllSum(Mul(lp, w)), Max(ReduceAllSum(w), ScalarOne(ids.Graph(), dtypes.Float32))))
			t.opt.UpdateGraph(ctx, ids.Graph(), loss)
			return loss
		})
		if err != nil {
			return 0, err
		}
		t.exec = e
	}
	// The prediction at position t is of token t+1: weight it by lossMask[t+1].
	weights := NextTokens(lossMask)
	out, err := t.exec.Exec(ids, Positions(mask), mask, NextTokens(ids), weights)
	if err != nil {
		return 0, err
	}
	return out[0].Value().(float32), nil
}
