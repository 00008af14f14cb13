package model

import "fmt"

// Dialogue generates turn after turn for the same rows, each turn's prompt
// extending the row's previous prompt and completion (then the feedback
// and instruction of the next turn). Its engine keeps each row's slot of
// the KV cache between turns and prefills a turn from where its prompt
// stops agreeing with what the slot holds, so a turn costs its new tokens
// rather than the whole conversation again: prefill is quadratic in the
// prompt, and from turn 2 on it dominated multi-turn evaluation. The
// result equals generating each turn from scratch (same tokens at the
// same positions; floating-point sums may round differently).
type Dialogue struct {
	m      *Model
	tok    Tokenizer
	engine *Engine
	rows   int
}

// NewDialogue starts a dialogue; tok may be nil when no stop strings are used.
func (m *Model) NewDialogue(tok Tokenizer) *Dialogue { return &Dialogue{m: m, tok: tok} }

// Generate completes prompts; row i continues row i of the previous call,
// and the first call fixes the number of rows.
func (d *Dialogue) Generate(prompts []string, cfg GenerateConfig) ([]Generation, error) {
	ids := make([][]int, len(prompts))
	for i, p := range prompts {
		var err error
		if ids[i], err = d.tok.Encode(p); err != nil {
			return nil, fmt.Errorf("model: encode prompt %d: %w", i, err)
		}
	}
	return d.GenerateIDs(ids, cfg)
}

// GenerateIDs is Generate for tokenized prompts. A prompt whose tokens
// plus cfg.MaxNewTokens exceed the model's context gets a *ContextError
// before anything is computed. The first call's cfg.Engine sizes the
// dialogue's engine (by default, one slot per row).
func (d *Dialogue) GenerateIDs(prompts [][]int, cfg GenerateConfig) ([]Generation, error) {
	cfg.fill()
	if d.rows != 0 && len(prompts) != d.rows {
		return nil, fmt.Errorf("model: dialogue of %d rows continued with %d prompts", d.rows, len(prompts))
	}
	// Before anything is fed or allocated: a prompt far past the context
	// would otherwise allocate its attention scores (tens of GB) and kill
	// the process, taking every other row (and a server's clients) with it.
	if err := d.m.CheckContext(prompts, cfg.MaxNewTokens); err != nil {
		return nil, err
	}
	if d.engine == nil {
		ec := cfg.Engine
		if ec.Slots <= 0 {
			ec.Slots = len(prompts)
		}
		if ec.Bucket <= 0 {
			ec.Bucket = cfg.Bucket
		}
		d.engine, d.rows = d.m.NewEngine(d.tok, ec), len(prompts)
	}
	seqs := make([]*Sequence, len(prompts))
	for i, p := range prompts {
		seqs[i] = &Sequence{Prompt: p, Config: cfg, Row: i, Key: i + 1, Stream: [2]uint64{cfg.Seed, uint64(i)}}
		if i < len(cfg.Streams) {
			seqs[i].Stream = cfg.Streams[i]
		}
	}
	if err := d.engine.Run(seqs...); err != nil {
		return nil, err
	}
	gens := make([]Generation, len(seqs))
	for i, s := range seqs {
		gens[i] = s.Gen
	}
	return gens, nil
}

// Stats returns the counters of the dialogue's engine.
func (d *Dialogue) Stats() EngineStats {
	if d.engine == nil {
		return EngineStats{}
	}
	return d.engine.Stats()
}
