package train

import (
	"context"
	"fmt"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	gm "github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/sft"
	"github.com/cocos-go/cocos/cocos/tokenizer"
)

// Pair is a preference pair on one prompt: the completion to prefer (also
// the SFT target) and the one to avoid.
type Pair struct {
	Prompt, Chosen, Rejected string
}

// PreferenceConfig is SFT and DPO in one backward pass (ReVISE's
// training); zero fields take these defaults.
type PreferenceConfig struct {
	Steps     int     // default 100
	Batch     int     // pairs per step; default 16
	LR        float64 // Adam learning rate, cosine decay; default 1e-5
	Beta      float64 // DPO temperature β; default 0.1
	SFTWeight float64 // weight of the chosen completions' NLL; default 1
	MaxLen    int     // longest sequence in tokens (longer pairs are dropped); default 1024
	ClipNorm  float64 // default 1.0
	Run       RunConfig
	Eval      *Eval
}

// Preference trains Model on Pairs against the frozen Reference.
type Preference struct {
	Model, Reference *model.Model
	Tokenizer        *tokenizer.Tokenizer
	Pairs            []Pair
	Config           PreferenceConfig
}

// Run trains, resuming from Config.Run.Dir if it holds a checkpoint.
func (p *Preference) Run(ctx context.Context) (Summary, error) {
	cfg := p.Config
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&cfg.Steps, 100)
	def(&cfg.Batch, 16)
	def(&cfg.MaxLen, 1024)
	for v, d := range map[*float64]float64{&cfg.LR: 1e-5, &cfg.Beta: 0.1, &cfg.SFTWeight: 1, &cfg.ClipNorm: 1} {
		if *v == 0 {
			*v = d
		}
	}
	chosen, rejected, err := p.tokenize(cfg.MaxLen)
	if err != nil {
		return Summary{}, err
	}
	r, err := openRun(p.Model, p.Tokenizer, cfg.Run, cfg.Steps)
	if err != nil {
		return Summary{}, err
	}
	tr, err := model.NewTrainer(p.Model, optimizer.Adam().LearningRate(cfg.LR).Done(), dpoLoss(cfg.Beta, cfg.SFTWeight))
	if err != nil {
		r.abort()
		return Summary{}, err
	}
	tr.ClipNorm = max(cfg.ClipNorm, 0)
	schedule := sft.Cosine{Peak: cfg.LR, Total: cfg.Steps}
	return r.loop(ctx, cfg.Eval, func() error {
		lr := schedule.At(r.step)
		if err := tr.SetLearningRate(lr); err != nil {
			return err
		}
		in, err := p.inputs(chosen, rejected, batchAt(len(chosen), cfg.Batch, r.cfg.Seed, r.step))
		if err != nil {
			return err
		}
		st, err := tr.Step(in)
		if err != nil {
			return fmt.Errorf("train: preference step %d: %w", r.step+1, err)
		}
		r.done(Progress{Loss: float64(st.Loss), GradNorm: float64(st.GradNorm), LR: lr}, 0, false)
		return nil
	})
}

// tokenize encodes each pair's two sequences (completion + EOS), dropping
// pairs longer than maxLen.
func (p *Preference) tokenize(maxLen int) (chosen, rejected []sft.Tokenized, err error) {
	var ce, re []sft.Example
	for _, pr := range p.Pairs {
		ce = append(ce, sft.Example{Prompt: pr.Prompt, Completion: pr.Chosen})
		re = append(re, sft.Example{Prompt: pr.Prompt, Completion: pr.Rejected})
	}
	big := 1 << 30 // drop pairs, not single sides, below
	if chosen, _, err = sft.Tokenize(p.Tokenizer, ce, p.Tokenizer.EOS, big); err != nil {
		return nil, nil, err
	}
	if rejected, _, err = sft.Tokenize(p.Tokenizer, re, p.Tokenizer.EOS, big); err != nil {
		return nil, nil, err
	}
	var c, r []sft.Tokenized
	for i := range chosen {
		if len(chosen[i].IDs) <= maxLen && len(rejected[i].IDs) <= maxLen {
			c, r = append(c, chosen[i]), append(r, rejected[i])
		}
	}
	if len(c) == 0 {
		return nil, nil, fmt.Errorf("train: no preference pair fits in %d tokens", maxLen)
	}
	return c, r, nil
}

// inputs are dpoLoss's inputs for the pairs idx: both sides as NLL inputs
// and the reference's log-probabilities of both completions.
func (p *Preference) inputs(chosen, rejected []sft.Tokenized, idx []int) ([]any, error) {
	var in []any
	for _, side := range [][]sft.Tokenized{chosen, rejected} {
		part := make([]sft.Tokenized, len(idx))
		for k, i := range idx {
			part[k] = side[i]
		}
		ids, mask, loss := sft.Batch(part, max(p.Tokenizer.PAD, 0), 32)
		ref, err := p.Reference.LogProbs(ids, mask, loss)
		if err != nil {
			return nil, err
		}
		sums := make([]float32, len(ids))
		for r := range ref {
			for t, lp := range ref[r] { // lp predicts token t+1
				sums[r] += lp * float32(loss[r][t+1])
			}
		}
		in = append(in, model.NLLInputs(ids, mask, loss)...)
		in = append(in, sums)
	}
	return in, nil
}

// dpoLoss is SFTWeight·NLL(chosen) + mean softplus(−β·margin), the margin
// being how much more the policy than the reference prefers chosen over
// rejected (in summed completion log-probabilities): DPO's loss.
func dpoLoss(beta, sftWeight float64) model.Loss {
	return func(s *gm.Scope, cfg model.Config, in []*Node) *Node {
		seq := func(in []*Node) (sum, tokens *Node) {
			lp, w := model.WeightedLogProbs(s, cfg, in, 1)
			return ReduceSum(Mul(lp, w), -1), ReduceAllSum(w)
		}
		n := model.NLLArgs // each side: its NLL inputs, then the reference's sums
		c, cTokens := seq(in[:n])
		r, _ := seq(in[n+1 : 2*n+1])
		margin := MulScalar(Sub(Sub(c, in[n]), Sub(r, in[2*n+1])), beta)
		dpo := ReduceAllMean(Softplus(Neg(margin)))
		nll := Neg(Div(ReduceAllSum(c), Max(cTokens, ScalarOne(c.Graph(), dtypes.Float32))))
		return Add(dpo, MulScalar(nll, sftWeight))
	}
}
