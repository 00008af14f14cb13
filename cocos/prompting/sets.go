package prompting

import (
	"context"
	"fmt"
	"strings"

	"github.com/cocos-go/cocos/cocos/metrics"
	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/data/trajectory"
	"github.com/cocos-go/cocos/sandbox"
)

// SETS is sampling, self-verification and self-correction (Chen et al.
// 2025) as section 4 runs it: Samples programs per problem at Temperature,
// each verified by Verifier (the model itself, or a teacher for
// External-SETS); those judged incorrect are corrected once with the
// verifier's feedback; the answer is the most frequent final program among
// those verified correct (else among all).
type SETS struct {
	Model       *model.Model
	Tokenizer   model.Tokenizer
	Judge       *sandbox.Executor
	Prompts     prompt.Builder
	Verifier    Reviewer
	Samples     int     // default 20
	Temperature float64 // default 0.7
	MaxTokens   int     // per program; default 512
	Seed        uint64
	Method      string // labels the rows
}

// Confusion counts the verifier's verdicts on the sampled programs against
// the unit tests (Appendix A).
type Confusion struct {
	TruePositive, FalsePositive, FalseNegative, TrueNegative int
}

// Accuracy is the share of verdicts the tests agree with.
func (c Confusion) Accuracy() float64 {
	n := c.TruePositive + c.FalsePositive + c.FalseNegative + c.TrueNegative
	if n == 0 {
		return 0
	}
	return float64(c.TruePositive+c.TrueNegative) / float64(n)
}

// SETSResult is a SETS run: Acc1 is the mean accuracy of the sampled
// programs (SETS has no single first response), Acc2 the answers'.
type SETSResult struct {
	Acc1, Acc2 float64
	Confusion  Confusion
	Rows       []trajectory.Row // per sample: turn 1 (sampled) and turn 2 (after correction, or kept)
	// Sampled and Answered are, per problem, the share of its sampled
	// programs that are correct and whether its answer is (1 or 0): the
	// per-problem values of Acc1 and Acc2.
	Sampled, Answered []float64
}

// Delta is Acc2 − Acc1 with its 95 % paired bootstrap interval over
// problems.
func (r SETSResult) Delta() (metrics.Difference, error) {
	return metrics.Bootstrap{}.Difference([][]float64{r.Sampled}, [][]float64{r.Answered})
}

// Run runs SETS on problems.
func (s *SETS) Run(ctx context.Context, problems []data.Problem) (SETSResult, error) {
	var res SETSResult
	n, temp := orDefault(s.Samples, 20), s.Temperature
	if temp == 0 {
		temp = 0.7
	}
	for i, p := range problems {
		acc1, ok, err := s.problem(ctx, p, n, temp, s.Seed+uint64(i), &res)
		if err != nil {
			return res, fmt.Errorf("prompting: SETS %s: %w", p.ID, err)
		}
		res.Acc1 += acc1 / float64(len(problems))
		res.Sampled, res.Answered = append(res.Sampled, acc1), append(res.Answered, 0)
		if ok {
			res.Acc2 += 1 / float64(len(problems))
			res.Answered[i] = 1
		}
	}
	return res, nil
}

// problem samples, verifies, corrects and votes for one problem; it returns
// the sampled programs' accuracy and whether the answer is correct.
func (s *SETS) problem(ctx context.Context, p data.Problem, n int, temp float64, seed uint64, res *SETSResult) (float64, bool, error) {
	first := s.Prompts.First(p)
	prompts := make([]string, n)
	for k := range prompts {
		prompts[k] = first
	}
	gen := model.GenerateConfig{MaxNewTokens: orDefault(s.MaxTokens, 512), Temperature: temp, Seed: seed}
	codes, verdicts, err := s.sampleAndJudge(ctx, p, prompts, gen)
	if err != nil {
		return 0, false, err
	}
	reqs := make([]string, n)
	for k, c := range codes {
		reqs[k] = FeedbackRequest(p, c) + " Start with \"correct\" or \"incorrect\"."
	}
	reviews, err := s.Verifier.Review(ctx, reqs)
	if err != nil {
		return 0, false, err
	}
	final, finalOK := append([]string{}, codes...), append([]bool{}, verdicts...)
	verified := make([]bool, n)
	var fix []int
	var fixPrompts []string
	for k, rv := range reviews {
		verified[k] = saysCorrect(rv)
		res.Confusion.add(verified[k], verdicts[k])
		if !verified[k] {
			fix = append(fix, k)
			fixPrompts = append(fixPrompts, first+prompt.Answer(codes[k])+"\n\nFeedback: "+strings.TrimSpace(rv)+
				"\n\nUsing the feedback, write the corrected solution.\n"+prompt.Begin+"\n")
		}
	}
	if len(fix) > 0 {
		fixed, ok, err := s.sampleAndJudge(ctx, p, fixPrompts, model.GenerateConfig{MaxNewTokens: gen.MaxNewTokens})
		if err != nil {
			return 0, false, err
		}
		for j, k := range fix {
			final[k], finalOK[k] = fixed[j], ok[j]
		}
	}
	correct := 0
	for k := range codes {
		if verdicts[k] {
			correct++
		}
		res.Rows = append(res.Rows,
			trajectory.Row{Run: s.Method, ProblemID: p.ID, Sample: int32(k), Turn: 1, Prompt: first, Code: codes[k], Method: s.Method, Reward: b2f(verdicts[k])},
			trajectory.Row{Run: s.Method, ProblemID: p.ID, Sample: int32(k), Turn: 2, Code: final[k], Method: s.Method, Reward: b2f(finalOK[k])})
	}
	answer := vote(final, verified)
	for k := range final {
		if final[k] == answer {
			return float64(correct) / float64(n), finalOK[k], nil
		}
	}
	return float64(correct) / float64(n), false, nil
}

// sampleAndJudge generates from prompts and judges each extracted program.
func (s *SETS) sampleAndJudge(ctx context.Context, p data.Problem, prompts []string, gen model.GenerateConfig) ([]string, []bool, error) {
	gens, err := s.Model.Generate(s.Tokenizer, prompts, gen)
	if err != nil {
		return nil, nil, err
	}
	codes := make([]string, len(gens))
	jobs := make([]sandbox.Job, len(gens))
	for k, g := range gens {
		codes[k] = prompt.Extract(g.Text)
		jobs[k] = sandbox.Job{Program: codes[k], Setup: p.SetupCode, Tests: p.Tests}
	}
	results, err := s.Judge.RunBatch(ctx, jobs)
	if err != nil {
		return nil, nil, err
	}
	ok := make([]bool, len(results))
	for k, r := range results {
		ok[k] = r.AllPassed()
	}
	return codes, ok, nil
}

// saysCorrect reads a verdict: the review starts with "correct" (or
// "yes"), not "incorrect".
func saysCorrect(review string) bool {
	w := strings.ToLower(strings.TrimLeft(review, " \n\t\"'*:"))
	return strings.HasPrefix(w, "correct") || strings.HasPrefix(w, "yes")
}

func (c *Confusion) add(verified, passed bool) {
	switch {
	case verified && passed:
		c.TruePositive++
	case verified:
		c.FalsePositive++
	case passed:
		c.FalseNegative++
	default:
		c.TrueNegative++
	}
}

// vote is the most frequent program among the verified ones, or among all
// when none was verified; ties go to the first seen.
func vote(codes []string, verified []bool) string {
	anyVerified := false
	for _, v := range verified {
		anyVerified = anyVerified || v
	}
	count := map[string]int{}
	best := ""
	for k, c := range codes {
		if anyVerified && !verified[k] {
			continue
		}
		count[c]++
		if count[c] > count[best] || best == "" {
			best = c
		}
	}
	return best
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
