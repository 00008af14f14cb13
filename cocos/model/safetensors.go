package model

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
)

// Tensor is a named array of float32 values with a shape, as stored in a
// safetensors file (f32, bf16 and f16 are read; f32 or bf16 written).
type Tensor struct {
	Shape []int
	Data  []float32
}

type stHeader struct {
	DType   string   `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// ReadSafetensors reads every tensor of one safetensors file.
func ReadSafetensors(path string) (map[string]Tensor, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 8 {
		return nil, fmt.Errorf("%s: too short for a safetensors file", path)
	}
	n := binary.LittleEndian.Uint64(b)
	if n > uint64(len(b)-8) {
		return nil, fmt.Errorf("%s: header length %d exceeds the file", path, n)
	}
	var hdr map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &hdr); err != nil {
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	data := b[8+n:]
	out := make(map[string]Tensor, len(hdr))
	for name, raw := range hdr {
		if name == "__metadata__" {
			continue
		}
		var h stHeader
		if err := json.Unmarshal(raw, &h); err != nil {
			return nil, fmt.Errorf("%s: tensor %s: %w", path, name, err)
		}
		t, err := decodeTensor(h, data)
		if err != nil {
			return nil, fmt.Errorf("%s: tensor %s: %w", path, name, err)
		}
		out[name] = t
	}
	return out, nil
}

func decodeTensor(h stHeader, data []byte) (Tensor, error) {
	n := 1
	for _, d := range h.Shape {
		n *= d
	}
	size := map[string]int{"F32": 4, "BF16": 2, "F16": 2}[h.DType]
	if size == 0 {
		return Tensor{}, fmt.Errorf("dtype %s is not supported (F32, BF16, F16)", h.DType)
	}
	lo, hi := h.Offsets[0], h.Offsets[1]
	if lo < 0 || hi > int64(len(data)) || hi-lo != int64(n*size) {
		return Tensor{}, fmt.Errorf("data_offsets %v do not fit %d values of %s", h.Offsets, n, h.DType)
	}
	raw := data[lo:hi]
	vals := make([]float32, n)
	for i := range vals {
		switch h.DType {
		case "F32":
			vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		case "BF16":
			vals[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(raw[2*i:])) << 16)
		case "F16":
			vals[i] = halfToFloat(binary.LittleEndian.Uint16(raw[2*i:]))
		}
	}
	return Tensor{Shape: append([]int(nil), h.Shape...), Data: vals}, nil
}

func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := int32(h>>10) & 0x1f
	frac := uint32(h & 0x3ff)
	switch {
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal
		return float32(math.Copysign(float64(frac)/1024*math.Pow(2, -14), float64(int32(sign)|1)))
	case exp == 31:
		return math.Float32frombits(sign | 0x7f800000 | frac<<13)
	}
	return math.Float32frombits(sign | uint32(exp-15+127)<<23 | frac<<13)
}

// ReadWeights reads a model directory's weights: model.safetensors, or the
// shards listed by model.safetensors.index.json.
func ReadWeights(dir string) (map[string]Tensor, error) {
	index := filepath.Join(dir, "model.safetensors.index.json")
	if b, err := os.ReadFile(index); err == nil {
		var idx struct {
			WeightMap map[string]string `json:"weight_map"`
		}
		if err := json.Unmarshal(b, &idx); err != nil {
			return nil, fmt.Errorf("%s: %w", index, err)
		}
		files := map[string]bool{}
		for _, f := range idx.WeightMap {
			files[f] = true
		}
		all := map[string]Tensor{}
		for f := range files {
			ts, err := ReadSafetensors(filepath.Join(dir, f))
			if err != nil {
				return nil, err
			}
			for k, v := range ts {
				all[k] = v
			}
		}
		for name, f := range idx.WeightMap {
			if _, ok := all[name]; !ok {
				return nil, fmt.Errorf("%s: %s lists %s in %s, which lacks it", index, name, name, f)
			}
		}
		return all, nil
	}
	return ReadSafetensors(filepath.Join(dir, "model.safetensors"))
}

// WriteSafetensors writes tensors to path in name order, as F32 or BF16
// (bf16 rounds to nearest even, as torch does).
func WriteSafetensors(path string, tensors map[string]Tensor, bf16 bool) error {
	names := make([]string, 0, len(tensors))
	for n := range tensors {
		names = append(names, n)
	}
	sort.Strings(names)
	hdr := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
	dtype, size := "F32", 4
	if bf16 {
		dtype, size = "BF16", 2
	}
	var off int64
	for _, n := range names {
		t := tensors[n]
		end := off + int64(len(t.Data)*size)
		hdr[n] = stHeader{DType: dtype, Shape: t.Shape, Offsets: [2]int64{off, end}}
		off = end
	}
	hb, err := json.Marshal(hdr)
	if err != nil {
		return err
	}
	for len(hb)%8 != 0 {
		hb = append(hb, ' ')
	}
	buf := make([]byte, 8, 8+len(hb)+int(off))
	binary.LittleEndian.PutUint64(buf, uint64(len(hb)))
	buf = append(buf, hb...)
	for _, n := range names {
		for _, v := range tensors[n].Data {
			bits := math.Float32bits(v)
			if bf16 {
				bits += 0x7fff + (bits>>16)&1 // round to nearest even
				buf = binary.LittleEndian.AppendUint16(buf, uint16(bits>>16))
			} else {
				buf = binary.LittleEndian.AppendUint32(buf, bits)
			}
		}
	}
	return os.WriteFile(path, buf, 0o644)
}
