package model

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	gm "github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// Loss builds a training step's scalar loss from the step's inputs (given
// to Trainer.Step as one []any per micro-batch). It is graph code.
type Loss func(s *gm.Scope, cfg Config, in []*Node) *Node

// Trainer takes optimiser steps on a Loss, optionally accumulating the
// gradients of several micro-batches and clipping their global norm.
type Trainer struct {
	// ClipNorm, when > 0, rescales each step's gradients so their global L2
	// norm is at most ClipNorm (HF Trainer's max_grad_norm, 1.0 by default
	// there). Set it before the first step.
	ClipNorm float64

	m     *Model
	opt   gradientOptimizer
	loss  Loss
	vars  []*gm.Variable // trainable, in gradient order
	acc   []*gm.Variable // gradient accumulators, one per vars
	fused *gm.Exec       // one micro-batch: loss, gradients, update
	accum *gm.Exec       // add a micro-batch's scaled gradients
	apply *gm.Exec       // update from the accumulators, reset them
}

// gradientOptimizer is what GoMLX's Adam and SGD implement beyond
// optimizer.Interface: an update from gradients computed elsewhere.
type gradientOptimizer interface {
	optimizer.Interface
	UpdateGraphWithGradients(s *gm.Scope, grads []*Node, lossDType dtypes.DType)
}

// StepStats reports one optimiser step.
type StepStats struct {
	Loss     float32 // mean of the micro-batches' losses, before the update
	GradNorm float32 // global L2 norm of the gradients, before clipping
}

// NewTrainer binds an optimiser (e.g. optimizer.Adam().WeightDecay(0.1))
// and a loss (nil: NLL) to the model's weights.
func NewTrainer(m *Model, opt optimizer.Interface, loss Loss) (*Trainer, error) {
	g, ok := opt.(gradientOptimizer)
	if !ok {
		return nil, fmt.Errorf("model: optimiser %T cannot update from accumulated gradients", opt)
	}
	if err := m.fullTuningError(); err != nil {
		return nil, err
	}
	if m.inference {
		return nil, fmt.Errorf("model: a model in the inference layout is not trained (load it again to train it)")
	}
	if loss == nil {
		loss = NLL
	}
	return &Trainer{m: m, opt: g, loss: loss}, nil
}

// SetLearningRate sets the optimiser's learning rate for the next steps
// (schedules such as sft.Cosine call it every step).
func (t *Trainer) SetLearningRate(lr float64) error {
	v := optimizer.LearningRateVar(t.m.Store.RootScope(), dtypes.Float32, lr)
	return v.SetValue(tensors.FromScalar(float32(lr)))
}

// Step takes one optimiser step on the mean gradient of the micro-batches,
// each the inputs of the trainer's Loss. One micro-batch runs as a single
// fused graph; more accumulate their gradients first, which is exact for
// losses that are means over equally weighted micro-batches.
func (t *Trainer) Step(micro ...[]any) (StepStats, error) {
	var st StepStats
	if len(micro) == 0 {
		return st, fmt.Errorf("model: train step without inputs")
	}
	if len(micro) == 1 {
		out, err := t.fusedExec().Exec(micro[0]...)
		if err != nil {
			return st, fmt.Errorf("model: train step: %w", err)
		}
		return StepStats{Loss: out[0].Value().(float32), GradNorm: out[1].Value().(float32)}, nil
	}
	scale := float32(1) / float32(len(micro))
	for i, in := range micro {
		out, err := t.accumExec().Exec(append([]any{scale}, in...)...)
		if err != nil {
			return st, fmt.Errorf("model: train step, micro-batch %d: %w", i, err)
		}
		st.Loss += out[0].Value().(float32) * scale
	}
	out, err := t.applyExec().Exec()
	if err != nil {
		return st, fmt.Errorf("model: train step update: %w", err)
	}
	st.GradNorm = out[0].Value().(float32)
	return st, nil
}

func (t *Trainer) fusedExec() *gm.Exec {
	if t.fused == nil {
		t.fused = programs(gm.MustNewExec(t.m.Backend, t.m.Store, func(s *gm.Scope, in []*Node) (*Node, *Node) {
			t.m.prepareTraining(s, in[0].Graph())
			wg := t.m.useWeightGrads(in[0].Graph())
			loss := t.loss(s, t.m.Config, in)
			grads := t.gradients(s, loss, wg)
			norm := clipGlobalNorm(grads, t.ClipNorm)
			t.opt.UpdateGraphWithGradients(s, grads, loss.DType())
			return loss, norm
		}))
	}
	return t.fused
}

func (t *Trainer) accumExec() *gm.Exec {
	if t.accum == nil {
		t.accum = programs(gm.MustNewExec(t.m.Backend, t.m.Store, func(s *gm.Scope, in []*Node) *Node {
			t.m.prepareTraining(s, in[0].Graph())
			wg := t.m.useWeightGrads(in[0].Graph())
			loss := t.loss(s, t.m.Config, in[1:])
			for i, grad := range t.gradients(s, loss, wg) {
				a := t.accumulator(s, i)
				a.SetNodeValue(Add(a.NodeValue(loss.Graph()), Mul(grad, in[0])))
			}
			return loss
		}))
	}
	return t.accum
}

func (t *Trainer) applyExec() *gm.Exec {
	if t.apply == nil {
		t.apply = programs(gm.MustNewExec(t.m.Backend, t.m.Store, func(s *gm.Scope, g *Graph) *Node {
			t.m.prepare(s, g)
			grads := make([]*Node, len(t.acc))
			for i, a := range t.acc {
				t.vars[i].NodeValue(g) // the optimiser updates the variables the graph uses
				grads[i] = a.NodeValue(g)
				a.SetNodeValue(ZerosLike(grads[i]))
			}
			norm := clipGlobalNorm(grads, t.ClipNorm)
			t.opt.UpdateGraphWithGradients(s, grads, dtypes.Float32)
			return norm
		}))
	}
	return t.apply
}

// gradients differentiates loss by the trainable variables it uses,
// remembering their order for the accumulators; wg, when set, adds the
// weight gradients the program forms itself (see weightgrad.go).
func (t *Trainer) gradients(s *gm.Scope, loss *Node, wg *weightGrads) []*Node {
	var vars []*gm.Variable
	for v := range s.IterVariables() {
		if v.Trainable && v.InUseByGraph(loss.Graph()) {
			vars = append(vars, v)
		}
	}
	t.vars = vars
	grads := s.BuildTrainableVariablesGradientsGraph(loss)
	if wg != nil {
		wg.add(vars, grads)
	}
	return grads
}

// accumulator is the (non-trainable, zero-initialised) gradient sum of
// t.vars[i]; checkpoints carry it, always zero between steps.
func (t *Trainer) accumulator(s *gm.Scope, i int) *gm.Variable {
	if len(t.acc) != len(t.vars) {
		t.acc = make([]*gm.Variable, len(t.vars))
	}
	if t.acc[i] == nil {
		v := t.vars[i]
		path := "/grad_accumulator" + v.Path()
		if a := s.Store().GetVariable(path); a != nil { // from a checkpoint
			t.acc[i] = a
			return a
		}
		t.acc[i] = s.Store().VariableWithShape(path, v.Shape(), Zeros).SetTrainable(false)
	}
	return t.acc[i]
}

// clipGlobalNorm scales grads in place so their joint L2 norm is at most
// maxNorm (if > 0), and returns the norm before scaling.
func clipGlobalNorm(grads []*Node, maxNorm float64) *Node {
	g := grads[0].Graph()
	sum := ScalarZero(g, dtypes.Float32)
	for _, x := range grads {
		sum = Add(sum, ReduceAllSum(Square(ConvertDType(x, dtypes.Float32))))
	}
	norm := Sqrt(sum)
	if maxNorm > 0 {
		limit := Scalar(g, dtypes.Float32, maxNorm)
		factor := Min(ScalarOne(g, dtypes.Float32), Div(limit, Add(norm, Scalar(g, dtypes.Float32, 1e-6))))
		for i, x := range grads {
			grads[i] = Mul(x, ConvertDType(factor, x.DType()))
		}
	}
	return norm
}

// NLL is the masked next-token loss: the mean negative log-likelihood of
// the tokens the loss mask marks (SFT trains on completion tokens only).
// Its inputs come from NLLInputs.
func NLL(s *gm.Scope, cfg Config, in []*Node) *Node {
	lp, w := WeightedLogProbs(s, cfg, in, 1)
	return Neg(Div(ReduceAllSum(Mul(lp, w)), Max(ReduceAllSum(w), ScalarOne(lp.Graph(), dtypes.Float32))))
}

// NLLArgs is how many inputs NLLInputs makes; losses that take more
// (RL's advantages, DPO's reference) find theirs after these.
const NLLArgs = 6

// NLLInputs are NLL's inputs for ids and mask (as for Logits) and lossMask
// [batch][seq], 1 on the tokens whose prediction is trained.
func NLLInputs(ids, mask, lossMask [][]int32) []any {
	at, targets, weights := Select(ids, lossMask)
	return []any{ids, Positions(mask), mask, at, targets, weights}
}

// WeightedLogProbs reads NLLInputs' first NLLArgs inputs: the selected
// tokens' log-probs at temperature τ (1 for likelihood; the sampling
// temperature for a policy gradient: see TokenLogProbs) and their weights
// (0 on padding), both [batch, S].
func WeightedLogProbs(s *gm.Scope, cfg Config, in []*Node, temperature float64) (lp, w *Node) {
	var invT *Node
	if temperature > 0 && temperature != 1 {
		invT = Scalar(in[0].Graph(), dtypes.Float32, 1/temperature)
	}
	lp = TokenLogProbs(s, cfg, in[0], in[1], in[2], in[3], in[4], invT)
	return lp, ConvertDType(in[5], dtypes.Float32)
}
