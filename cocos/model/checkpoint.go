package model

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"
)

// SaveCheckpoint writes every variable of the model's context — weights,
// optimiser state, the global step, whatever a trainer keeps there — as one
// checkpoint directory at path. It is written beside path and renamed into
// place, so a process killed while saving leaves no partial checkpoint;
// an existing checkpoint at path is replaced.
func (m *Model) SaveCheckpoint(path string) error {
	tmp := path + ".partial"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("model: checkpoint %s: %w", path, err)
	}
	h, err := checkpoints.Build(m.Ctx).Dir(tmp).Done()
	if err == nil {
		err = h.Save()
	}
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
// the model: its weights now, and the optimiser's state as soon as a
// trainer builds its step (so a resumed run continues where it stopped).
// Build trainers after loading.
func (m *Model) LoadCheckpoint(path string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("model: load checkpoint: %w", err)
	}
	if _, err := checkpoints.Build(m.Ctx).Dir(path).Immediate().Done(); err != nil {
		return fmt.Errorf("model: load checkpoint %s: %w", path, err)
	}
	// A checkpoint does not record which variables train: only the weights
	// do, never optimiser moments, gradient accumulators or run counters.
	weights := map[string]bool{}
	for _, w := range m.Config.Weights() {
		parts := strings.Split(w.Name, ".")
		weights["/"+strings.Join(parts[:len(parts)-1], "/")+"\x00"+parts[len(parts)-1]] = true
	}
	for v := range m.Ctx.IterVariables() {
		v.SetTrainable(weights[v.Scope()+"\x00"+v.Name()])
	}
	m.logits, m.logprobs, m.step = nil, nil, nil // compiled against the old values
	return nil
}
