package model

import (
	"fmt"

	"github.com/gomlx/gomlx/core/tensors"
)

// SetState stores value (a tensor, or a Go scalar or slice) at the store
// path p ("/cocos_run/step"), beside the weights: checkpoints carry it, and
// it never trains. An existing variable at p takes the new value.
func (m *Model) SetState(p string, value any) error {
	t, ok := value.(*tensors.Tensor)
	if !ok {
		var err error
		if t, err = tensors.FromAnyValue(value); err != nil {
			return fmt.Errorf("model: state %s: %w", p, err)
		}
	}
	if v := m.Store.GetVariable(p); v != nil {
		if err := v.SetValue(t); err != nil {
			return fmt.Errorf("model: state %s: %w", p, err)
		}
		return nil
	}
	v, err := m.Store.CreateVariable(p, t)
	if err != nil {
		return fmt.Errorf("model: state %s: %w", p, err)
	}
	v.SetTrainable(false)
	return nil
}

// State returns the Go value stored at p (see SetState), or nil.
func (m *Model) State(p string) any {
	v := m.Store.GetVariable(p)
	if v == nil {
		return nil
	}
	t, err := v.Value()
	if err != nil {
		return nil
	}
	return t.Value()
}
