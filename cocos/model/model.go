package model

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	gm "github.com/gomlx/gomlx/ml/model"
)

// WeightSpec is one weight the architecture needs: HF name and shape.
type WeightSpec struct {
	Name  string
	Shape []int
}

// Weights lists every weight a config needs, under Hugging Face's names.
func (c Config) Weights() []WeightSpec {
	h, hd := c.HiddenSize, c.HeadDim()
	q, kv := c.NumAttentionHeads*hd, c.KVHeads()*hd
	ws := []WeightSpec{{"model.embed_tokens.weight", []int{c.VocabSize, h}}}
	for i := range c.NumHiddenLayers {
		p := fmt.Sprintf("model.layers.%d.", i)
		ws = append(ws,
			WeightSpec{p + "input_layernorm.weight", []int{h}},
			WeightSpec{p + "self_attn.q_proj.weight", []int{q, h}},
			WeightSpec{p + "self_attn.k_proj.weight", []int{kv, h}},
			WeightSpec{p + "self_attn.v_proj.weight", []int{kv, h}},
			WeightSpec{p + "self_attn.o_proj.weight", []int{h, q}},
			WeightSpec{p + "post_attention_layernorm.weight", []int{h}},
			WeightSpec{p + "mlp.gate_proj.weight", []int{c.IntermediateSize, h}},
			WeightSpec{p + "mlp.up_proj.weight", []int{c.IntermediateSize, h}},
			WeightSpec{p + "mlp.down_proj.weight", []int{h, c.IntermediateSize}},
		)
		if c.QKVBias() {
			ws = append(ws, WeightSpec{p + "self_attn.q_proj.bias", []int{q}},
				WeightSpec{p + "self_attn.k_proj.bias", []int{kv}}, WeightSpec{p + "self_attn.v_proj.bias", []int{kv}})
		}
	}
	ws = append(ws, WeightSpec{"model.norm.weight", []int{h}})
	if !c.TieWordEmbeddings {
		ws = append(ws, WeightSpec{"lm_head.weight", []int{c.VocabSize, h}})
	}
	return ws
}

// NumParams counts the config's parameters.
func (c Config) NumParams() int {
	n := 0
	for _, w := range c.Weights() {
		k := 1
		for _, d := range w.Shape {
			k *= d
		}
		n += k
	}
	return n
}

// RandomWeights draws weights as transformers initialises them: matrices
// and biases from N(0, std), norms at 1. std 0 means 0.02.
func RandomWeights(c Config, seed uint64, std float64) map[string]Tensor {
	if std == 0 {
		std = 0.02
	}
	r := rand.New(rand.NewPCG(seed, 0x6d6f64656c))
	out := map[string]Tensor{}
	for _, w := range c.Weights() {
		n := 1
		for _, d := range w.Shape {
			n *= d
		}
		data := make([]float32, n)
		for i := range data {
			if strings.HasSuffix(w.Name, "norm.weight") {
				data[i] = 1
			} else {
				data[i] = float32(r.NormFloat64() * std)
			}
		}
		out[w.Name] = Tensor{Shape: w.Shape, Data: data}
	}
	return out
}

// Model is a config with its weights in a GoMLX store, bound to a backend.
// Weights live in the store under Hugging Face's names with dots as scope
// separators (model.norm.weight is /model/norm/weight), so loading and
// saving are name for name; optimiser state and run counters live there too
// and travel in checkpoints.
type Model struct {
	Config  Config
	Store   *gm.Store
	Backend compute.Backend

	// compute is the dtype of the forward pass (SetDType); zero is f32.
	compute dtypes.DType

	logits, logprobs, step, prefill *gm.Exec // compiled on first use (see programs)
}

// varPath is the store path of the weight HF calls name.
func varPath(name string) string { return "/" + strings.ReplaceAll(name, ".", "/") }

// New puts weights into a fresh store; every weight the config needs
// must be present with its shape, and no other.
func New(backend compute.Backend, cfg Config, weights map[string]Tensor) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	store := gm.NewStore()
	want := map[string]bool{}
	for _, w := range cfg.Weights() {
		want[w.Name] = true
		t, ok := weights[w.Name]
		if !ok {
			return nil, fmt.Errorf("model: weight %s is missing", w.Name)
		}
		if !sameShape(t.Shape, w.Shape) {
			return nil, fmt.Errorf("model: weight %s has shape %v, config needs %v", w.Name, t.Shape, w.Shape)
		}
		if _, err := store.CreateVariable(varPath(w.Name), tensors.FromFlatDataAndDimensions(t.Data, t.Shape...)); err != nil {
			return nil, fmt.Errorf("model: weight %s: %w", w.Name, err)
		}
	}
	for name := range weights {
		if !want[name] && !(cfg.TieWordEmbeddings && name == "lm_head.weight") {
			return nil, fmt.Errorf("model: weight %s is not part of a %s model with this config", name, cfg.ModelType)
		}
	}
	return &Model{Config: cfg, Store: store, Backend: backend}, nil
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Load reads a Hugging Face model directory (config.json and safetensors,
// sharded or not; f32, bf16 or f16 weights).
func Load(backend compute.Backend, dir string) (*Model, error) {
	cfg, err := LoadConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, err
	}
	ws, err := ReadWeights(dir)
	if err != nil {
		return nil, err
	}
	return New(backend, cfg, ws)
}

// Weights returns the model's current weights under HF names.
func (m *Model) Weights() (map[string]Tensor, error) {
	out := map[string]Tensor{}
	for _, w := range m.Config.Weights() {
		v := m.Store.GetVariable(varPath(w.Name))
		if v == nil {
			return nil, fmt.Errorf("model: weight %s is missing from the store", w.Name)
		}
		t, err := v.Value()
		if err != nil {
			return nil, err
		}
		out[w.Name] = Tensor{Shape: w.Shape, Data: tensors.MustCopyFlatData[float32](t)}
	}
	return out, nil
}

// Save writes config.json and model.safetensors (f32, or bf16) to dir.
func (m *Model) Save(dir string, bf16 bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(m.Config, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644); err != nil {
		return err
	}
	ws, err := m.Weights()
	if err != nil {
		return err
	}
	return WriteSafetensors(filepath.Join(dir, "model.safetensors"), ws, bf16)
}

// Logits runs the full forward pass over a batch of equal-length rows:
// mask marks real tokens (1) and padding (0), on either side. Positions
// count real tokens only (cumsum(mask)-1), as generation does.
func (m *Model) Logits(ids, mask [][]int32) ([][][]float32, error) {
	if m.logits == nil {
		e, err := gm.NewExec(m.Backend, m.Store, func(s *gm.Scope, ids, pos, mask *Node) *Node {
			m.prepare(s, ids.Graph())
			return f32(Logits(s, m.Config, ids, pos, mask))
		})
		if err != nil {
			return nil, err
		}
		m.logits = programs(e)
	}
	pos := Positions(mask)
	out, err := m.logits.Exec(ids, pos, mask)
	if err != nil {
		return nil, err
	}
	return out[0].Value().([][][]float32), nil
}

// Positions numbers each row's real tokens from 0 (cumsum(mask)-1 for a
// 0/1 mask), restarting where the mask's segment number changes (packed
// rows, see sft.Pack); padding takes the position before it, floored at 0.
func Positions(mask [][]int32) [][]int32 {
	pos := make([][]int32, len(mask))
	for i, row := range mask {
		pos[i] = make([]int32, len(row))
		var n, seg int32
		for j, m := range row {
			if m != 0 && m != seg {
				n, seg = 0, m
			}
			if m != 0 {
				n++
			}
			pos[i][j] = max(n-1, 0)
		}
	}
	return pos
}

// PadRight pads token rows to one length, rounded up to a multiple of
// bucket (≥ 1), with padID. It returns the ids, the attention mask (1 on
// real tokens) and each per-token side array (loss or action masks) padded
// with 0.
func PadRight(rows [][]int32, side [][][]int32, padID, bucket int) (ids, mask [][]int32, padded [][][]int32) {
	n := 0
	for _, r := range rows {
		n = max(n, len(r))
	}
	n = (n + bucket - 1) / bucket * bucket
	padded = make([][][]int32, len(side))
	for i, r := range rows {
		row, m := make([]int32, n), make([]int32, n)
		for j := range row {
			row[j] = int32(padID)
			if j < len(r) {
				row[j], m[j] = r[j], 1
			}
		}
		ids, mask = append(ids, row), append(mask, m)
		for k, s := range side {
			p := make([]int32, n)
			copy(p, s[i])
			padded[k] = append(padded[k], p)
		}
	}
	return ids, mask, padded
}

// SetDType sets the dtype the model computes in: Float32 (the default) or
// BFloat16, mixed precision as transformers runs a bf16 model: matmuls,
// activations and the KV cache in bf16, RMSNorm, softmax and log-probs in
// f32, while the weights (read into bf16 by each program), the gradients,
// the optimiser state and the losses stay f32. Programs compiled before
// are dropped; KV caches made before keep their dtype, so start new ones.
func (m *Model) SetDType(dt dtypes.DType) error {
	if dt != dtypes.Float32 && dt != dtypes.BFloat16 {
		return fmt.Errorf("model: compute dtype %s: Float32 or BFloat16", dt)
	}
	m.compute = dt
	m.dropPrograms()
	return nil
}

// dropPrograms forgets the compiled programs, to be built again on first
// use (after a change of dtype or of the variables' set).
func (m *Model) dropPrograms() { m.logits, m.logprobs, m.step, m.prefill = nil, nil, nil, nil }

// dtype is the dtype the model computes in.
func (m *Model) dtype() dtypes.DType {
	if m.compute == dtypes.InvalidDType {
		return dtypes.Float32
	}
	return m.compute
}

// prepare starts every program of the model. It makes g read the store's
// variables as parameters, fed their current values at every run: outside
// training, GoMLX v0.28 embeds variables as constants on a backend that
// prefers them (the Go backend), so a program compiled before an optimiser
// step would go on computing with the old weights, and a training step
// would never see its own updates (TestProgramsSeeNewWeights). And it
// records the dtype the forward computes in (computeDType).
func (m *Model) prepare(s *gm.Scope, g *Graph) {
	s.SetTraining(g, true)
	gm.SetGraphParam(g, dtypeParam, m.dtype())
}

// programs lifts GoMLX's cap of 32 compiled programs per Exec (one per
// input shape; past the cap it fails rather than evicts). Inputs are
// bucketed — lengths to 32 tokens, selected positions to 16 — but a long
// run still meets more shapes: packed SFT batches vary in rows and width,
// multi-turn caches in capacity, RL rollouts in length.
func programs(e *gm.Exec) *gm.Exec { return e.SetMaxCache(-1) }
