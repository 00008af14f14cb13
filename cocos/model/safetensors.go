package model

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"

	"github.com/gomlx/compute/dtypes"
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

// stSize is the byte size of one value of each dtype read.
var stSize = map[string]int{"F32": 4, "BF16": 2, "F16": 2}

// stFile is an open safetensors file: its header, parsed once, and the
// file that tensors are read from one at a time, so that loading a model
// never holds the file, or a second copy of the weights, in memory.
type stFile struct {
	path    string
	f       *os.File
	data    int64 // offset of the data section
	tensors map[string]stHeader
}

// openSafetensors reads and checks a safetensors file's header.
func openSafetensors(path string) (*stFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := readHeader(path, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return st, nil
}

func readHeader(path string, f *os.File) (*stFile, error) {
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	var lenBuf [8]byte
	if _, err := io.ReadFull(f, lenBuf[:]); err != nil {
		return nil, fmt.Errorf("%s: too short for a safetensors file", path)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > uint64(info.Size()-8) {
		return nil, fmt.Errorf("%s: header length %d exceeds the file", path, n)
	}
	hb := make([]byte, n)
	if _, err := io.ReadFull(f, hb); err != nil {
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(hb, &raw); err != nil {
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	st := &stFile{path: path, f: f, data: 8 + int64(n), tensors: make(map[string]stHeader, len(raw))}
	size := info.Size() - st.data
	for name, r := range raw {
		if name == "__metadata__" {
			continue
		}
		var h stHeader
		if err := json.Unmarshal(r, &h); err != nil {
			return nil, fmt.Errorf("%s: tensor %s: %w", path, name, err)
		}
		if err := h.check(size); err != nil {
			return nil, fmt.Errorf("%s: tensor %s: %w", path, name, err)
		}
		st.tensors[name] = h
	}
	return st, nil
}

// check reports a dtype this reader lacks or offsets that do not fit the
// shape or the file's data section of size bytes.
func (h stHeader) check(size int64) error {
	w := stSize[h.DType]
	if w == 0 {
		return fmt.Errorf("dtype %s is not supported (F32, BF16, F16)", h.DType)
	}
	lo, hi := h.Offsets[0], h.Offsets[1]
	if lo < 0 || hi > size || hi-lo != int64(numel(h.Shape)*w) {
		return fmt.Errorf("data_offsets %v do not fit %d values of %s", h.Offsets, numel(h.Shape), h.DType)
	}
	return nil
}

func (s *stFile) Close() error { return s.f.Close() }

// chunkValues bounds the scratch buffer of a converting read.
const chunkValues = 1 << 20

// readInto decodes tensor name into dst, the little-endian bytes of the
// same number of values in dt (Float32 or BFloat16). Without a change of
// dtype the file's bytes land in dst directly; otherwise they pass through
// a scratch buffer of a million values.
func (s *stFile) readInto(name string, dst []byte, dt dtypes.DType) error {
	h, ok := s.tensors[name]
	if !ok {
		return fmt.Errorf("%s: no tensor %s", s.path, name)
	}
	n, w := numel(h.Shape), stSize[h.DType]
	if len(dst) != n*dt.Size() {
		return fmt.Errorf("%s: tensor %s: %d values, destination holds %d bytes of %s", s.path, name, n, len(dst), dt)
	}
	off := s.data + h.Offsets[0]
	if same := h.DType == "F32" && dt == dtypes.Float32 || h.DType == "BF16" && dt == dtypes.BFloat16; same {
		_, err := s.f.ReadAt(dst, off)
		return wrapRead(s.path, name, err)
	}
	buf := make([]byte, min(n, chunkValues)*w)
	for i := 0; i < n; i += chunkValues {
		k := min(chunkValues, n-i)
		if _, err := s.f.ReadAt(buf[:k*w], off+int64(i*w)); err != nil {
			return wrapRead(s.path, name, err)
		}
		convert(dst[i*dt.Size():], dt, buf[:k*w], h.DType)
	}
	return nil
}

func wrapRead(path, name string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: tensor %s: %w", path, name, err)
	}
	return nil
}

// convert decodes src's values of safetensors dtype from into dst's of dt,
// one loop per pair (a switch per value made loading a 1.5B model's bf16
// file into f32 four times slower).
func convert(dst []byte, dt dtypes.DType, src []byte, from string) {
	le := binary.LittleEndian
	toF32 := dt != dtypes.BFloat16
	switch {
	case from == "BF16" && toF32:
		for i := range len(src) / 2 {
			le.PutUint32(dst[4*i:], uint32(le.Uint16(src[2*i:]))<<16)
		}
	case from == "F32" && !toF32:
		for i := range len(src) / 4 {
			le.PutUint16(dst[2*i:], toBF16(math.Float32frombits(le.Uint32(src[4*i:]))))
		}
	case from == "F16":
		for i := range len(src) / 2 {
			v := halfToFloat(le.Uint16(src[2*i:]))
			if toF32 {
				le.PutUint32(dst[4*i:], math.Float32bits(v))
			} else {
				le.PutUint16(dst[2*i:], toBF16(v))
			}
		}
	default: // the same dtype
		copy(dst, src)
	}
}

// toBF16 rounds to nearest even, as torch does.
func toBF16(v float32) uint16 {
	bits := math.Float32bits(v)
	if v != v { // NaN stays NaN (rounding could carry it into Inf)
		return uint16(bits>>16) | 0x40
	}
	bits += 0x7fff + (bits>>16)&1
	return uint16(bits >> 16)
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// ReadSafetensors reads every tensor of one safetensors file into f32.
func ReadSafetensors(path string) (map[string]Tensor, error) {
	st, err := openSafetensors(path)
	if err != nil {
		return nil, err
	}
	ws := weightFiles{}
	for name := range st.tensors {
		ws[name] = st
	}
	defer ws.Close()
	return ws.readAll()
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

// ReadWeights reads a model directory's weights into f32: model.safetensors,
// or the shards listed by model.safetensors.index.json.
func ReadWeights(dir string) (map[string]Tensor, error) {
	ws, err := openWeights(dir)
	if err != nil {
		return nil, err
	}
	defer ws.Close()
	return ws.readAll()
}

// readAll reads every tensor into f32.
func (w weightFiles) readAll() (map[string]Tensor, error) {
	out := make(map[string]Tensor, len(w))
	for name, f := range w {
		h := f.tensors[name]
		vals := make([]float32, numel(h.Shape))
		if err := f.readInto(name, f32Bytes(vals), dtypes.Float32); err != nil {
			return nil, err
		}
		out[name] = Tensor{Shape: slices.Clone(h.Shape), Data: vals}
	}
	return out, nil
}

// writeSafetensors streams tensors to path in the order given, as F32 or
// BF16: fill writes tensor i's bytes into a buffer of its size, so one
// tensor is in memory at a time, however large the model.
func writeSafetensors(path string, names []string, shapes [][]int, bf16 bool, fill func(i int, dst []byte) error) (err error) {
	hdr := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
	dtype, size := "F32", 4
	if bf16 {
		dtype, size = "BF16", 2
	}
	var off int64
	largest := 0
	for i, n := range names {
		k := numel(shapes[i]) * size
		hdr[n] = stHeader{DType: dtype, Shape: shapes[i], Offsets: [2]int64{off, off + int64(k)}}
		off, largest = off+int64(k), max(largest, k)
	}
	hb, err := json.Marshal(hdr)
	if err != nil {
		return err
	}
	for len(hb)%8 != 0 {
		hb = append(hb, ' ')
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path) // no partial file that reads as a model
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	binary.Write(w, binary.LittleEndian, uint64(len(hb)))
	w.Write(hb)
	buf := make([]byte, largest)
	for i, n := range names {
		b := buf[:numel(shapes[i])*size]
		if err := fill(i, b); err != nil {
			return fmt.Errorf("%s: tensor %s: %w", path, n, err)
		}
		if _, err := w.Write(b); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	return w.Flush()
}

// WriteSafetensors writes tensors to path in name order, as F32 or BF16
// (bf16 rounds to nearest even, as torch does).
func WriteSafetensors(path string, tensors map[string]Tensor, bf16 bool) error {
	names := make([]string, 0, len(tensors))
	for n := range tensors {
		names = append(names, n)
	}
	sort.Strings(names)
	shapes := make([][]int, len(names))
	for i, n := range names {
		shapes[i] = tensors[n].Shape
	}
	return writeSafetensors(path, names, shapes, bf16, func(i int, dst []byte) error {
		encodeFloats(dst, tensors[names[i]].Data, bf16)
		return nil
	})
}

// encodeFloats writes vals into dst as little-endian f32, or bf16.
func encodeFloats(dst []byte, vals []float32, bf16 bool) {
	for i, v := range vals {
		if bf16 {
			binary.LittleEndian.PutUint16(dst[2*i:], toBF16(v))
		} else {
			binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(v))
		}
	}
}
