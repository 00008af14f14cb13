package model

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
)

// EngineConfig sizes a generation engine. Its zero value, in a Dialogue,
// decodes all of a call's rows together within DefaultKVMemory.
type EngineConfig struct {
	// Slots is the most sequences decoded together; more wait for a slot
	// to free. 0: a Dialogue's rows, or 16 for NewEngine.
	Slots int
	// KVMemory caps the KV cache, in bytes: sequences wait for room
	// rather than allocate past it, and one that would not fit alone is
	// refused with a *KVMemoryError. 0: DefaultKVMemory().
	KVMemory int64
	// Static runs the engine as the static batching it replaced (kept for
	// comparison in benchmarks): Slots sequences are admitted together
	// only when the last batch has ended, and every step computes every
	// slot, finished or not.
	Static bool
	// Bucket rounds prompt widths and the cache's capacity up to a
	// multiple, so that few program shapes are compiled. Default 32.
	Bucket int
}

func (c *EngineConfig) fill() {
	if c.Slots <= 0 {
		c.Slots = 16
	}
	if c.KVMemory <= 0 {
		c.KVMemory = DefaultKVMemory()
	}
	if c.Bucket <= 0 {
		c.Bucket = 32
	}
}

// KVMemoryError reports a sequence whose KV cache alone would exceed the
// engine's memory budget: it could never run.
type KVMemoryError struct {
	Row      int   // the sequence's Row
	Tokens   int   // the tokens its cache must hold (prompt and new tokens, rounded to the bucket)
	Bytes    int64 // their cache's size
	KVMemory int64 // the budget
}

func (e *KVMemoryError) Error() string {
	return fmt.Sprintf("model: prompt %d: a KV cache of %d tokens takes %d bytes, more than the KV memory budget of %d bytes",
		e.Row, e.Tokens, e.Bytes, e.KVMemory)
}

// Sequence is one prompt for an Engine to complete, and its completion.
type Sequence struct {
	Prompt []int
	Config GenerateConfig // its sampling and stops; Submit fills the defaults
	// Row names the sequence to Config.OnToken and in errors.
	Row int
	// Key, when not 0, keeps the sequence's slot after it ends for the
	// next sequence with the same key, which prefills only what its
	// prompt adds to what the slot holds (a Dialogue's row across turns).
	// The slot is given to others only when no free one is left.
	Key int
	// Stream is the sampler's (seed, stream): each sequence draws from
	// its own, so its tokens do not depend on what runs beside it.
	Stream [2]uint64
	// OnDone, if set, is called once when the sequence has ended (Err set
	// if a step failed), on the goroutine that runs the engine.
	OnDone func(*Sequence)
	// Cancelled, if set, is asked before the sequence is admitted: true
	// ends it there (Stop "cancelled", no tokens) without its prefill — a
	// server's client that left while its rows waited for a slot.
	Cancelled func() bool

	Gen Generation // the completion so far
	Err error

	rng   *rand.Rand
	slot  int
	start int // the index its prefill starts at (the prefix kept in its slot)
	next  int // the sampled token not yet fed
	need  int // the cache capacity it needs
	done  bool
}

// slotState is one slot of the cache.
type slotState struct {
	seq  *Sequence // running here, or nil
	held []int     // the tokens whose keys and values the slot holds
	key  int       // the Key of the sequence it is kept for (0: none)
	used int       // when it was last given out (evictions take the oldest)
}

// Engine generates with continuous batching: it decodes up to Slots
// sequences together, one token each per step, and at every step gives
// the slots of ended (or cancelled) sequences to waiting ones, whose
// prefill runs for their slot alone. A step computes the running
// sequences only. Each sequence's tokens are the ones it would get alone
// (greedy decoding; sampling from its own stream), as the tests check.
// An Engine is not safe for concurrent use: one goroutine submits and
// steps (cocos serve runs it on its own goroutine).
type Engine struct {
	m   *Model
	tok Tokenizer
	cfg EngineConfig

	cache   *kvCache
	slots   []slotState
	waiting []*Sequence
	running []*Sequence
	clock   int
	stats   EngineStats
}

// EngineStats counts an engine's work.
type EngineStats struct {
	Steps      int   // decoding steps
	Computed   int   // slot-steps computed (padding included)
	Generated  int   // tokens sampled
	Prefills   int   // prefill programs run
	Prefilled  int   // prompt tokens prefilled
	Shared     int   // sequences whose prefill another one's served
	Relayouts  int   // times the cache was reallocated
	PeakBytes  int64 // the largest cache held
	PeakSlots  int   // the most sequences decoded together
	Waited     int   // steps at which a sequence waited for KV memory (not for a slot)
	CacheBytes int64 // the cache held now
}

// NewEngine returns an engine generating with m; tok decodes text for stop
// strings and may be nil when none are used.
func (m *Model) NewEngine(tok Tokenizer, cfg EngineConfig) *Engine {
	cfg.fill()
	return &Engine{m: m, tok: tok, cfg: cfg}
}

// Stats returns the engine's counters.
func (e *Engine) Stats() EngineStats { return e.stats }

// Busy reports whether sequences are running or waiting.
func (e *Engine) Busy() bool { return len(e.running)+len(e.waiting) > 0 }

// Submit queues sequences. A sequence that cannot run — its prompt and
// budget past the model's context (*ContextError), its cache alone past
// the KV memory budget (*KVMemoryError), stop strings without a tokenizer —
// is refused with an error and nothing is queued.
func (e *Engine) Submit(seqs ...*Sequence) error {
	for _, s := range seqs {
		s.Config.fill()
		if e.tok == nil && len(s.Config.StopStrings) > 0 {
			return fmt.Errorf("model: stop strings need a tokenizer")
		}
		if err := e.Check(s.Row, s.Prompt, s.Config.MaxNewTokens); err != nil {
			return err
		}
	}
	for _, s := range seqs {
		s.Gen = Generation{PromptIDs: s.Prompt}
		s.Err, s.done, s.slot = nil, false, -1
		s.rng = rand.New(rand.NewPCG(s.Stream[0], s.Stream[1]))
	}
	e.waiting = append(e.waiting, seqs...)
	return nil
}

// Check returns the error Submit would give a sequence of this prompt and
// budget that can never run: a *ContextError, a *KVMemoryError, or an empty
// prompt. It reads only the engine's configuration, so a server's handlers
// may call it while another goroutine steps the engine.
func (e *Engine) Check(row int, prompt []int, maxNew int) error {
	if len(prompt) == 0 {
		return fmt.Errorf("model: prompt %d is empty", row)
	}
	if err := e.m.CheckContext([][]int{prompt}, maxNew); err != nil {
		err.(*ContextError).Row = row
		return err
	}
	tokens := e.capacityFor(len(prompt), 0, maxNew)
	if b := e.m.CacheBytes(1, tokens); b > e.cfg.KVMemory {
		return &KVMemoryError{Row: row, Tokens: tokens, Bytes: b, KVMemory: e.cfg.KVMemory}
	}
	return nil
}

// Run submits seqs and steps until they have ended.
func (e *Engine) Run(seqs ...*Sequence) error {
	if err := e.Submit(seqs...); err != nil {
		return err
	}
	for !allDone(seqs) {
		if err := e.Step(); err != nil {
			return err
		}
	}
	return nil
}

func allDone(seqs []*Sequence) bool {
	for _, s := range seqs {
		if !s.done {
			return false
		}
	}
	return true
}

// Step admits what waits and fits, prefills it, and decodes one token of
// every running sequence. If a program fails, the running sequences end
// with the error (and the cache is dropped); waiting ones stay queued.
func (e *Engine) Step() error {
	admitted, err := e.admit()
	if err == nil && len(e.running) == 0 && len(e.waiting) > 0 {
		// Submit refuses what cannot fit alone; this guards the loop.
		s := e.waiting[0]
		e.waiting = e.waiting[1:]
		s.Err = fmt.Errorf("model: prompt %d does not fit the KV memory budget of %d bytes", s.Row, e.cfg.KVMemory)
		e.end(s)
		return s.Err
	}
	if err == nil {
		err = e.prefill(admitted)
	}
	if err == nil {
		err = e.decode()
	}
	if err != nil {
		e.fail(err)
	}
	return err
}

// fail ends every running sequence with err and drops the cache, whose
// buffers a failed program may have consumed.
func (e *Engine) fail(err error) {
	for _, s := range slices.Clone(e.running) {
		s.Err = err
		e.end(s)
	}
	if e.cache != nil {
		e.cache.free()
	}
	e.cache, e.slots = nil, nil
	e.stats.CacheBytes = 0
}

// needs is the cache capacity a sequence needs when its prefill starts at
// index start: its prompt's padded width, and its prompt and new tokens.
func (e *Engine) needs(s *Sequence, start int) int {
	return e.capacityFor(len(s.Prompt), start, s.Config.MaxNewTokens)
}

func (e *Engine) capacityFor(prompt, start, maxNew int) int {
	b := e.cfg.Bucket
	return roundUp(max(start+roundUp(prompt-start, b), prompt+maxNew), b)
}

func (e *Engine) capacity() int {
	if e.cache == nil {
		return 0
	}
	return e.cache.capacity
}

// admit gives waiting sequences slots, first come first served, and
// returns them.
func (e *Engine) admit() ([]*Sequence, error) {
	var admitted []*Sequence
	if e.cfg.Static && len(e.running) > 0 {
		return nil, nil
	}
	for len(e.waiting) > 0 && !(e.cfg.Static && len(admitted) == e.cfg.Slots) {
		s := e.waiting[0]
		if s.Cancelled != nil && s.Cancelled() {
			e.waiting = e.waiting[1:]
			s.Gen.Stop = "cancelled"
			e.end(s)
			continue
		}
		slot, start := e.place(s)
		if slot < 0 || e.needs(s, start) > e.capacity() {
			ok, err := e.reshape(s, start, slot < 0)
			if err != nil {
				return admitted, err
			}
			if !ok {
				if slot >= 0 || len(e.slots) < e.cfg.Slots {
					e.stats.Waited++ // for memory, not for a slot
				}
				break
			}
			if slot, start = e.place(s); slot < 0 || e.needs(s, start) > e.capacity() {
				break
			}
		}
		e.waiting = e.waiting[1:]
		e.begin(s, slot, start)
		admitted = append(admitted, s)
	}
	return admitted, nil
}

// place picks s's slot and the index its prefill starts at: the slot kept
// for its key, from the prefix the slot holds that its prompt repeats
// (leaving one token to feed, whose logits start the completion); else a
// free slot, one kept for no key first, then the one kept longest ago.
// -1: every slot is running.
func (e *Engine) place(s *Sequence) (slot, start int) {
	slot = -1
	better := func(i int) bool {
		a, b := e.slots[i], e.slots[slot]
		if (a.key == 0) != (b.key == 0) {
			return a.key == 0
		}
		return a.used < b.used
	}
	for i, st := range e.slots {
		if st.seq != nil {
			continue
		}
		if s.Key != 0 && st.key == s.Key {
			keep := 0
			for keep < len(st.held) && keep < len(s.Prompt)-1 && st.held[keep] == s.Prompt[keep] {
				keep++
			}
			return i, keep
		}
		if slot < 0 || better(i) {
			slot = i
		}
	}
	return slot, 0
}

// begin runs s in slot from index start.
func (e *Engine) begin(s *Sequence, slot, start int) {
	e.clock++
	st := &e.slots[slot]
	*st = slotState{seq: s, held: st.held[:min(start, len(st.held))], key: s.Key, used: e.clock}
	if start == 0 {
		st.held = nil
	}
	s.slot, s.start, s.need = slot, start, e.needs(s, start)
	e.running = append(e.running, s)
}

// end frees s's slot (or keeps it for s's key) and reports s done.
func (e *Engine) end(s *Sequence) {
	s.done = true
	if s.slot >= 0 && s.slot < len(e.slots) && e.slots[s.slot].seq == s {
		st := &e.slots[s.slot]
		st.seq = nil
		if s.Key == 0 || s.Err != nil {
			st.held, st.key = nil, 0
		}
	}
	e.running = slices.DeleteFunc(e.running, func(r *Sequence) bool { return r == s })
	if s.OnDone != nil {
		s.OnDone(s)
	}
}

// reshape reallocates the cache so that s fits beside the running
// sequences, within the memory budget: first keeping every slot (kept
// ones included) and growing, else as few slots as the running sequences
// and s need, at the capacity they need. False: s must wait (full is set
// when every slot runs).
func (e *Engine) reshape(s *Sequence, start int, full bool) (bool, error) {
	need := e.needs(s, start)
	for _, r := range e.running {
		need = max(need, r.need)
	}
	want := min(e.cfg.Slots, len(e.running)+len(e.waiting))
	rows := max(want, len(e.slots))
	if full && rows == len(e.slots) {
		return false, nil
	}
	grow := max(need, e.capacity())
	if need > e.capacity() && e.capacity() > 0 {
		grow = roundUp(max(need, e.capacity()*3/2), e.cfg.Bucket) // fewer reallocations (and compiled shapes) as a server's requests grow
	}
	if e.fits(rows, grow) {
		return true, e.relayout(rows, grow)
	}
	if e.fits(rows, need) {
		return true, e.relayout(rows, need)
	}
	rows = min(want, int(e.cfg.KVMemory/max(e.m.CacheBytes(1, need), 1)))
	if rows < len(e.running)+1 || rows == len(e.slots) && need == e.capacity() {
		return false, nil
	}
	return true, e.relayout(rows, need)
}

func (e *Engine) fits(rows, capacity int) bool {
	return e.m.CacheBytes(rows, capacity) <= e.cfg.KVMemory
}

// relayout moves the cache to rows × capacity: running sequences first,
// then kept slots, most recently used first, while room is left.
func (e *Engine) relayout(rows, capacity int) error {
	order := make([]int, 0, len(e.slots))
	for i, st := range e.slots {
		if st.seq != nil {
			order = append(order, i)
		}
	}
	kept := make([]int, 0, len(e.slots))
	for i, st := range e.slots {
		if st.seq == nil && st.key != 0 && len(st.held) <= capacity {
			kept = append(kept, i)
		}
	}
	slices.SortFunc(kept, func(a, b int) int { return e.slots[b].used - e.slots[a].used })
	order = append(order, kept...)
	order = order[:min(len(order), rows)]
	from := make([]int, rows)
	slots := make([]slotState, rows)
	for i := range from {
		from[i] = -1
		if i < len(order) {
			from[i], slots[i] = order[i], e.slots[order[i]]
			if s := slots[i].seq; s != nil {
				s.slot = i
			}
		}
	}
	if e.cache == nil {
		e.cache = e.m.newKVCache(rows, capacity)
	} else {
		c, err := e.cache.relayout(e.m, rows, capacity, from)
		if err != nil {
			return err
		}
		e.cache = c
	}
	e.slots = slots
	e.stats.Relayouts++
	e.stats.CacheBytes = e.m.CacheBytes(rows, capacity)
	e.stats.PeakBytes = max(e.stats.PeakBytes, e.stats.CacheBytes)
	return nil
}

// prefill feeds the admitted sequences' prompts, those starting empty
// slots in one program and those extending what their slots hold in
// another, and samples their first tokens. Sequences with the same prompt
// starting empty slots (the k samples of a problem) share one row, copied
// to each slot.
func (e *Engine) prefill(admitted []*Sequence) error {
	var fresh, extend []prefillRow
	var freshSeqs, extendSeqs [][]*Sequence
	for _, s := range admitted {
		if s.start > 0 {
			extend = append(extend, prefillRow{ids: s.Prompt[s.start:], start: s.start, dst: []int{s.slot}})
			extendSeqs = append(extendSeqs, []*Sequence{s})
			continue
		}
		i := slices.IndexFunc(freshSeqs, func(g []*Sequence) bool { return slices.Equal(g[0].Prompt, s.Prompt) })
		if i < 0 {
			fresh, freshSeqs = append(fresh, prefillRow{ids: s.Prompt}), append(freshSeqs, nil)
			i = len(fresh) - 1
		}
		fresh[i].dst = append(fresh[i].dst, s.slot)
		freshSeqs[i] = append(freshSeqs[i], s)
	}
	if err := e.prefillRows(fresh, freshSeqs, true); err != nil {
		return err
	}
	// Extending rows share a width: one whose start leaves no room for it
	// goes alone (its own width always fits: see needs).
	var together, alone []int
	width := 0
	for _, r := range extend {
		width = max(width, roundUp(len(r.ids), e.cfg.Bucket))
	}
	for i, r := range extend {
		if r.start+width <= e.cache.capacity {
			together = append(together, i)
		} else {
			alone = append(alone, i)
		}
	}
	pick := func(idx []int) ([]prefillRow, [][]*Sequence) {
		var rows []prefillRow
		var seqs [][]*Sequence
		for _, i := range idx {
			rows, seqs = append(rows, extend[i]), append(seqs, extendSeqs[i])
		}
		return rows, seqs
	}
	if rows, seqs := pick(together); len(rows) > 0 {
		if err := e.prefillRows(rows, seqs, false); err != nil {
			return err
		}
	}
	for _, i := range alone {
		rows, seqs := pick([]int{i})
		if err := e.prefillRows(rows, seqs, false); err != nil {
			return err
		}
	}
	return nil
}

// prefillRows runs one prefill and samples each row's sequences' first
// tokens from its logits.
func (e *Engine) prefillRows(rows []prefillRow, seqs [][]*Sequence, fresh bool) error {
	if len(rows) == 0 {
		return nil
	}
	logits, err := e.cache.prefill(e.m, rows, fresh, e.cfg.Bucket)
	if err != nil {
		return err
	}
	e.stats.Prefills++
	for i, r := range rows {
		e.stats.Prefilled += len(r.ids)
		e.stats.Shared += len(seqs[i]) - 1
		for _, s := range seqs[i] {
			e.slots[s.slot].held = slices.Clone(s.Prompt)
			e.sampled(s, logits[i])
		}
	}
	return nil
}

// sampled draws s's next token from logits and ends s if it is complete
// (or its OnToken cancels it).
func (e *Engine) sampled(s *Sequence, logits []float32) {
	cfg := s.Config
	id, lp := sample(logits, cfg, s.rng)
	g := &s.Gen
	g.NewIDs, g.LogProbs = append(g.NewIDs, id), append(g.LogProbs, lp)
	done := g.finish(e.tok, id, cfg, len(g.NewIDs) == cfg.MaxNewTokens)
	if cfg.OnToken != nil && !cfg.OnToken(s.Row, g) && !done {
		g.Stop, done = "cancelled", true
	}
	e.stats.Generated++
	s.next = id
	if done {
		e.end(s)
	}
}

// decode feeds every running sequence its last sampled token and samples
// the next. The step computes the running slots padded to a power of two
// (few program shapes), or every slot when that is as many.
func (e *Engine) decode() error {
	live := slices.Clone(e.running)
	if len(live) == 0 {
		return nil
	}
	slices.SortFunc(live, func(a, b *Sequence) int { return a.slot - b.slot })
	width := min(1<<bits.Len(uint(len(live)-1)), len(e.slots))
	if e.cfg.Static {
		width = len(e.slots)
	}
	entries := make([]int, 0, width) // slots the step computes, ascending
	bySlot := map[int]*Sequence{}
	for _, s := range live {
		bySlot[s.slot] = s
	}
	for i := range e.slots {
		if bySlot[i] != nil || width == len(e.slots) {
			entries = append(entries, i)
		}
	}
	for i := 0; len(entries) < width; i++ { // padding: slots with nothing running
		if bySlot[i] == nil {
			entries = append(entries, i)
		}
	}
	slices.Sort(entries)
	ids, at, lens, on := make([]int32, width), make([]int32, width), make([]int32, width), make([]int32, width)
	for i, slot := range entries {
		at[i] = int32(slot)
		if s := bySlot[slot]; s != nil {
			ids[i], lens[i], on[i] = int32(s.next), int32(len(e.slots[slot].held)), 1
		}
	}
	logits, err := e.cache.decode(e.m, ids, at, lens, on)
	if err != nil {
		return err
	}
	e.stats.Steps++
	e.stats.Computed += width
	e.stats.PeakSlots = max(e.stats.PeakSlots, len(live))
	for i, slot := range entries {
		if s := bySlot[slot]; s != nil {
			e.slots[slot].held = append(e.slots[slot].held, s.next)
			e.sampled(s, logits[i])
		}
	}
	return nil
}
