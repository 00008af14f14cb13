package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/tokenizer"
)

// Config is a server's model and limits.
type Config struct {
	Model     *model.Model
	Tokenizer *tokenizer.Tokenizer
	ModelID   string        // the name /v1/models lists and requests may use; default "cocos"
	MaxBatch  int           // most prompts in one generation call; default 16
	Window    time.Duration // how long a call waits for more requests; default 10 ms
	MaxTokens int           // cap (and default 128 below it) of max_tokens; default 512
}

// Server answers the OpenAI completions and chat API from one model.
type Server struct {
	cfg  Config
	b    *batcher
	done chan struct{}
	ids  atomic.Int64
}

// New starts a server's batcher; Close stops it.
func New(cfg Config) *Server {
	if cfg.ModelID == "" {
		cfg.ModelID = "cocos"
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 16
	}
	if cfg.Window <= 0 {
		cfg.Window = 10 * time.Millisecond
	}
	if cfg.MaxTokens <= 0 {
		cfg.MaxTokens = 512
	}
	s := &Server{cfg: cfg, done: make(chan struct{}),
		b: &batcher{m: cfg.Model, tok: cfg.Tokenizer, queue: make(chan *job), maxBatch: cfg.MaxBatch, window: cfg.Window}}
	go s.b.run(s.done)
	return s
}

// Close stops the batcher; requests after it fail.
func (s *Server) Close() { close(s.done) }

// LargestBatch is the most prompts one generation call has held: above 1
// when concurrent requests were batched.
func (s *Server) LargestBatch() int { return int(s.b.largest.Load()) }

// Handler routes the API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/models", s.models)
	mux.HandleFunc("POST /v1/completions", s.completions)
	mux.HandleFunc("POST /v1/chat/completions", s.chat)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no route %s %s (GET /v1/models, POST /v1/completions, POST /v1/chat/completions)", r.Method, r.URL.Path))
	})
	return mux
}

func (s *Server) models(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": []map[string]any{
		{"id": s.cfg.ModelID, "object": "model", "created": 0, "owned_by": "cocos"}}})
}

func (s *Server) completions(w http.ResponseWriter, r *http.Request) {
	var req CompletionRequest
	if !s.decode(w, r, &req) {
		return
	}
	prompts, err := stringOrList(req.Prompt, "prompt")
	if err == nil && len(prompts) == 0 {
		err = errors.New(`field "prompt" is required`)
	}
	gen, err2 := s.generateConfig(req.Sampling)
	if err = errors.Join(err, err2); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	gens, ok := s.run(r.Context(), w, prompts, gen)
	if !ok {
		return
	}
	resp := CompletionResponse{ID: s.id("cmpl"), Object: "text_completion", Created: time.Now().Unix(), Model: s.cfg.ModelID}
	for i, g := range gens {
		resp.Choices = append(resp.Choices, CompletionChoice{Index: i, Text: g.Text, FinishReason: finish(g)})
		resp.Usage.add(g)
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	var req ChatRequest
	if !s.decode(w, r, &req) {
		return
	}
	var err error
	if len(req.Messages) == 0 {
		err = errors.New(`field "messages" is required`)
	}
	gen, err2 := s.generateConfig(req.Sampling)
	if err = errors.Join(err, err2); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	gens, ok := s.run(r.Context(), w, []string{ChatPrompt(req.Messages)}, gen)
	if !ok {
		return
	}
	g := gens[0]
	resp := ChatResponse{ID: s.id("chatcmpl"), Object: "chat.completion", Created: time.Now().Unix(), Model: s.cfg.ModelID,
		Choices: []ChatChoice{{Message: ChatMessage{Role: "assistant", Content: g.Text}, FinishReason: finish(g)}}}
	resp.Usage.add(g)
	writeJSON(w, http.StatusOK, resp)
}

// decode reads a JSON body into v and checks the model it names.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20)).Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "request body is not valid JSON: "+err.Error())
		return false
	}
	var named string
	switch req := v.(type) {
	case *CompletionRequest:
		named = req.Model
	case *ChatRequest:
		named = req.Model
	}
	if named != "" && named != s.cfg.ModelID {
		writeError(w, http.StatusNotFound, "model_not_found", fmt.Sprintf("model %q is not served here (this server has %q)", named, s.cfg.ModelID))
		return false
	}
	return true
}

// generateConfig maps request fields to decoding settings, with the
// OpenAI defaults (temperature 1) and the server's token cap.
func (s *Server) generateConfig(req Sampling) (model.GenerateConfig, error) {
	maxTokens, temperature := req.MaxTokens, req.Temperature
	if req.Stream {
		return model.GenerateConfig{}, errors.New("streaming is not supported by this server: send stream=false")
	}
	stops, err := stringOrList(req.Stop, "stop")
	if err != nil {
		return model.GenerateConfig{}, err
	}
	if maxTokens <= 0 {
		maxTokens = min(128, s.cfg.MaxTokens)
	}
	if maxTokens > s.cfg.MaxTokens {
		return model.GenerateConfig{}, fmt.Errorf("max_tokens %d is above this server's limit %d", maxTokens, s.cfg.MaxTokens)
	}
	t := 1.0
	if temperature != nil {
		t = *temperature
	}
	if t < 0 {
		return model.GenerateConfig{}, fmt.Errorf("temperature %g is negative", t)
	}
	gen := model.GenerateConfig{MaxNewTokens: maxTokens, Temperature: t, TopP: req.TopP, Seed: req.Seed, StopStrings: append([]string{}, stops...)}
	if s.cfg.Tokenizer.EOS >= 0 {
		gen.StopTokens = []int{s.cfg.Tokenizer.EOS}
	}
	gen.PadToken = max(s.cfg.Tokenizer.PAD, 0)
	return gen, nil
}

// run queues prompts for the batcher and waits for them.
func (s *Server) run(ctx context.Context, w http.ResponseWriter, prompts []string, gen model.GenerateConfig) ([]model.Generation, bool) {
	j := &job{prompts: prompts, gen: gen, reply: make(chan jobResult, 1)}
	select {
	case s.b.queue <- j:
	case <-ctx.Done():
		return nil, false
	case <-s.done:
		writeError(w, http.StatusServiceUnavailable, "server_error", "the server is shutting down")
		return nil, false
	}
	res := <-j.reply // the batcher always answers a job it took
	if res.err != nil {
		writeError(w, http.StatusInternalServerError, "server_error", "generation failed: "+res.err.Error())
		return nil, false
	}
	return res.gens, true
}

func (s *Server) id(prefix string) string { return fmt.Sprintf("%s-%d", prefix, s.ids.Add(1)) }

func (u *Usage) add(g model.Generation) {
	u.PromptTokens += len(g.PromptIDs)
	u.CompletionTokens += len(g.NewIDs)
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
}

// finish is OpenAI's finish_reason: "length" when the token cap cut it.
func finish(g model.Generation) string {
	if g.Stop == "length" {
		return "length"
	}
	return "stop"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, kind, msg string) {
	var e ErrorResponse
	e.Error.Message, e.Error.Type = msg, kind
	writeJSON(w, status, e)
}
