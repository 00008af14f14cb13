package model

import (
	"os"
	"strconv"
	"strings"
)

// MemoryUse is what a model's store holds, in bytes, by component.
type MemoryUse struct {
	Weights     int64 // the architecture's weights, in the dtype they are held in
	Adapters    int64 // LoRA's A and B
	Optimiser   int64 // optimiser state (Adam's moments and step)
	Accumulated int64 // gradient accumulators (micro-batched steps)
	Other       int64 // run counters, RNG state
}

// Trainable is the bytes of the variables a step updates, which is also
// the size of one step's gradients: the adapters with LoRA, else the weights.
func (u MemoryUse) Trainable(lora bool) int64 {
	if lora {
		return u.Adapters
	}
	return u.Weights
}

// Memory reports the store's bytes by component.
func (m *Model) Memory() MemoryUse {
	weights := map[string]bool{}
	for _, w := range m.Config.Weights() {
		weights[varPath(w.Name)] = true
	}
	var u MemoryUse
	for v := range m.Store.IterVariables() {
		n := int64(v.Shape().ByteSize())
		p := v.Path()
		switch {
		case strings.HasPrefix(p, "/grad_accumulator"):
			u.Accumulated += n
		case strings.Contains(p, "Optimizer"):
			u.Optimiser += n
		case weights[p]:
			u.Weights += n
		case strings.Contains(p, "/lora_A/") || strings.Contains(p, "/lora_B/"):
			u.Adapters += n
		default:
			u.Other += n
		}
	}
	return u
}

// DefaultKVMemory is the KV-cache budget engines take by default: a
// quarter of the machine's memory (MemTotal in /proc/meminfo), or 4 GiB
// where that cannot be read. On a GPU the cache lives in device memory,
// which this does not see: set EngineConfig.KVMemory (cocos serve's
// --kv-memory) there.
func DefaultKVMemory() int64 {
	const fallback = 4 << 30
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return fallback
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
			if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil && kb > 0 {
				return kb * 1024 / 4
			}
		}
	}
	return fallback
}
