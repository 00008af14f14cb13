package serve

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/cocos-go/cocos/cocos/model"
)

// job is one request's prompts waiting for the model.
type job struct {
	prompts [][]int // tokenized (and checked against the context) by the handler
	gen     model.GenerateConfig
	reply   chan jobResult
	// tokens, for a streamed job, gets an event per sampled token of each
	// row; it holds every event the job can produce, so the generating
	// goroutine never waits on a slow client.
	tokens    chan tokenEvent
	cancelled atomic.Bool // the client went away: its rows stop
}

// tokenEvent is a row's text after a token; stop is set on its last.
type tokenEvent struct {
	row  int
	text string
	stop string
}

func newJob(prompts [][]int, gen model.GenerateConfig, stream bool) *job {
	j := &job{prompts: prompts, gen: gen, reply: make(chan jobResult, 1)}
	if stream {
		j.tokens = make(chan tokenEvent, len(prompts)*gen.MaxNewTokens)
	}
	return j
}

type jobResult struct {
	gens []model.Generation
	err  error
}

// batcher owns the model: it takes queued jobs, groups those with the same
// decoding settings that arrive within a window, and runs each group as one
// Generate call, so concurrent clients share forward passes.
type batcher struct {
	m        *model.Model
	tok      model.Tokenizer
	queue    chan *job
	maxBatch int
	window   time.Duration
	largest  atomic.Int64 // most prompts in one call so far
	calls    atomic.Int64
	freed    atomic.Int64 // rows stopped because their client went away
}

func (b *batcher) run(done <-chan struct{}) {
	var pending []*job
	for {
		if len(pending) == 0 {
			select {
			case j := <-b.queue:
				pending = append(pending, j)
			case <-done:
				return
			}
		}
		group, rest := b.collect(pending)
		pending = rest
		b.generate(group)
	}
}

// key is what jobs sharing a call must agree on: everything but the seed
// (each row keeps its own sampler stream).
func key(g model.GenerateConfig) string {
	g.Seed, g.OnToken = 0, nil
	return fmt.Sprint(g)
}

// collect gathers jobs like pending[0]'s for up to the window or the batch
// limit; jobs with other settings wait for a later call.
func (b *batcher) collect(pending []*job) (group, rest []*job) {
	want := key(pending[0].gen)
	n := 0
	take := func(j *job) {
		if key(j.gen) == want && n+len(j.prompts) <= b.maxBatch || len(group) == 0 {
			group, n = append(group, j), n+len(j.prompts)
		} else {
			rest = append(rest, j)
		}
	}
	for _, j := range pending {
		take(j)
	}
	timer := time.NewTimer(b.window)
	defer timer.Stop()
	for n < b.maxBatch {
		select {
		case j := <-b.queue:
			take(j)
		case <-timer.C:
			return group, rest
		}
	}
	return group, rest
}

func (b *batcher) generate(group []*job) {
	var prompts [][]int
	var owner []*job // per row of the call: its job, and the row within it
	var local []int
	gen := group[0].gen
	gen.Streams = nil
	for _, j := range group {
		prompts = append(prompts, j.prompts...)
		for r := range j.prompts {
			gen.Streams = append(gen.Streams, [2]uint64{j.gen.Seed, uint64(r)}) // as if alone
			owner, local = append(owner, j), append(local, r)
		}
	}
	gen.OnToken = func(row int, g *model.Generation) bool {
		j := owner[row]
		if j.tokens != nil {
			j.tokens <- tokenEvent{row: local[row], text: g.Text, stop: g.Stop}
		}
		if j.cancelled.Load() {
			if g.Stop == "" {
				b.freed.Add(1)
			}
			return false
		}
		return true
	}
	b.calls.Add(1)
	if n := int64(len(prompts)); n > b.largest.Load() {
		b.largest.Store(n)
	}
	gens, err := b.m.GenerateIDs(b.tok, prompts, gen)
	for _, j := range group {
		if err != nil {
			j.reply <- jobResult{err: err}
			continue
		}
		j.reply <- jobResult{gens: gens[:len(j.prompts)]}
		gens = gens[len(j.prompts):]
	}
}
