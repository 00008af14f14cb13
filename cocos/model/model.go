package model

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
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
		n += numel(w.Shape)
	}
	return n
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
	// Dir is the directory the model was loaded from ("" for one made in
	// memory): a saved adapter's base_model_name_or_path.
	Dir string

	// compute is the dtype of the forward pass (SetDType); zero is f32.
	compute dtypes.DType
	// held is the dtype the weights are stored in (LoadOptions); zero is f32.
	held dtypes.DType
	// lora is the adapters' configuration (AddLoRA), nil without;
	// noAdapters marks the Base view, which computes without them.
	lora       *LoRAConfig
	noAdapters bool
	// checkpoint turns on per-layer gradient checkpointing in training
	// programs (SetCheckpointing).
	checkpoint bool
	// inference: the large projections are held [in, out] (LoadOptions.InferenceLayout).
	inference bool

	logits, logprobs, fresh, extend, decode *gm.Exec // compiled on first use (see programs)
	// autodiffWeights makes training programs differentiate the weights
	// as GoMLX does (weightgrad.go's A/B and its test).
	autodiffWeights bool
}

// varPath is the store path of the weight HF calls name.
func varPath(name string) string { return "/" + strings.ReplaceAll(name, ".", "/") }

// Weights returns the model's current weights under HF names, in f32.
func (m *Model) Weights() (map[string]Tensor, error) {
	out := map[string]Tensor{}
	for _, w := range m.Config.Weights() {
		vals := make([]float32, numel(w.Shape))
		if err := m.weightBytes(w.Name, f32Bytes(vals), dtypes.Float32); err != nil {
			return nil, err
		}
		out[w.Name] = Tensor{Shape: w.Shape, Data: vals}
	}
	return out, nil
}

// weightBytes writes weight name's values into dst as dt's bytes: with
// adapters on, the merged weight W + (Alpha/Rank)·B·A.
func (m *Model) weightBytes(name string, dst []byte, dt dtypes.DType) error {
	if m.lora != nil && !m.noAdapters {
		if merged, ok, err := m.merged(name); err != nil || ok {
			if err == nil {
				encodeFloats(dst, merged, dt == dtypes.BFloat16)
			}
			return err
		}
	}
	return m.rawWeightBytes(name, dst, dt)
}

// merged returns W + (Alpha/Rank)·B·A for an adapted weight (ok false for
// one without an adapter).
func (m *Model) merged(name string) ([]float32, bool, error) {
	an, bn := adapterNames(name)
	v := m.Store.GetVariable(varPath(name))
	if v == nil || m.Store.GetVariable(varPath(an)) == nil {
		return nil, false, nil
	}
	w := make([]float32, v.Shape().Size())
	if err := m.rawWeightBytes(name, f32Bytes(w), dtypes.Float32); err != nil {
		return nil, false, err
	}
	a, err := m.adapter(an)
	if err != nil {
		return nil, false, err
	}
	b, err := m.adapter(bn)
	if err != nil {
		return nil, false, err
	}
	mergeInto(w, a, b, m.lora.Scaling())
	return w, true, nil
}

// rawWeightBytes is weightBytes of the stored weight itself.
func (m *Model) rawWeightBytes(name string, dst []byte, dt dtypes.DType) error {
	v := m.Store.GetVariable(varPath(name))
	if v == nil {
		return fmt.Errorf("model: weight %s is missing from the store", name)
	}
	t, err := v.Value()
	if err != nil {
		return fmt.Errorf("model: weight %s: %w", name, err)
	}
	return t.ConstBytes(func(b []byte) {
		if d := t.Shape().Dimensions; m.inference && len(d) == 2 && transposedWeight(name, []int{d[1], d[0]}) { // held [in, out]: give HF's [out, in]
			hf := make([]byte, len(b))
			transposeBytes(hf, b, d[0], d[1], t.DType().Size())
			b = hf
		}
		if t.DType() == dt {
			copy(dst, b)
			return
		}
		convert(dst, dt, b, stDType(t.DType()))
	})
}

// Save writes config.json and model.safetensors (f32, or bf16) to dir,
// one weight in memory at a time.
func (m *Model) Save(dir string, bf16 bool) error {
	if err := writeConfig(dir, m.Config); err != nil {
		return err
	}
	names, shapes := namesAndShapes(m.Config.Weights())
	dt := dtypes.Float32
	if bf16 {
		dt = dtypes.BFloat16
	}
	return writeSafetensors(filepath.Join(dir, "model.safetensors"), names, shapes, bf16, func(i int, dst []byte) error {
		return m.weightBytes(names[i], dst, dt)
	})
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
func (m *Model) dropPrograms() {
	m.logits, m.logprobs, m.fresh, m.extend, m.decode = nil, nil, nil, nil, nil
}

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
	if m.inference {
		gm.SetGraphParam(g, layoutParam, true)
	}
	if m.lora != nil && !m.noAdapters {
		gm.SetGraphParam(g, loraScaleParam, m.lora.Scaling())
	}
}

// prepareTraining is prepare for a program that updates the model: the
// only programs where LoRA's dropout is on.
func (m *Model) prepareTraining(s *gm.Scope, g *Graph) {
	m.prepare(s, g)
	if m.lora != nil && !m.noAdapters {
		gm.SetGraphParam(g, loraDropoutParam, m.lora.Dropout)
	}
	if m.checkpoint {
		gm.SetGraphParam(g, checkpointParam, true)
	}
}

// checkpointParam is the graph parameter of SetCheckpointing.
const checkpointParam = "/cocos/checkpoint_layers"

// SetCheckpointing turns per-layer gradient checkpointing on or off for
// the training programs compiled after it (call it before a Trainer's
// first step): the backward pass keeps each
// decoder layer's input only and recomputes the layer's activations from
// it (GoMLX's Node.Checkpoint), trading one more forward pass for
// activation memory that grows with the layers' inputs instead of every
// intermediate (rl.EstimateBudget: 48.7 → 2.7 GB for a micro-batch of 8
// RL rollouts of Qwen2.5-1.5B in bf16 at the paper's lengths).
func (m *Model) SetCheckpointing(on bool) {
	m.checkpoint = on
	m.dropPrograms()
}

// programs lifts GoMLX's cap of 32 compiled programs per Exec (one per
// input shape; past the cap it fails rather than evicts). Inputs are
// bucketed — lengths to 32 tokens, selected positions to 16 — but a long
// run still meets more shapes: packed SFT batches vary in rows and width,
// multi-turn caches in capacity, RL rollouts in length.
func programs(e *gm.Exec) *gm.Exec { return e.SetMaxCache(-1) }
