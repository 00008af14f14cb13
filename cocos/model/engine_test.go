package model

import (
	"errors"
	"slices"
	"testing"
)

// mixedPrompts are n prompts of lengths 1 to 40 and budgets of 1 to 23
// tokens, in no order: sequences that end at different steps.
func mixedPrompts(n, vocab int) (prompts [][]int, budgets []int) {
	for i := range n {
		p := make([]int, 1+(i*17)%40)
		for j := range p {
			p[j] = 1 + (i*31+j*7)%(vocab-1)
		}
		prompts, budgets = append(prompts, p), append(budgets, 1+(i*11)%23)
	}
	return prompts, budgets
}

func greedySeqs(prompts [][]int, budgets []int) []*Sequence {
	seqs := make([]*Sequence, len(prompts))
	for i, p := range prompts {
		seqs[i] = &Sequence{Prompt: p, Row: i, Config: GenerateConfig{MaxNewTokens: budgets[i], StopStrings: []string{}}}
	}
	return seqs
}

// TestEngineMatchesAlone: sequences of mixed lengths through 3 slots, some
// submitted while others run, each get the tokens greedy decoding gives
// them alone (the full forward per token, greedyChain), and a step
// computes only running sequences: fewer slot-steps than static batches.
func TestEngineMatchesAlone(t *testing.T) {
	m := tinyModel(t, 61)
	prompts, budgets := mixedPrompts(10, 61)
	run := func(cfg EngineConfig) ([]*Sequence, EngineStats) {
		e := m.NewEngine(nil, cfg)
		seqs := greedySeqs(prompts, budgets)
		if err := e.Submit(seqs[:6]...); err != nil {
			t.Fatal(err)
		}
		for range 4 { // the rest arrive while the first ones run
			if err := e.Step(); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.Run(seqs[6:]...); err != nil {
			t.Fatal(err)
		}
		for e.Busy() {
			if err := e.Step(); err != nil {
				t.Fatal(err)
			}
		}
		return seqs, e.Stats()
	}
	seqs, cont := run(EngineConfig{Slots: 3, Bucket: 8})
	for i, s := range seqs {
		want := greedyChain(t, m, prompts[i], budgets[i])
		if !slices.Equal(s.Gen.NewIDs, want) || s.Gen.Stop != "length" {
			t.Errorf("sequence %d: %v (%s), alone %v", i, s.Gen.NewIDs, s.Gen.Stop, want)
		}
	}
	static, st := run(EngineConfig{Slots: 3, Bucket: 8, Static: true})
	for i := range static {
		if !slices.Equal(static[i].Gen.NewIDs, seqs[i].Gen.NewIDs) {
			t.Errorf("sequence %d: static %v, continuous %v", i, static[i].Gen.NewIDs, seqs[i].Gen.NewIDs)
		}
	}
	t.Logf("continuous: %+v; static: %+v", cont, st)
	if cont.PeakSlots > 3 || cont.Computed >= st.Computed || cont.Generated != st.Generated {
		t.Errorf("continuous computed %d slot-steps (peak %d running) for %d tokens, static %d for %d",
			cont.Computed, cont.PeakSlots, cont.Generated, st.Computed, st.Generated)
	}
}

// TestEngineCancelFreesSlot: with one slot, a sequence cancelled by its
// OnToken gives its slot to the waiting one, which completes as if alone;
// one cancelled while it waits ends without a prefill.
func TestEngineCancelFreesSlot(t *testing.T) {
	m := tinyModel(t, 61)
	prompts, _ := mixedPrompts(3, 61)
	seqs := greedySeqs(prompts, []int{50, 6, 9})
	seqs[0].Config.OnToken = func(_ int, g *Generation) bool { return len(g.NewIDs) < 3 }
	seqs[2].Cancelled = func() bool { return true }
	ended := 0
	for _, s := range seqs {
		s.OnDone = func(*Sequence) { ended++ }
	}
	e := m.NewEngine(nil, EngineConfig{Slots: 1})
	if err := e.Run(seqs...); err != nil {
		t.Fatal(err)
	}
	if g := seqs[0].Gen; g.Stop != "cancelled" || len(g.NewIDs) != 3 {
		t.Errorf("cancelled sequence: %d tokens, stop %q", len(g.NewIDs), g.Stop)
	}
	if want := greedyChain(t, m, prompts[1], 6); !slices.Equal(seqs[1].Gen.NewIDs, want) {
		t.Errorf("the waiting sequence: %v, alone %v", seqs[1].Gen.NewIDs, want)
	}
	if g := seqs[2].Gen; g.Stop != "cancelled" || len(g.NewIDs) != 0 {
		t.Errorf("sequence cancelled while waiting: %d tokens, stop %q", len(g.NewIDs), g.Stop)
	}
	if st := e.Stats(); ended != 3 || st.PeakSlots != 1 || st.Steps > 3+6 || st.Prefills != 2 {
		t.Errorf("%d ended, %+v", ended, st)
	}
}

// TestEngineSharedPrefix: k samples of one prompt prefill it once, and
// each draws what it draws alone from its own stream.
func TestEngineSharedPrefix(t *testing.T) {
	m := tinyModel(t, 61)
	prompt := []int{3, 1, 4, 1, 5, 9, 2, 6}
	cfg := GenerateConfig{MaxNewTokens: 8, Temperature: 0.9, StopStrings: []string{}}
	var seqs []*Sequence
	for k := range 4 {
		seqs = append(seqs, &Sequence{Prompt: prompt, Row: k, Config: cfg, Stream: [2]uint64{7, uint64(k)}})
	}
	e := m.NewEngine(nil, EngineConfig{Slots: 4})
	if err := e.Run(seqs...); err != nil {
		t.Fatal(err)
	}
	if st := e.Stats(); st.Prefills != 1 || st.Shared != 3 {
		t.Errorf("4 samples of one prompt: %d prefills, %d shared", st.Prefills, st.Shared)
	}
	distinct := map[string]bool{}
	for k, s := range seqs {
		alone := cfg
		alone.Streams = [][2]uint64{{7, uint64(k)}}
		want, err := m.GenerateIDs(nil, [][]int{prompt}, alone)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(s.Gen.NewIDs, want[0].NewIDs) {
			t.Errorf("sample %d: %v, alone %v", k, s.Gen.NewIDs, want[0].NewIDs)
		}
		distinct[string(rune(s.Gen.NewIDs[0]))+string(rune(s.Gen.NewIDs[1]))] = true
	}
	if len(distinct) < 2 {
		t.Error("every sample drew the same tokens: the streams are not the samples' own")
	}
}

// TestEngineKVMemory: under a budget of two sequences' cache, five wait
// their turn and complete as if alone, the cache never past the budget;
// one that could not fit alone is refused, naming the numbers.
func TestEngineKVMemory(t *testing.T) {
	m := tinyModel(t, 61)
	prompts, _ := mixedPrompts(5, 61)
	budgets := []int{20, 20, 20, 20, 20}
	per := m.CacheBytes(1, 64) // a prompt of up to 40 tokens and 20 new ones, in buckets of 32
	e := m.NewEngine(nil, EngineConfig{Slots: 8, KVMemory: 2 * per})
	seqs := greedySeqs(prompts, budgets)
	if err := e.Run(seqs...); err != nil {
		t.Fatal(err)
	}
	for i, s := range seqs {
		if want := greedyChain(t, m, prompts[i], 20); !slices.Equal(s.Gen.NewIDs, want) {
			t.Errorf("sequence %d: %v, alone %v", i, s.Gen.NewIDs, want)
		}
	}
	st := e.Stats()
	t.Logf("%+v", st)
	if st.PeakBytes > 2*per || st.PeakSlots > 2 || st.Waited == 0 {
		t.Errorf("budget %d: peak %d bytes, %d running, %d waits", 2*per, st.PeakBytes, st.PeakSlots, st.Waited)
	}
	long := &Sequence{Prompt: make([]int, 100), Row: 4, Config: GenerateConfig{MaxNewTokens: 100, StopStrings: []string{}}}
	var ke *KVMemoryError
	if err := e.Submit(long); !errors.As(err, &ke) || ke.Row != 4 || ke.KVMemory != 2*per || ke.Bytes <= ke.KVMemory {
		t.Errorf("a sequence past the budget alone: %v", err)
	}
	if e.Busy() {
		t.Error("the refused sequence was queued")
	}
}
