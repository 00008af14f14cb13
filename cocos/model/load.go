package model

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unsafe"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	gm "github.com/gomlx/gomlx/ml/model"
)

// LoadOptions says how a model's weights are held.
type LoadOptions struct {
	// DType is the dtype the weights are held and computed in: Float32
	// (the default), or BFloat16 — half the memory, for inference and for
	// LoRA, whose frozen base needs no f32 master copy. Full fine-tuning
	// needs Float32 weights (see NewTrainer; SetDType(BFloat16) on them
	// still computes in bf16).
	DType dtypes.DType
	// InferenceLayout holds the large projections [in, out], transposed
	// as they are read (layout.go): for a model that is only generated
	// with. Its peak stays the model plus one weight.
	InferenceLayout bool
}

func (o LoadOptions) dtype() (dtypes.DType, error) {
	switch o.DType {
	case dtypes.InvalidDType, dtypes.Float32:
		return dtypes.Float32, nil
	case dtypes.BFloat16:
		return dtypes.BFloat16, nil
	}
	return dtypes.InvalidDType, fmt.Errorf("model: weights in %s: Float32 or BFloat16", o.DType)
}

// Load reads a Hugging Face model directory (config.json and safetensors,
// sharded or not; f32, bf16 or f16 weights) with f32 weights.
func Load(backend compute.Backend, dir string) (*Model, error) {
	return LoadWith(backend, dir, LoadOptions{})
}

// LoadWith is Load holding the weights as opts says. Each tensor goes from
// the file straight into its backend buffer, converted on the way where
// the dtypes differ: the peak is the model in opts.DType plus a few MB.
func LoadWith(backend compute.Backend, dir string, opts LoadOptions) (*Model, error) {
	dt, err := opts.dtype()
	if err != nil {
		return nil, err
	}
	cfg, err := LoadConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, err
	}
	files, err := openWeights(dir)
	if err != nil {
		return nil, err
	}
	defer files.Close()
	names := map[string][]int{}
	for name, f := range files {
		names[name] = f.tensors[name].Shape
	}
	if err := checkWeights(cfg, names); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	m, err := newModel(backend, cfg, dt, opts.InferenceLayout, func(w WeightSpec, dst []byte) error {
		return files[w.Name].readInto(w.Name, dst, dt)
	})
	if err != nil {
		return nil, err
	}
	m.Dir = dir
	return m, nil
}

// checkWeights reports a weight the config needs that is missing or
// misshapen, or one it does not know.
func checkWeights(cfg Config, have map[string][]int) error {
	want := map[string]bool{}
	for _, w := range cfg.Weights() {
		want[w.Name] = true
		shape, ok := have[w.Name]
		if !ok {
			return fmt.Errorf("model: weight %s is missing", w.Name)
		}
		if !slices.Equal(shape, w.Shape) {
			return fmt.Errorf("model: weight %s has shape %v, config needs %v", w.Name, shape, w.Shape)
		}
	}
	for name := range have {
		if !want[name] && !(cfg.TieWordEmbeddings && name == "lm_head.weight") {
			return fmt.Errorf("model: weight %s is not part of a %s model with this config", name, cfg.ModelType)
		}
	}
	return nil
}

// newModel makes a model whose weights, held in dt, fill writes one at a
// time into their own buffers: on the Go backend a buffer is shared with
// the host (no second copy); on XLA it moves to the device and the host
// copy is freed. With inference, large projections are held transposed
// (the inference layout, layout.go), through a buffer of one weight.
func newModel(backend compute.Backend, cfg Config, dt dtypes.DType, inference bool, fill func(w WeightSpec, dst []byte) error) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	store := gm.NewStore()
	for _, w := range cfg.Weights() {
		shape, turn := w.Shape, inference && transposedWeight(w.Name, w.Shape)
		if turn {
			shape = []int{w.Shape[1], w.Shape[0]}
		}
		t, err := tensors.FromShapeForBackend(backend, 0, shapes.Make(dt, shape...))
		if err != nil {
			return nil, fmt.Errorf("model: weight %s: %w", w.Name, err)
		}
		var ferr error
		err = t.MutableBytes(func(b []byte) {
			if !turn {
				ferr = fill(w, b)
				return
			}
			hf := make([]byte, len(b))
			if ferr = fill(w, hf); ferr == nil {
				transposeBytes(b, hf, w.Shape[0], w.Shape[1], dt.Size())
			}
		})
		if err != nil {
			return nil, fmt.Errorf("model: weight %s: %w", w.Name, err)
		}
		if ferr != nil {
			return nil, ferr
		}
		if err := t.ToDevice(backend, 0); err != nil {
			return nil, fmt.Errorf("model: weight %s: %w", w.Name, err)
		}
		if _, err := store.CreateVariable(varPath(w.Name), t); err != nil {
			return nil, fmt.Errorf("model: weight %s: %w", w.Name, err)
		}
	}
	return &Model{Config: cfg, Store: store, Backend: backend, held: dt, compute: dt, inference: inference}, nil
}

// New puts weights into a fresh store, held in f32; every weight the
// config needs must be present with its shape, and no other.
func New(backend compute.Backend, cfg Config, weights map[string]Tensor) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	have := map[string][]int{}
	for name, t := range weights {
		have[name] = t.Shape
	}
	if err := checkWeights(cfg, have); err != nil {
		return nil, err
	}
	return newModel(backend, cfg, dtypes.Float32, false, func(w WeightSpec, dst []byte) error {
		encodeFloats(dst, weights[w.Name].Data, false)
		return nil
	})
}

// NewRandom is New(backend, cfg, RandomWeights(cfg, seed, std)) with the
// weights held in dt, drawn one tensor at a time: a model of any size
// costs its own memory only.
func NewRandom(backend compute.Backend, cfg Config, seed uint64, std float64, dt dtypes.DType) (*Model, error) {
	dt, err := LoadOptions{DType: dt}.dtype()
	if err != nil {
		return nil, err
	}
	d := newDraw(seed, std)
	return newModel(backend, cfg, dt, false, func(w WeightSpec, dst []byte) error {
		convert(dst, dt, f32Bytes(d.values(w)), "F32")
		return nil
	})
}

// WriteRandom writes a model directory with RandomWeights(cfg, seed, std):
// config.json and model.safetensors (bf16, or f32), one tensor in memory
// at a time. It is how the benchmarks make a checkpoint of a real model's
// shape without its weights (`cocos init --preset qwen2.5-1.5b`).
func WriteRandom(dir string, cfg Config, seed uint64, std float64, bf16 bool) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := writeConfig(dir, cfg); err != nil {
		return err
	}
	specs := cfg.Weights()
	names, shapes := namesAndShapes(specs)
	d := newDraw(seed, std)
	return writeSafetensors(filepath.Join(dir, "model.safetensors"), names, shapes, bf16, func(i int, dst []byte) error {
		encodeFloats(dst, d.values(specs[i]), bf16)
		return nil
	})
}

// namesAndShapes splits specs into the two lists writeSafetensors takes.
func namesAndShapes(specs []WeightSpec) (names []string, shapes [][]int) {
	for _, w := range specs {
		names, shapes = append(names, w.Name), append(shapes, w.Shape)
	}
	return names, shapes
}

// weightDraw draws weights as transformers initialises them, in the order
// of Config.Weights: matrices and biases from N(0, std), norms at 1.
type weightDraw struct {
	r   *rand.Rand
	std float64
}

// newDraw starts the stream of RandomWeights; std 0 means 0.02.
func newDraw(seed uint64, std float64) *weightDraw {
	if std == 0 {
		std = 0.02
	}
	return &weightDraw{r: rand.New(rand.NewPCG(seed, 0x6d6f64656c)), std: std}
}

func (d *weightDraw) values(w WeightSpec) []float32 {
	data := make([]float32, numel(w.Shape))
	norm := strings.HasSuffix(w.Name, "norm.weight")
	for i := range data {
		if norm {
			data[i] = 1
		} else {
			data[i] = float32(d.r.NormFloat64() * d.std)
		}
	}
	return data
}

// RandomWeights draws weights as transformers initialises them: matrices
// and biases from N(0, std), norms at 1. std 0 means 0.02.
func RandomWeights(c Config, seed uint64, std float64) map[string]Tensor {
	d := newDraw(seed, std)
	out := map[string]Tensor{}
	for _, w := range c.Weights() {
		out[w.Name] = Tensor{Shape: w.Shape, Data: d.values(w)}
	}
	return out
}

// weightFiles maps each tensor of a model directory to the open file
// holding it.
type weightFiles map[string]*stFile

// Close closes every file.
func (w weightFiles) Close() {
	done := map[*stFile]bool{}
	for _, f := range w {
		if !done[f] {
			done[f] = true
			f.Close()
		}
	}
}

// openWeights opens a model directory's weights: model.safetensors, or
// the shards listed by model.safetensors.index.json.
func openWeights(dir string) (weightFiles, error) {
	index := filepath.Join(dir, "model.safetensors.index.json")
	b, err := os.ReadFile(index)
	if err != nil {
		f, err := openSafetensors(filepath.Join(dir, "model.safetensors"))
		if err != nil {
			return nil, err
		}
		ws := weightFiles{}
		for name := range f.tensors {
			ws[name] = f
		}
		return ws, nil
	}
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("%s: %w", index, err)
	}
	ws, shards := weightFiles{}, map[string]*stFile{}
	for name, file := range idx.WeightMap {
		f := shards[file]
		if f == nil {
			if f, err = openSafetensors(filepath.Join(dir, file)); err != nil {
				ws.Close()
				return nil, err
			}
			shards[file] = f
			for n := range f.tensors {
				ws[n] = f
			}
		}
		if _, ok := f.tensors[name]; !ok {
			ws.Close()
			return nil, fmt.Errorf("%s: lists %s in %s, which lacks it", index, name, file)
		}
	}
	return ws, nil
}

// f32Bytes views vals as their little-endian bytes (every platform GoMLX
// runs on is little-endian).
func f32Bytes(vals []float32) []byte {
	if len(vals) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&vals[0])), 4*len(vals))
}

// stDType is a held dtype's safetensors name.
func stDType(dt dtypes.DType) string {
	if dt == dtypes.BFloat16 {
		return "BF16"
	}
	return "F32"
}

func writeConfig(dir string, cfg Config) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644)
}
