package model

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"
)

// SaveCheckpoint writes every variable of the model's context — weights,
// optimiser state, the global step — as a new checkpoint under dir, keeping
// the newest keep (0: all).
func (m *Model) SaveCheckpoint(dir string, keep int) error {
	c := checkpoints.Build(m.Ctx).Dir(dir)
	if keep > 0 {
		c = c.Keep(keep)
	}
	h, err := c.Done()
	if err != nil {
		return fmt.Errorf("model: checkpoint %s: %w", dir, err)
	}
	if err := h.Save(); err != nil {
		return fmt.Errorf("model: checkpoint %s: %w", dir, err)
	}
	return nil
}

// LoadCheckpoint restores the newest checkpoint under dir into the model:
// its weights now, and the optimiser's state as soon as a trainer builds
// its step (so a resumed run continues exactly where it stopped).
func (m *Model) LoadCheckpoint(dir string) error {
	if _, err := checkpoints.Build(m.Ctx).Dir(dir).Immediate().Done(); err != nil {
		return fmt.Errorf("model: load checkpoint %s: %w", dir, err)
	}
	m.logits, m.logprobs, m.step = nil, nil, nil // compiled against the old values
	return nil
}
