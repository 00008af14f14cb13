package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	gm "github.com/gomlx/gomlx/ml/model"
)

// LoRAConfig is a low-rank adapter on the decoder's linear layers, as
// peft's LoraConfig defines it: each target W of [out, in] computes
// W·x + (Alpha/Rank)·B·A·dropout(x), with A [Rank, in] and B [out, Rank]
// trained and W frozen. The zero value of every field but Rank is peft's
// default or the paper-scale choice documented on it.
type LoRAConfig struct {
	// Rank is r, the adapters' inner dimension (required, ≥ 1).
	Rank int
	// Alpha is lora_alpha; the update is scaled by Alpha/Rank. Default
	// 2·Rank (scaling 2, the common choice for r = 8–64).
	Alpha float64
	// Dropout is lora_dropout on the adapters' input while training
	// (never in rollouts or evaluation). Default 0, peft's.
	Dropout float64
	// Targets are the linear modules adapted, by their HF names. Default
	// every projection: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj,
	// down_proj.
	Targets []string
	// Seed draws A (kaiming-uniform, as peft; B starts at zero, so a new
	// adapter leaves the model unchanged).
	Seed uint64
}

// LoRATargets are the default targets: every linear layer of a decoder layer.
var LoRATargets = []string{"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}

// Fill returns c with its defaults.
func (c LoRAConfig) Fill() LoRAConfig {
	if c.Alpha == 0 {
		c.Alpha = 2 * float64(c.Rank)
	}
	if len(c.Targets) == 0 {
		c.Targets = slices.Clone(LoRATargets)
	}
	return c
}

// NumParams counts the adapters' values on cfg.
func (c LoRAConfig) NumParams(cfg Config) int {
	n := 0
	for _, w := range c.Fill().adapted(cfg) {
		n += c.Rank * (w.Shape[0] + w.Shape[1])
	}
	return n
}

// Scaling is Alpha/Rank.
func (c LoRAConfig) Scaling() float64 { return c.Alpha / float64(c.Rank) }

func (c LoRAConfig) validate() error {
	switch {
	case c.Rank < 1:
		return fmt.Errorf("model: LoRA rank %d: at least 1", c.Rank)
	case c.Dropout < 0 || c.Dropout >= 1:
		return fmt.Errorf("model: LoRA dropout %g: in [0, 1)", c.Dropout)
	}
	for _, t := range c.Targets {
		if !slices.Contains(LoRATargets, t) {
			return fmt.Errorf("model: LoRA target %q: one of %v", t, LoRATargets)
		}
	}
	return nil
}

// adapted lists the weights c adapts in cfg, by HF name (….q_proj.weight).
func (c LoRAConfig) adapted(cfg Config) []WeightSpec {
	var out []WeightSpec
	for _, w := range cfg.Weights() {
		parts := strings.Split(w.Name, ".")
		if len(parts) >= 2 && parts[len(parts)-1] == "weight" && slices.Contains(c.Targets, parts[len(parts)-2]) {
			out = append(out, w)
		}
	}
	return out
}

// adapterNames are the HF names of a target weight's A and B.
func adapterNames(weight string) (a, b string) {
	m := strings.TrimSuffix(weight, ".weight")
	return m + ".lora_A.weight", m + ".lora_B.weight"
}

// AddLoRA attaches fresh adapters (A drawn, B zero) and freezes every base
// weight: from now on trainers update the adapters only, and Base is the
// model without them. Adapters are held in f32 whatever the base's dtype.
func (m *Model) AddLoRA(c LoRAConfig) error {
	if m.inference {
		return fmt.Errorf("model: adapters on a model in the inference layout (load it again to add them)")
	}
	c = c.Fill()
	if err := c.validate(); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(c.Seed, 0x6c6f7261))
	values := map[string]Tensor{}
	for _, w := range c.adapted(m.Config) {
		out, in := w.Shape[0], w.Shape[1]
		a, b := adapterNames(w.Name)
		// kaiming_uniform_(a=√5) over fan_in = in: U(-1/√in, 1/√in).
		bound := 1 / math.Sqrt(float64(in))
		av := make([]float32, c.Rank*in)
		for i := range av {
			av[i] = float32((2*r.Float64() - 1) * bound)
		}
		values[a] = Tensor{Shape: []int{c.Rank, in}, Data: av}
		values[b] = Tensor{Shape: []int{out, c.Rank}, Data: make([]float32, out*c.Rank)}
	}
	return m.setAdapters(c, values)
}

// setAdapters stores adapter values (HF names) for config c, which must
// cover every target of c exactly.
func (m *Model) setAdapters(c LoRAConfig, values map[string]Tensor) error {
	if m.lora != nil {
		return fmt.Errorf("model: the model already has LoRA adapters")
	}
	want := map[string][]int{}
	for _, w := range c.adapted(m.Config) {
		a, b := adapterNames(w.Name)
		want[a], want[b] = []int{c.Rank, w.Shape[1]}, []int{w.Shape[0], c.Rank}
	}
	for name, shape := range want {
		t, ok := values[name]
		if !ok {
			return fmt.Errorf("model: adapter %s is missing", name)
		}
		if !slices.Equal(t.Shape, shape) {
			return fmt.Errorf("model: adapter %s has shape %v, want %v (rank %d)", name, t.Shape, shape, c.Rank)
		}
	}
	for name := range values {
		if _, ok := want[name]; !ok {
			return fmt.Errorf("model: adapter %s is not a target of this configuration (%v)", name, c.Targets)
		}
	}
	for name := range want {
		t := tensors.FromFlatDataAndDimensions(values[name].Data, values[name].Shape...)
		if v := m.Store.GetVariable(varPath(name)); v != nil { // a checkpoint loaded before
			if err := v.SetValue(t); err != nil {
				return fmt.Errorf("model: adapter %s: %w", name, err)
			}
			continue
		}
		if _, err := m.Store.CreateVariable(varPath(name), t); err != nil {
			return fmt.Errorf("model: adapter %s: %w", name, err)
		}
	}
	m.lora = &c
	m.markTrainable()
	m.dropPrograms()
	return nil
}

// LoRA returns the adapters' configuration, or nil for a model without.
func (m *Model) LoRA() *LoRAConfig {
	if m.lora == nil {
		return nil
	}
	c := *m.lora
	return &c
}

// Base is the model with its adapters switched off: the same store and
// weights, no copy. With LoRA it is the RL and DPO reference (what TRL
// does with peft's disable_adapter); without adapters it is m itself.
func (m *Model) Base() *Model {
	if m.lora == nil || m.noAdapters {
		return m
	}
	b := *m
	b.noAdapters = true
	b.dropPrograms()
	return &b
}

// markTrainable sets which variables train: the adapters with LoRA, else
// the weights; never optimiser state, accumulators or run counters.
func (m *Model) markTrainable() {
	train := map[string]bool{}
	if m.lora != nil {
		for _, w := range m.lora.adapted(m.Config) {
			a, b := adapterNames(w.Name)
			train[varPath(a)], train[varPath(b)] = true, true
		}
	} else {
		for _, w := range m.Config.Weights() {
			train[varPath(w.Name)] = true
		}
	}
	for v := range m.Store.IterVariables() {
		v.SetTrainable(train[v.Path()])
	}
}

// adapterValues returns the adapters' current values under HF names.
func (m *Model) adapterValues() (map[string]Tensor, error) {
	out := map[string]Tensor{}
	for _, w := range m.lora.adapted(m.Config) {
		a, b := adapterNames(w.Name)
		for _, name := range []string{a, b} {
			t, err := m.adapter(name)
			if err != nil {
				return nil, err
			}
			out[name] = t
		}
	}
	return out, nil
}

// adapter returns one adapter's current value.
func (m *Model) adapter(name string) (Tensor, error) {
	v := m.Store.GetVariable(varPath(name))
	if v == nil {
		return Tensor{}, fmt.Errorf("model: adapter %s is missing from the store", name)
	}
	t, err := v.Value()
	if err != nil {
		return Tensor{}, fmt.Errorf("model: adapter %s: %w", name, err)
	}
	return Tensor{Shape: t.Shape().Dimensions, Data: tensors.MustCopyFlatData[float32](t)}, nil
}

// Graph parameters of the adapters, set by prepare.
const (
	loraScaleParam   = "/cocos/lora_scale"   // float64; absent or 0: adapters off
	loraDropoutParam = "/cocos/lora_dropout" // float64; set by training programs only
)

// loraDelta is the adapter's term (Alpha/Rank)·B·A·dropout(x) for the
// linear layer at s on x [n, in], or nil where the program runs without
// adapters or s has none.
func loraDelta(s *gm.Scope, x *Node) *Node {
	g := x.Graph()
	scale, _ := gm.GetGraphParam(g, loraScaleParam)
	if f, _ := scale.(float64); f == 0 || s.Store().GetVariable(s.At("lora_A").At("weight").Scope()) == nil {
		return nil
	}
	if rate, _ := gm.GetGraphParam(g, loraDropoutParam); rate != nil && rate.(float64) > 0 {
		p := rate.(float64)
		keep := GreaterThan(s.RandomUniform(g, x.Shape()), Scalar(g, x.DType(), p))
		x = Where(keep, DivScalar(x, 1-p), ZerosLike(x))
	}
	a := param(s.At("lora_A"), g, "weight") // [r, in]
	b := param(s.At("lora_B"), g, "weight") // [out, r]
	xa := Einsum("ni,ri->nr", x, a)
	return MulScalar(Einsum("nr,or->no", xa, b), scale.(float64))
}

// mergeInto adds (Alpha/Rank)·B·A to w [out, in] (f32, row-major).
func mergeInto(w []float32, a, b Tensor, scale float64) {
	r, in := a.Shape[0], a.Shape[1]
	out := b.Shape[0]
	for o := range out {
		row := w[o*in : (o+1)*in]
		for k := range r {
			f := float32(scale) * b.Data[o*r+k]
			if f == 0 {
				continue
			}
			for i, v := range a.Data[k*in : (k+1)*in] {
				row[i] += f * v
			}
		}
	}
}

// fullTuningError refuses full fine-tuning of weights held in bf16.
func (m *Model) fullTuningError() error {
	if m.lora == nil && m.held == dtypes.BFloat16 {
		return fmt.Errorf("model: full fine-tuning of bf16-held weights would update them in bf16: load them in float32 (mixed precision with SetDType) or add LoRA adapters")
	}
	return nil
}
