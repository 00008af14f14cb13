package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/serve"
)

func runServe(ctx context.Context, args []string) error {
	fs := newFlags("serve", "serve --model DIR [--addr 127.0.0.1:8080] [flags]",
		"An OpenAI-compatible HTTP server for a model: GET /v1/models, POST /v1/completions and\n"+
			"/v1/chat/completions, streamed (stream: true, server-sent events) or not. Concurrent requests\n"+
			"are batched into one generation call; a streaming client that disconnects frees its row.\n"+
			"A prompt whose tokens plus max_tokens exceed the model's context (max_position_embeddings)\n"+
			"gets a 400 (context_length_exceeded), a body over --max-body a 413.")
	dir := fs.String("model", "", "model directory or Hugging Face id (required)")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	id := fs.String("id", "", "model name clients use (default: --model)")
	maxBatch := fs.Int("max-batch", 16, "most prompts in one generation call")
	maxTokens := fs.Int("max-tokens", 512, "largest max_tokens a request may ask for")
	maxN := fs.Int("max-n", 16, "largest n (choices per prompt) a request may ask for")
	maxChoices := fs.Int("max-choices", 64, "largest prompts × n a request may ask for")
	maxBody := fs.Int64("max-body", serve.DefaultMaxBody, "largest request body in bytes; a larger one gets a 413")
	backendName := fs.String("backend", "", "GoMLX backend (default $GOMLX_BACKEND, else go)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := requireFlag("model", *dir); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	backend, err := model.NewBackend(*backendName)
	if err != nil {
		return err
	}
	m, tok, err := loadModel(ctx, backend, *dir)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if *id == "" {
		*id = *dir
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("serve: %w (choose another --addr)", err)
	}
	s := serve.New(serve.Config{Model: m, Tokenizer: tok, ModelID: *id, MaxBatch: *maxBatch, MaxTokens: *maxTokens, MaxN: *maxN, MaxChoices: *maxChoices,
		MaxBody: *maxBody})
	defer s.Close()
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("serving %s on http://%s/v1\n", *id, ln.Addr())
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(shutdown)
	}()
	if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
