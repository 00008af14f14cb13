package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/tokenizer"
)

// DefaultMaxBody is Config.MaxBody's default: 8 MiB, room for a prompt
// far longer than any model's context here and small enough that a
// client cannot make the server hold much of its memory.
const DefaultMaxBody = 8 << 20

// Config is a server's model and limits.
type Config struct {
	Model     *model.Model
	Tokenizer *tokenizer.Tokenizer
	ModelID   string // the name /v1/models lists and requests may use; default "cocos"
	// Slots is the most rows (prompts × n, over all requests) decoded
	// together; more wait for a slot. Default 16.
	Slots int
	// KVMemory caps the KV cache in bytes: rows wait for room rather than
	// allocate past it, and a request whose row alone would not fit gets
	// a 400. Default model.DefaultKVMemory().
	KVMemory  int64
	MaxTokens int // cap (and default 128 below it) of max_tokens; default 512
	MaxN      int // cap of n, the choices per prompt; default 16
	// MaxChoices caps a request's prompts × n, the rows it adds to the
	// engine's queue (and the events a stream can hold); default 64.
	MaxChoices int
	// MaxBody caps a request body's bytes; a larger one gets a 413 before
	// it is read (or as soon as reading passes the cap). Default
	// DefaultMaxBody.
	MaxBody int64
}

// Server answers the OpenAI completions and chat API from one model.
type Server struct {
	cfg    Config
	engine *model.Engine
	b      *batcher
	done   chan struct{}
	ids    atomic.Int64
}

// New starts a server's batcher, which owns the model's generation
// engine; Close stops it.
func New(cfg Config) *Server {
	if cfg.ModelID == "" {
		cfg.ModelID = "cocos"
	}
	if cfg.MaxTokens <= 0 {
		cfg.MaxTokens = 512
	}
	if cfg.MaxN <= 0 {
		cfg.MaxN = 16
	}
	if cfg.MaxChoices <= 0 {
		cfg.MaxChoices = 64
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	s := &Server{cfg: cfg, done: make(chan struct{}),
		engine: cfg.Model.NewEngine(cfg.Tokenizer, model.EngineConfig{Slots: cfg.Slots, KVMemory: cfg.KVMemory})}
	s.b = &batcher{engine: s.engine, queue: make(chan *job)}
	go s.b.run(s.done)
	return s
}

// Close stops the batcher; requests after it fail.
func (s *Server) Close() { close(s.done) }

// LargestBatch is the most rows decoded together so far: above 1 when
// concurrent requests shared decoding steps.
func (s *Server) LargestBatch() int { return int(s.b.largest.Load()) }

// Steps counts the engine's steps.
func (s *Server) Steps() int { return int(s.b.steps.Load()) }

// Freed counts the rows that stopped decoding because their client went
// away before they finished.
func (s *Server) Freed() int { return int(s.b.freed.Load()) }

// Handler routes the API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/models", s.models)
	mux.HandleFunc("GET /v1/models/{id}", s.model)
	mux.HandleFunc("POST /v1/completions", s.completions)
	mux.HandleFunc("POST /v1/chat/completions", s.chat)
	for path, method := range map[string]string{"/v1/models": "GET", "/v1/models/{id}": "GET",
		"/v1/completions": "POST", "/v1/chat/completions": "POST"} {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) { // any other method
			w.Header().Set("Allow", method)
			writeError(w, &apiError{status: http.StatusMethodNotAllowed, kind: "invalid_request_error",
				msg: fmt.Sprintf("%s %s: this route takes %s", r.Method, r.URL.Path, method)})
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &apiError{status: http.StatusNotFound, kind: "not_found",
			msg: fmt.Sprintf("no route %s %s (GET /v1/models, POST /v1/completions, POST /v1/chat/completions)", r.Method, r.URL.Path)})
	})
	return mux
}

func (s *Server) models(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": []any{s.card()}})
}

// model answers GET /v1/models/{id} (the clients' models.retrieve).
func (s *Server) model(w http.ResponseWriter, r *http.Request) {
	if id := r.PathValue("id"); id != s.cfg.ModelID {
		writeError(w, &apiError{status: http.StatusNotFound, kind: "invalid_request_error", param: "model", code: "model_not_found",
			msg: fmt.Sprintf("model %q is not served here (this server has %q)", id, s.cfg.ModelID)})
		return
	}
	writeJSON(w, http.StatusOK, s.card())
}

// card is the served model as the API lists it.
func (s *Server) card() map[string]any {
	return map[string]any{"id": s.cfg.ModelID, "object": "model", "created": 0, "owned_by": "cocos"}
}

func (s *Server) completions(w http.ResponseWriter, r *http.Request) {
	var req CompletionRequest
	if err := s.decode(w, r, &req, &req.Model); err != nil {
		writeError(w, err)
		return
	}
	prompts, err := completionPrompts(req.Prompt)
	if err != nil {
		writeError(w, err)
		return
	}
	rq, err := s.sampling(req.Sampling, req.MaxTokens, "max_tokens")
	if err != nil {
		writeError(w, err)
		return
	}
	if n := len(prompts) * rq.n; n > s.cfg.MaxChoices {
		param := "prompt"
		if rq.n > 1 {
			param = "n"
		}
		writeError(w, badParam(param, "%d prompts × n %d = %d choices is above this server's limit %d", len(prompts), rq.n, n, s.cfg.MaxChoices))
		return
	}
	if rq.prompts, err = s.tokenize(prompts, rq.gen.MaxNewTokens, "prompt"); err != nil {
		writeError(w, err)
		return
	}
	s.answer(w, r, rq, completionAPI{})
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	var req ChatRequest
	if err := s.decode(w, r, &req, &req.Model); err != nil {
		writeError(w, err)
		return
	}
	messages, err := chatMessages(req.Messages)
	if err != nil {
		writeError(w, err)
		return
	}
	maxTokens, param := req.MaxTokens, "max_tokens"
	if req.MaxCompletionTokens != nil {
		maxTokens, param = req.MaxCompletionTokens, "max_completion_tokens"
	}
	rq, err := s.sampling(req.Sampling, maxTokens, param)
	if err != nil {
		writeError(w, err)
		return
	}
	if rq.prompts, err = s.tokenize([]string{ChatPrompt(messages)}, rq.gen.MaxNewTokens, "messages"); err != nil {
		writeError(w, err)
		return
	}
	s.answer(w, r, rq, chatAPI{})
}

// decode reads a JSON body of at most MaxBody bytes into v and checks
// the model it names.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any, named *string) *apiError {
	if r.ContentLength > s.cfg.MaxBody {
		// Refused unread: a client that asked to continue (Expect:
		// 100-continue, as curl does for large bodies) never sends it, and
		// the connection, its body left unread, is closed after the reply.
		w.Header().Set("Connection", "close")
		return tooLarge(s.cfg.MaxBody)
	}
	// A body of unknown length (chunked) is cut at the cap as it is read;
	// w lets the reader close the connection after the reply.
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)).Decode(v); err != nil {
		var big *http.MaxBytesError
		if errors.As(err, &big) {
			return tooLarge(big.Limit)
		}
		return decodeError(err)
	}
	if *named != "" && *named != s.cfg.ModelID {
		return &apiError{status: http.StatusNotFound, kind: "invalid_request_error", param: "model", code: "model_not_found",
			msg: fmt.Sprintf("model %q is not served here (this server has %q)", *named, s.cfg.ModelID)}
	}
	return nil
}

// answer queues the request's rows and replies, whole or streamed.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, rq request, api endpoint) {
	j := newJob(rq.rows(), rq.gen, rq.stream)
	select {
	case s.b.queue <- j:
	case <-r.Context().Done():
		return
	case <-s.done:
		writeError(w, &apiError{status: http.StatusServiceUnavailable, kind: "server_error", msg: "the server is shutting down"})
		return
	}
	id, created := s.id(api.prefix()), time.Now().Unix()
	if rq.stream {
		s.stream(w, r, rq, j, api, id, created)
		return
	}
	select {
	case res := <-j.reply: // the batcher always answers a job it took
		if res.err != nil {
			writeError(w, generationError(res.err))
			return
		}
		writeJSON(w, http.StatusOK, api.response(s.cfg.ModelID, id, created, rq, res.gens))
	case <-r.Context().Done():
		j.cancelled.Store(true)
	}
}

// stream sends each row's new text as it is decoded, then the finish
// reasons, the usage chunk when asked for, and [DONE]. A client that goes
// away (or cannot be written to) cancels the job's rows.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, rq request, j *job, api endpoint, id string, created int64) {
	st := &streamer{ev: startEvents(w), rq: rq, j: j, api: api, choices: make([]choiceStream, len(rq.prompts)*rq.n),
		head: Chunk[any]{ID: id, Object: api.chunkObject(), Created: created, Model: s.cfg.ModelID}}
	for i := range st.choices {
		if first := api.first(i); first != nil && !st.send(st.chunk(first)) {
			return
		}
	}
	for {
		select {
		case t := <-j.tokens:
			if !st.forward(t) {
				return
			}
		case res := <-j.reply:
			st.finish(res)
			return
		case <-r.Context().Done():
			j.cancelled.Store(true)
			return
		}
	}
}

// streamer is one streamed answer in progress.
type streamer struct {
	ev      *events
	rq      request
	j       *job
	api     endpoint
	head    Chunk[any] // id, object, created and model of every chunk
	choices []choiceStream
}

// send writes an event; a failed write cancels the job.
func (st *streamer) send(v any) bool {
	if err := st.ev.send(v); err != nil {
		st.j.cancelled.Store(true)
		return false
	}
	return true
}

func (st *streamer) chunk(choice any) Chunk[any] {
	c := st.head
	c.Choices = []any{choice}
	return c
}

// forward sends what a token event adds to its choice (nothing while the
// text has not settled), and the finish reason with the last.
func (st *streamer) forward(t tokenEvent) bool {
	final := t.stop != ""
	d := st.choices[t.row].delta(t.text, final, st.rq.stops)
	if d == "" && !final {
		return true
	}
	var reason *string
	if final {
		f := finishReason(t.stop)
		reason = &f
	}
	return st.send(st.chunk(st.api.delta(t.row, d, reason)))
}

// finish sends the events left (all were queued before the reply), then
// an error, or the usage chunk when asked for and [DONE].
func (st *streamer) finish(res jobResult) {
	for len(st.j.tokens) > 0 {
		if !st.forward(<-st.j.tokens) {
			return
		}
	}
	if res.err != nil {
		var e ErrorResponse
		e.Error.Message, e.Error.Type = "generation failed: "+res.err.Error(), "server_error"
		st.send(e)
		return
	}
	if st.rq.includeUsage {
		c, u := st.head, usage(st.rq, res.gens)
		c.Choices, c.Usage = []any{}, &u
		if !st.send(c) {
			return
		}
	}
	st.ev.done()
}

func (s *Server) id(prefix string) string { return fmt.Sprintf("%s-%d", prefix, s.ids.Add(1)) }

// usage counts each prompt's tokens once and every choice's completion.
func usage(rq request, gens []model.Generation) Usage {
	var u Usage
	for i, g := range gens {
		if i%rq.n == 0 {
			u.PromptTokens += len(g.PromptIDs)
		}
		u.CompletionTokens += len(g.NewIDs)
	}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	return u
}

// finishReason is OpenAI's finish_reason: "length" when the token cap
// cut the choice, else "stop".
func finishReason(stop string) string {
	if stop == "length" {
		return "length"
	}
	return "stop"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, e *apiError) {
	var body ErrorResponse
	body.Error.Message, body.Error.Type = e.msg, e.kind
	if e.param != "" {
		body.Error.Param = &e.param
	}
	if e.code != "" {
		body.Error.Code = &e.code
	}
	writeJSON(w, e.status, body)
}
