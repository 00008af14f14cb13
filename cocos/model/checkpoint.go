package model

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	gm "github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/checkpoint"
)

// SaveCheckpoint writes every variable of the model's store — weights,
// optimiser state, the global step, whatever a trainer keeps there — as one
// checkpoint directory at path. It is written beside path and renamed into
// place, so a process killed while saving leaves no partial checkpoint;
// an existing checkpoint at path is replaced.
func (m *Model) SaveCheckpoint(path string) error {
	tmp := path + ".partial"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("model: checkpoint %s: %w", path, err)
	}
	// Build attaches its handler to the store as a variable loader; the
	// previous loader is put back so saves do not pile up handlers.
	prev := m.Store.Loader()
	h, err := checkpoint.Build(m.Store).Dir(tmp).Done()
	if err == nil {
		err = h.Save()
	}
	m.Store.SetLoader(prev)
	if err != nil {
		return fmt.Errorf("model: checkpoint %s: %w", path, err)
	}
	if _, err := os.Stat(path); err == nil {
		old := path + ".old"
		if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("model: checkpoint %s: %w", path, err)
		}
		if err := os.Rename(path, old); err != nil {
			return fmt.Errorf("model: checkpoint %s: %w", path, err)
		}
		defer os.RemoveAll(old)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("model: checkpoint %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// LoadCheckpoint restores the checkpoint at path (see SaveCheckpoint) into
// the model: weights, optimiser state and run counters, so a resumed run
// continues where it stopped. Checkpoints written by GoMLX v0.26 load too
// (see legacyPath). Build trainers after loading.
func (m *Model) LoadCheckpoint(path string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("model: load checkpoint: %w", err)
	}
	prev := m.Store.Loader()
	cfg, err := loadConfig(m.Store, path)
	if err != nil {
		return fmt.Errorf("model: load checkpoint %s: %w", path, err)
	}
	h, err := cfg.Done()
	if err != nil {
		return fmt.Errorf("model: load checkpoint %s: %w", path, err)
	}
	m.Store.SetLoader(prev)
	// Done set the variables the store already has (the weights); the
	// rest are created here rather than lazily, so that a save right
	// after loading carries them too.
	for key, value := range h.LoadedVariables() {
		p, value, err := legacyPath(strings.TrimPrefix(key, "var:"), value)
		if err == nil {
			err = m.SetState(p, value)
		}
		if err != nil {
			return fmt.Errorf("model: load checkpoint %s: variable %s: %w", path, key, err)
		}
	}
	// A checkpoint does not record which variables train: only the
	// weights do (the adapters, with LoRA), never optimiser moments,
	// gradient accumulators or run counters.
	m.markTrainable()
	m.dropPrograms() // compiled against the old set of variables
	return nil
}

// v026Header opens the data file of a GoMLX v0.26 checkpoint: v0.28
// writes "gomlx_checkpointss" there and, not finding it, reads v0.26's
// gzip stream as raw numbers.
const v026Header = "gomlx_checkpoints\x04gzip"

// loadConfig reads the newest checkpoint in dir: from the directory as
// GoMLX does, or, for a v0.26 data file, decompressed here and handed over
// from memory.
func loadConfig(store *gm.Store, dir string) (*checkpoint.Config, error) {
	jsons, err := filepath.Glob(filepath.Join(dir, "checkpoint-*.json"))
	if err != nil || len(jsons) == 0 {
		return nil, fmt.Errorf("no checkpoint-*.json in the directory")
	}
	meta := jsons[len(jsons)-1] // names sort by checkpoint number
	f, err := os.Open(strings.TrimSuffix(meta, ".json") + ".bin")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head := make([]byte, len(v026Header))
	if _, err := io.ReadFull(f, head); err != nil || string(head) != v026Header {
		return checkpoint.Load(store).Dir(dir), nil // GoMLX reads (and reports on) it
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", meta, err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", meta, err)
	}
	js, err := os.ReadFile(meta)
	if err != nil {
		return nil, err
	}
	return checkpoint.Load(store).FromEmbed(string(js), raw), nil
}

// legacyPath maps a variable of a GoMLX v0.26 checkpoint to where v0.28
// keeps it: the global step moved from "//global_step" to "/global_step",
// and Adam's step counter from an int64 "/AdamOptimizer/global_step" to a
// float32 "/AdamOptimizer/step" (Adam's debiasing reads it: losing it would
// restart the bias correction). Other paths are unchanged.
func legacyPath(p string, value *tensors.Tensor) (string, *tensors.Tensor, error) {
	switch {
	case p == "//global_step":
		return "/global_step", value, nil
	case strings.HasSuffix(p, "Optimizer/global_step") && value.DType() == dtypes.Int64:
		step, ok := value.Value().(int64)
		if !ok {
			return "", nil, fmt.Errorf("Adam step of shape %s, want an int64 scalar", value.Shape())
		}
		return strings.TrimSuffix(p, "global_step") + "step", tensors.FromScalar(float32(step)), nil
	}
	return p, value, nil
}
