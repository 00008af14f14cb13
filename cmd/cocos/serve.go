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
	"github.com/cocos-go/cocos/internal/memstat"
)

func runServe(ctx context.Context, args []string) error {
	fs := newFlags("serve", "serve --model DIR [--addr 127.0.0.1:8080] [flags]",
		"An OpenAI-compatible HTTP server for a model: GET /v1/models, POST /v1/completions and\n"+
			"/v1/chat/completions, streamed (stream: true, server-sent events) or not. Requests join the running\n"+
			"batch at the next decoding step and leave it as they end (continuous batching); a streaming client\n"+
			"that disconnects frees its row. Rows wait for a slot (--slots) and for KV memory (--kv-memory).\n"+
			"A prompt whose tokens plus max_tokens exceed the model's context (max_position_embeddings)\n"+
			"gets a 400 (context_length_exceeded), as does one whose KV cache alone would pass --kv-memory\n"+
			"(kv_memory_exceeded); a body over --max-body gets a 413.")
	mf := addModelFlags(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	id := fs.String("id", "", "model name clients use (default: --model)")
	slots := fs.Int("slots", 16, "most rows (prompts × n, all requests together) decoded together")
	kvMemory := fs.String("kv-memory", "", "KV-cache budget, e.g. 4GiB or 512MB (default: a quarter of the machine's memory)")
	maxTokens := fs.Int("max-tokens", 512, "largest max_tokens a request may ask for")
	maxN := fs.Int("max-n", 16, "largest n (choices per prompt) a request may ask for")
	maxChoices := fs.Int("max-choices", 64, "largest prompts × n a request may ask for")
	maxBody := fs.Int64("max-body", serve.DefaultMaxBody, "largest request body in bytes; a larger one gets a 413")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := mf.require("serve"); err != nil {
		return err
	}
	kv, err := memstat.ParseBytes(*kvMemory)
	if err != nil {
		return fmt.Errorf("serve: --kv-memory: %w", err)
	}
	m, tok, err := mf.load(ctx, *mf.dir, model.LoadOptions{})
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if *id == "" {
		*id = *mf.dir
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("serve: %w (choose another --addr)", err)
	}
	s := serve.New(serve.Config{Model: m, Tokenizer: tok, ModelID: *id, Slots: *slots, KVMemory: kv, MaxTokens: *maxTokens, MaxN: *maxN, MaxChoices: *maxChoices,
		MaxBody: *maxBody})
	defer s.Close()
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	if kv == 0 {
		kv = model.DefaultKVMemory()
	}
	fmt.Printf("serving %s on http://%s/v1\n", *id, ln.Addr()) // the first line: scripts read the URL from it
	fmt.Printf("engine: %d slots, KV memory %s\n", *slots, memstat.GB(kv))
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
