package main

// The flag sets every command draws from, one per concept, each declared
// once here so that a flag means the same thing, with the same help text,
// in every command that takes it: model loading, tuning (LoRA and
// checkpointing), the run directory and its resumption, the optimiser's
// schedule, sampling, the problems and data directory, and the PyTorch
// anchor of the benchmarks.

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/tokenizer"
	"github.com/cocos-go/cocos/cocos/train"
	"github.com/cocos-go/cocos/data"
)

// modelFlags load a model: --model, --backend, --dtype.
type modelFlags struct {
	dir, backendName, dtype *string
	be                      compute.Backend // made once, by backend
}

func addModelFlags(fs *flag.FlagSet) *modelFlags {
	return &modelFlags{
		dir: fs.String("model", "", "`DIR`: a model directory, or a Hugging Face id downloaded into $COCOS_CACHE ($HF_TOKEN for gated models); "+
			"cocos init makes one"),
		backendName: addBackendFlag(fs),
		dtype:       addDTypeFlag(fs),
	}
}

// addBackendFlag binds --backend.
func addBackendFlag(fs *flag.FlagSet) *string {
	return fs.String("backend", "", "GoMLX backend (default $GOMLX_BACKEND, else go)")
}

// addDTypeFlag binds --dtype, the compute dtype: one rule says where the
// weights are held, whether the command only reads them or trains them.
func addDTypeFlag(fs *flag.FlagSet) *string {
	return fs.String("dtype", "float32", "compute dtype, float32 or bfloat16: weights only read (inference, a frozen reference, "+
		"LoRA's base) are held in it too, weights trained stay float32 (mixed precision)")
}

// require reports a missing --model for the command cmd.
func (f *modelFlags) require(cmd string) error {
	if err := requireFlag("model", *f.dir); err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	return nil
}

// backend is the --backend's, made on first use.
func (f *modelFlags) backend() (compute.Backend, error) {
	if f.be != nil {
		return f.be, nil
	}
	var err error
	f.be, err = model.NewBackend(*f.backendName)
	return f.be, err
}

// dType is --dtype parsed.
func (f *modelFlags) dType() (dtypes.DType, error) { return parseDType(*f.dtype) }

// load opens dir (the --model, or another model such as a corrector) for
// inference: held and computing in --dtype, as opts says otherwise.
func (f *modelFlags) load(ctx context.Context, dir string, opts model.LoadOptions) (*model.Model, *tokenizer.Tokenizer, error) {
	backend, err := f.backend()
	if err != nil {
		return nil, nil, err
	}
	if opts.DType, err = f.dType(); err != nil {
		return nil, nil, err
	}
	return train.LoadModelWith(ctx, backend, dir, opts)
}

// parseDType reads a --dtype flag.
func parseDType(name string) (dtypes.DType, error) {
	switch name {
	case "float32", "f32":
		return dtypes.Float32, nil
	case "bfloat16", "bf16":
		return dtypes.BFloat16, nil
	}
	return dtypes.InvalidDType, fmt.Errorf("--dtype is float32 or bfloat16, not %q", name)
}

// tuningFlags choose what training updates and how it saves memory:
// LoRA adapters (or every weight) and gradient checkpointing.
type tuningFlags struct {
	lora       model.LoRAConfig
	targets    *string
	checkpoint *bool
}

func addTuningFlags(fs *flag.FlagSet) *tuningFlags {
	t := &tuningFlags{
		targets: fs.String("lora-targets", strings.Join(model.LoRATargets, ","),
			"with --lora-rank: the linear modules adapted, comma-separated"),
		checkpoint: fs.Bool("checkpoint", false, "per-layer gradient checkpointing: recompute each layer's activations in the backward pass"),
	}
	fs.IntVar(&t.lora.Rank, "lora-rank", 0, "train LoRA adapters of this rank instead of every weight (0: full fine-tuning, the paper's); the reference is the base without them")
	fs.Float64Var(&t.lora.Alpha, "lora-alpha", 0, "LoRA alpha; the update is scaled by alpha/rank (0: 2 x rank)")
	fs.Float64Var(&t.lora.Dropout, "lora-dropout", 0, "dropout on the adapters' input while training")
	return t
}

// tuning is the flags' train.Tuning computing in dt, the adapters drawn
// from seed.
func (t *tuningFlags) tuning(dt dtypes.DType, seed uint64) train.Tuning {
	tu := train.Tuning{DType: dt, LoRA: t.lora, Checkpoint: *t.checkpoint}
	if tu.LoRA.Rank > 0 {
		tu.LoRA.Targets, tu.LoRA.Seed = strings.Split(*t.targets, ","), seed
	}
	return tu
}

// runFlags are a training run's directory, its checkpoints (the same
// command resumes from the last), its progress output and the evaluation
// it runs on the way.
type runFlags struct {
	out              *string
	quiet            *bool
	run              train.RunConfig
	evalN, evalEvery *int
	evalTokens       *int
}

func addRunFlags(fs *flag.FlagSet) *runFlags {
	r := &runFlags{
		out:        fs.String("out", "", "run directory (required); running the same command again resumes it"),
		quiet:      addQuietFlag(fs),
		evalN:      fs.Int("eval", 16, "evaluate on this many suite test problems after training (0: none)"),
		evalEvery:  fs.Int("eval-every", 0, "also evaluate every N steps (0: after the last step only)"),
		evalTokens: fs.Int("eval-max-new-tokens", 512, "most new tokens per evaluation turn"),
	}
	addSeedFlag(fs, &r.run.Seed)
	fs.IntVar(&r.run.SaveEvery, "save-every", 50, "steps between checkpoints")
	fs.IntVar(&r.run.Keep, "keep", 2, "checkpoints kept")
	return r
}

// config is the run's train.RunConfig, progress on stderr unless --quiet.
func (r *runFlags) config() train.RunConfig {
	c := r.run
	c.Dir = *r.out
	if !*r.quiet {
		c.Progress = os.Stderr
	}
	return c
}

// addSeedFlag binds --seed: one seed for all a command draws at random.
func addSeedFlag(fs *flag.FlagSet, seed *uint64) {
	fs.Uint64Var(seed, "seed", 1, "seed of every random draw: weights initialised, data order, sampling")
}

// addQuietFlag binds --quiet.
func addQuietFlag(fs *flag.FlagSet) *bool { return fs.Bool("quiet", false, "no progress output") }

// schedule is an optimiser's schedule, as flags: the steps, the batch, the
// peak learning rate (cosine decay), the gradient-norm bound and, where
// the trainer has them, micro-batches and warm-up.
type schedule struct {
	Steps, Batch, MicroBatch, Warmup int
	LR, ClipNorm                     float64
}

// addScheduleFlags binds a schedule with the defaults d; batch says what a
// batch holds. accumulate binds --micro-batch and --warmup too, for the
// trainers that have them.
func addScheduleFlags(fs *flag.FlagSet, d schedule, batch string, accumulate bool) *schedule {
	s := &schedule{}
	fs.IntVar(&s.Steps, "steps", d.Steps, "training steps, one --batch each")
	fs.IntVar(&s.Batch, "batch", d.Batch, batch)
	fs.Float64Var(&s.LR, "lr", d.LR, "peak learning rate (cosine decay)")
	fs.Float64Var(&s.ClipNorm, "clip-norm", d.ClipNorm, "global gradient-norm bound (negative: none)")
	if accumulate {
		addMicroBatchFlag(fs, &s.MicroBatch)
		fs.IntVar(&s.Warmup, "warmup", d.Warmup, "linear learning-rate warm-up steps")
	}
	return s
}

// addMicroBatchFlag binds --micro-batch.
func addMicroBatchFlag(fs *flag.FlagSet, micro *int) {
	fs.IntVar(micro, "micro-batch", 0, "rows (examples, or rollouts) per forward/backward pass (gradient accumulation; 0: all at once)")
}

// samplingFlags are how completions are sampled: their length and
// temperature.
type samplingFlags struct {
	maxNew      *int
	temperature *float64
}

func addSamplingFlags(fs *flag.FlagSet, maxNew int) *samplingFlags {
	return &samplingFlags{
		maxNew:      fs.Int("max-new-tokens", maxNew, "most new tokens per completion (one turn's answer)"),
		temperature: fs.Float64("temperature", 0.9, "sampling temperature"),
	}
}

// addDataFlag binds --data, the directory of the downloaded data sets.
func addDataFlag(fs *flag.FlagSet) *string {
	return fs.String("data", "", "`DIR`: the data directory holding mbpp, humaneval, odex (default $COCOS_DATA, else ../shared/data, "+
		"else ./"+data.FetchDir+", where cocos data fetch writes)")
}

// torchFlags find the PyTorch anchor of the benchmarks.
type torchFlags struct{ python, tools *string }

func addTorchFlags(fs *flag.FlagSet) torchFlags {
	return torchFlags{
		python: fs.String("python", "/usr/bin/python3", "python with torch, for the PyTorch anchor (Debian: python3-torch)"),
		tools:  fs.String("tools", "tools", "the repository's tools directory (holds python/bench_model.py)"),
	}
}

// genConfig is decoding with the tokenizer's stop and padding tokens.
func genConfig(tok *tokenizer.Tokenizer, cfg model.GenerateConfig) model.GenerateConfig {
	return train.WithSpecialTokens(tok, cfg)
}

// requireFlag reports a missing required flag.
func requireFlag(name, value string) error {
	if value == "" {
		return fmt.Errorf("--%s is required (-h lists the flags)", name)
	}
	return nil
}
