package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/cocos-go/cocos/cocos/baselines"
	"github.com/cocos-go/cocos/cocos/evaluate"
	"github.com/cocos-go/cocos/cocos/metrics"
	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/openai"
	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/cocos/prompting"
	"github.com/cocos-go/cocos/cocos/recipe"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/data/trajectory"
	"github.com/cocos-go/cocos/internal/atomicfile"
	"github.com/cocos-go/cocos/sandbox"
)

func runEval(ctx context.Context, args []string) error {
	fs := newFlags("eval", "eval --model DIR [--dataset suite|mbpp|humaneval|odex] [--turns T] [--out DIR] [flags]",
		"Multi-turn self-correction evaluation: greedy decoding (or --samples n at --temperature for pass@k),\n"+
			"each turn judged in the sandbox; prints the paper's table and writes one Arrow row per problem and turn.")
	mf := addModelFlags(fs)
	corrector := fs.String("corrector", "", "Self-Corrector: a separately trained model that writes turns 2 … T")
	problems := addProblemFlags(fs, "test")
	turns := fs.Int("turns", 2, "turns per problem (1 to 5 in the paper)")
	out := fs.String("out", "", "directory to add the trajectories to as an Arrow part (default: none)")
	method := fs.String("method", "", "label of the rows and table (default: the model)")
	batch := fs.Int("batch", 16, "prompts per generation call")
	samples := fs.Int("samples", 1, "trajectories per problem; above 1 they are sampled (at --temperature) and pass@k is printed")
	sampling := addSamplingFlags(fs, 512)
	var seed uint64
	addSeedFlag(fs, &seed)
	fewShot := fs.Bool("few-shot", false, "prefix MBPP's 3 prompt-split problems (section 4, for pre-trained models; needs --data); with --refine self also 3-shot feedback")
	refine := fs.String("refine", "", "section 4's prompting: self (Self-Refine) or external (External-Refine: feedback from a teacher)")
	revise := fs.Bool("revise", false, "ReVISE inference: one pass that may refine after [CORRECT] until EOS; turns are its two attempts")
	sets := fs.String("sets", "", "section 4's SETS: self (self-verification) or external (External-SETS: a teacher verifies)")
	setsSamples := fs.Int("sets-samples", 20, "SETS: programs sampled per problem (at temperature 0.7)")
	teacher := &openai.Client{} // empty flags fall back to the environment after parsing
	teacherTokens := fs.Int("teacher-max-tokens", 256, "external: most tokens of each teacher feedback")
	fs.StringVar(&teacher.BaseURL, "teacher-url", "", "external: the teacher's OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1 (default $OPENAI_BASE_URL)")
	fs.StringVar(&teacher.Model, "teacher-model", "", "external: the teacher's model name (default $COCOS_TEACHER_MODEL)")
	fs.StringVar(&teacher.APIKey, "teacher-key", "", "external: the teacher's API key (default $OPENAI_API_KEY; prefer the variable: flags show in process lists)")
	recipeName := addRecipeFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := mf.require("eval"); err != nil {
		return err
	}
	rec, err := recipe.Parse(*recipeName)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	teacher.FromEnv()
	ps, err := problems.load()
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	m, tok, err := mf.load(ctx, *mf.dir, model.LoadOptions{})
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	judge, err := sandbox.New(sandbox.Config{})
	if err != nil {
		return err
	}
	defer judge.Close()
	var corr *model.Model
	if *corrector != "" {
		if corr, _, err = mf.load(ctx, *corrector, model.LoadOptions{}); err != nil {
			return fmt.Errorf("eval: corrector: %w", err)
		}
	}
	if *method == "" {
		*method = *mf.dir
	}
	r := &evaluate.Runner{Model: m, Corrector: corr, Tokenizer: tok, Judge: judge, Batch: *batch, RunID: *method, ModelID: *mf.dir, Method: *method,
		Prompts: rec.Prompts(prompt.Builder{}), Generate: rec.Generate(genConfig(tok, model.GenerateConfig{MaxNewTokens: *sampling.maxNew}))}
	if *revise {
		res, err := baselines.EvaluateReVISE(ctx, m, tok, judge, r.Prompts, ps, r.Generate, *method)
		if err != nil {
			return fmt.Errorf("eval: %w", err)
		}
		if *out != "" {
			if err := writeRows(*out, res.Rows); err != nil {
				return fmt.Errorf("eval: %w", err)
			}
		}
		fmt.Print(report(*method, [][]metrics.Trajectory{res.Trajectories}, 2))
		return nil
	}
	if *sets != "" {
		return runSETS(ctx, r, *sets, *setsSamples, prompting.TeacherReviewer{Client: teacher, MaxTokens: *teacherTokens}, ps, *out)
	}
	var shots []data.Problem
	if *fewShot {
		if shots, err = mbppPromptSplit(problems); err != nil {
			return fmt.Errorf("eval: %w", err)
		}
		r.Prompts.FewShot = r.Prompts.FewShotPrefix(shots[:3])
	}
	switch *refine {
	case "":
	case "self":
		rev := prompting.SelfReviewer{Model: m, Tokenizer: tok}
		if *fewShot { // Self-Refine's 3-shot feedback, on the same MBPP prompt-split problems
			if rev.Shots, err = prompting.FeedbackShots(ctx, judge, shots, 3); err != nil {
				return fmt.Errorf("eval: %w", err)
			}
		}
		r.Next = prompting.Refine(rev)
	case "external":
		r.Next = prompting.Refine(prompting.TeacherReviewer{Client: teacher, MaxTokens: *teacherTokens})
	default:
		return fmt.Errorf("eval: --refine is self or external, not %q", *refine)
	}
	var runs [][]metrics.Trajectory
	var rows []trajectory.Row
	for s := range *samples {
		if *samples > 1 {
			r.Generate.Temperature, r.Generate.Seed = *sampling.temperature, seed+uint64(s)
		}
		res, err := r.Run(ctx, ps, *turns)
		runs, rows = append(runs, res.Trajectories), append(rows, res.Rows...)
		if err != nil {
			// Keep the batches that finished (a teacher that died, Ctrl-C).
			if *out != "" && len(rows) > 0 {
				if werr := writeRows(*out, rows); werr == nil {
					err = fmt.Errorf("%w (the %d rows finished before it are in %s)", err, len(rows), *out)
				}
			}
			return fmt.Errorf("eval: %w", err)
		}
	}
	if *out != "" {
		if err := writeRows(*out, rows); err != nil {
			return fmt.Errorf("eval: %w", err)
		}
		// Beside the rows: the recipe they were made under.
		if err := atomicfile.WriteJSON(filepath.Join(*out, "recipe.json"), rec.Metadata()); err != nil {
			return fmt.Errorf("eval: %w", err)
		}
	}
	fmt.Printf("recipe: %s\n", rec)
	fmt.Print(report(*method, runs, *turns))
	return nil
}

// mbppPromptSplit is MBPP's prompt split (task ids 1-10), section 4's worked
// examples for code (the first 3) and for feedback.
func mbppPromptSplit(p *problemFlags) ([]data.Problem, error) {
	return data.LoadSplit(*p.dir, "mbpp", "prompt")
}

// writeRows adds rows to dir as a new Arrow part.
func writeRows(dir string, rows []trajectory.Row) error { return trajectory.WritePart(dir, rows...) }

// report prints the paper's tables for one or more runs over the same
// problems: accuracy and changes from turn 1 to each later turn, unit-level
// changes, Figure 2's edit-ratio histogram and, for several samples, pass@k.
func report(method string, runs [][]metrics.Trajectory, turns int) string {
	var b strings.Builder
	ts := runs[0]
	rows := metrics.TurnRows(short(method), ts) // t1→t and t(t−1)→t (section 8.3)
	if turns == 1 {
		rows = append(rows, metrics.Summarize(short(method), ts, 1, 1))
	}
	b.WriteString(metrics.Table(rows) + metrics.TableNote + "\n")
	if turns >= 2 {
		up, down := metrics.UnitChanges(ts, 1, 2)
		better, worse := metrics.ProblemsBetterWorse(ts, 1, 2).Shares()
		fmt.Fprintf(&b, "\nunit tests t1→t2: fail→pass %.1f%%, pass→fail %.1f%% of all tests; problems with more passing tests %.1f%%, fewer %.1f%% (Table 5's reading)\n",
			100*up, 100*down, 100*better, 100*worse)
		if turns > 2 {
			better, worse = metrics.TurnsBetterWorse(ts, 1, turns).Shares()
			fmt.Fprintf(&b, "consecutive turns t1→t%d: problems with more passing tests %.1f%%, fewer %.1f%% per turn pair\n", turns, 100*better, 100*worse)
		}
		ratios := metrics.EditRatios(ts, 1, 2)
		fmt.Fprintf(&b, "edit ratio t1→t2 (1 = unchanged) over %d incorrect turn-2 samples (Figure 2), 10 bins from 0: %v\n", len(ratios), metrics.Histogram(ratios, 10))
	}
	if len(runs) > 1 {
		b.WriteString(passAtK(runs, turns))
	}
	return b.String()
}

// passAtK prints pass@k per turn for k = 1 and the number of samples.
func passAtK(runs [][]metrics.Trajectory, turns int) string {
	var b strings.Builder
	for t := 1; t <= turns; t++ {
		for _, k := range []int{1, len(runs)} {
			fmt.Fprintf(&b, "turn %d pass@%d %.1f%%\n", t, k, 100*metrics.PassAtKRuns(runs, t, k))
		}
	}
	return b.String()
}

// short trims a label to the table's column.
func short(s string) string {
	if len(s) > 10 {
		return "…" + s[len(s)-9:]
	}
	return s
}

// runSETS runs SETS or External-SETS and prints accuracy and the
// verifier's confusion matrix (Appendix A).
func runSETS(ctx context.Context, r *evaluate.Runner, mode string, samples int, teacher prompting.TeacherReviewer, ps []data.Problem, out string) error {
	s := &prompting.SETS{Model: r.Model, Tokenizer: r.Tokenizer, Judge: r.Judge, Prompts: r.Prompts, Samples: samples,
		MaxTokens: r.Generate.MaxNewTokens, Seed: r.Generate.Seed, Method: r.Method}
	switch mode {
	case "self":
		s.Verifier = prompting.SelfReviewer{Model: r.Model, Tokenizer: r.Tokenizer}
	case "external":
		s.Verifier = teacher
	default:
		return fmt.Errorf("eval: --sets is self or external, not %q", mode)
	}
	res, err := s.Run(ctx, ps)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	if out != "" {
		if err := writeRows(out, res.Rows); err != nil {
			return fmt.Errorf("eval: %w", err)
		}
	}
	c := res.Confusion
	fmt.Printf("SETS (%s verifier), %d samples per problem, %d problems; Acc@t1 is the samples' mean, Acc@t2 the answers'\n", mode, samples, len(ps))
	// The paper's table; the transitions are unobservable (SETS keeps no single first answer).
	delta, err := res.Delta()
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	fmt.Printf("%-16s %8s %8s %8s %8s %24s\n", "method", "Acc@t1", "Acc@t2", "Δi→c", "Δc→i", "Δ")
	fmt.Printf("%-16s %8s %8s %8s %8s %24s\n", short(r.Method), metrics.Percent(res.Acc1), metrics.Percent(res.Acc2), "-", "-",
		metrics.WithInterval(delta.Value, delta.Interval))
	fmt.Println("In brackets the 95 % paired-bootstrap interval over problems.")
	fmt.Printf("verifier vs tests: correct→verified %d, incorrect→verified %d, correct→rejected %d, incorrect→rejected %d (accuracy %.1f%%)\n",
		c.TruePositive, c.FalsePositive, c.FalseNegative, c.TrueNegative, 100*c.Accuracy())
	return nil
}
