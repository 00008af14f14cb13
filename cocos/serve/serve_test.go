package serve_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cocos-go/cocos/cocos/openai"
	"github.com/cocos-go/cocos/cocos/serve"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/internal/tinytest"
)

// start serves a tiny random model on 127.0.0.1.
func start(t *testing.T, maxBatch int) (*serve.Server, string) {
	tasks := data.Suite(data.SuiteConfig{Train: 10, Test: 2})
	tok := tinytest.Tokenizer(t, tasks, 400)
	m := tinytest.Model(t, tinytest.Config(tok.VocabSize(), 32, 1), 1, 0.5)
	s := serve.New(serve.Config{Model: m, Tokenizer: tok, ModelID: "tiny", MaxBatch: maxBatch, Window: 50 * time.Millisecond})
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() { hs.Close(); s.Close() })
	return s, hs.URL
}

func post(t *testing.T, url, body string, out any) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("%s: answer is not JSON: %v", url, err)
	}
	return resp.StatusCode
}

// TestEndpoints: the three routes answer in the OpenAI shapes, and bad
// requests get a 4xx with an OpenAI error body that says what is wrong.
func TestEndpoints(t *testing.T) {
	_, url := start(t, 8)
	resp, err := http.Get(url + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	var models struct {
		Data []struct{ ID string } `json:"data"`
	}
	json.NewDecoder(resp.Body).Decode(&models)
	resp.Body.Close()
	if len(models.Data) != 1 || models.Data[0].ID != "tiny" {
		t.Errorf("/v1/models: %+v", models)
	}
	var cmpl serve.CompletionResponse
	code := post(t, url+"/v1/completions", `{"model":"tiny","prompt":["def f(","x ="],"max_tokens":5,"temperature":0}`, &cmpl)
	if code != 200 || cmpl.Object != "text_completion" || len(cmpl.Choices) != 2 || cmpl.Usage.CompletionTokens == 0 ||
		cmpl.Choices[1].Index != 1 || cmpl.Choices[0].FinishReason == "" {
		t.Errorf("completions: %d %+v", code, cmpl)
	}
	var chat serve.ChatResponse
	code = post(t, url+"/v1/chat/completions", `{"messages":[{"role":"user","content":"fix this"}],"max_tokens":4}`, &chat)
	if code != 200 || chat.Object != "chat.completion" || len(chat.Choices) != 1 || chat.Choices[0].Message.Role != "assistant" {
		t.Errorf("chat: %d %+v", code, chat)
	}
	for _, c := range []struct{ path, body, want string }{
		{"/v1/completions", `{"prompt":`, "not valid JSON"},
		{"/v1/completions", `{"model":"gpt-9","prompt":"x"}`, `model "gpt-9" is not served`},
		{"/v1/completions", `{"prompt":"x","stream":true}`, "streaming is not supported"},
		{"/v1/completions", `{"prompt":"x","max_tokens":100000}`, "above this server's limit"},
		{"/v1/completions", `{"max_tokens":3}`, `"prompt" is required`},
		{"/v1/chat/completions", `{"messages":[]}`, `"messages" is required`},
	} {
		var e serve.ErrorResponse
		if code := post(t, url+c.path, c.body, &e); code/100 != 4 || !strings.Contains(e.Error.Message, c.want) {
			t.Errorf("%s %s: %d %q, want 4xx saying %q", c.path, c.body, code, e.Error.Message, c.want)
		}
	}
}

// TestLoad: 64 concurrent clients all get well-formed answers, and the
// server batched them (some generation call held several requests).
func TestLoad(t *testing.T) {
	s, url := start(t, 16)
	c := &openai.Client{BaseURL: url + "/v1", Model: "tiny", Timeout: 2 * time.Minute}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var text string
			var err error
			if i%2 == 0 {
				text, err = c.Complete(context.Background(), fmt.Sprintf("def f%d(", i), openai.Params{MaxTokens: 6, Seed: uint64(i)})
			} else {
				text, err = c.Chat(context.Background(), []serve.ChatMessage{{Role: "user", Content: fmt.Sprint("task ", i)}},
					openai.Params{MaxTokens: 6, Seed: uint64(i)})
			}
			if err == nil && len(text) > 200 {
				err = fmt.Errorf("client %d: %d bytes for 6 tokens", i, len(text))
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if s.LargestBatch() < 2 {
		t.Errorf("largest generation call held %d prompt(s): concurrent requests were not batched", s.LargestBatch())
	}
	t.Logf("largest batch %d", s.LargestBatch())
}
