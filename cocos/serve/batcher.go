package serve

import (
	"errors"
	"sync/atomic"

	"github.com/cocos-go/cocos/cocos/model"
)

// job is one request's prompts waiting for the model.
type job struct {
	prompts [][]int // tokenized (and checked against the context and KV memory) by the handler
	gen     model.GenerateConfig
	reply   chan jobResult
	// tokens, for a streamed job, gets an event per sampled token of each
	// row; it holds every event the job can produce, so the generating
	// goroutine never waits on a slow client.
	tokens    chan tokenEvent
	cancelled atomic.Bool // the client went away: its rows stop

	seqs []*model.Sequence
	left int // sequences not ended yet
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

// errShutdown answers the jobs in flight when the server closes.
var errShutdown = errors.New("the server is shutting down")

// batcher owns the model's engine, on one goroutine: a request's rows
// join the running batch at the next decoding step and leave it as each
// ends, so a short answer never waits for a long one beside it and a
// freed slot takes the next waiting row (continuous batching).
type batcher struct {
	engine  *model.Engine
	queue   chan *job
	active  map[*job]bool
	largest atomic.Int64 // most rows decoded together so far
	steps   atomic.Int64
	freed   atomic.Int64 // rows stopped because their client went away
}

func (b *batcher) run(done <-chan struct{}) {
	b.active = map[*job]bool{}
	defer func() {
		for j := range b.active {
			j.reply <- jobResult{err: errShutdown}
		}
	}()
	for {
		if !b.engine.Busy() {
			select {
			case j := <-b.queue:
				b.add(j)
			case <-done:
				return
			}
		}
		for more := true; more; { // whatever else arrived joins this step
			select {
			case j := <-b.queue:
				b.add(j)
			case <-done:
				return
			default:
				more = false
			}
		}
		// A failed step ends its rows with the error (their jobs answer
		// it); the engine goes on with the rest.
		_ = b.engine.Step()
		b.steps.Add(1)
		if n := int64(b.engine.Stats().PeakSlots); n > b.largest.Load() {
			b.largest.Store(n)
		}
	}
}

// add submits a job's rows, each sampling from the stream it would have
// alone (the job's seed, its row).
func (b *batcher) add(j *job) {
	gen := j.gen
	gen.OnToken = func(row int, g *model.Generation) bool {
		if j.tokens != nil {
			j.tokens <- tokenEvent{row: row, text: g.Text, stop: g.Stop}
		}
		if j.cancelled.Load() {
			if g.Stop == "" {
				b.freed.Add(1)
			}
			return false
		}
		return true
	}
	for r, p := range j.prompts {
		j.seqs = append(j.seqs, &model.Sequence{Prompt: p, Config: gen, Row: r, Stream: [2]uint64{j.gen.Seed, uint64(r)},
			OnDone: func(*model.Sequence) { b.ended(j) }, Cancelled: j.cancelled.Load})
	}
	j.left = len(j.seqs)
	if err := b.engine.Submit(j.seqs...); err != nil {
		j.reply <- jobResult{err: err}
		return
	}
	b.active[j] = true
}

// ended answers a job once its last row has ended.
func (b *batcher) ended(j *job) {
	if j.left--; j.left > 0 {
		return
	}
	delete(b.active, j)
	res := jobResult{gens: make([]model.Generation, len(j.seqs))}
	for i, s := range j.seqs {
		res.gens[i] = s.Gen
		if s.Err != nil && res.err == nil {
			res.err = s.Err
		}
	}
	j.reply <- res
}
