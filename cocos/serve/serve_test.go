package serve_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
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

// start serves a tiny random model on 127.0.0.1 with this many slots.
func start(t *testing.T, slots int) (*serve.Server, string) {
	s, url, _ := startWith(t, func(c *serve.Config) { c.Slots = slots })
	return s, url
}

// startWith serves a tiny random model (context 2048) under the config
// that edit makes, and returns that config too.
func startWith(t *testing.T, edit func(*serve.Config)) (*serve.Server, string, serve.Config) {
	tasks := data.Suite(data.SuiteConfig{Train: 10, Test: 2})
	tok := tinytest.Tokenizer(t, tasks, 400)
	m := tinytest.Model(t, tinytest.Config(tok.VocabSize(), 32, 1), 1, 0.5)
	cfg := serve.Config{Model: m, Tokenizer: tok, ModelID: "tiny"}
	edit(&cfg)
	s := serve.New(cfg)
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() { hs.Close(); s.Close() })
	return s, hs.URL, cfg
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
	for path, want := range map[string]int{"/v1/models/tiny": 200, "/v1/models/gpt-9": 404, "/v1/completions": 405} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != want {
			t.Errorf("GET %s: %d (%v), want %d with a JSON body", path, resp.StatusCode, err, want)
		}
		resp.Body.Close()
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
	for _, c := range []struct{ path, body, param, want string }{
		{"/v1/completions", `{"prompt":`, "", "not valid JSON"},
		{"/v1/completions", `{"model":"gpt-9","prompt":"x"}`, "model", `model "gpt-9" is not served`},
		{"/v1/completions", `{"prompt":"x","max_tokens":100000}`, "max_tokens", "outside [1, 512]"},
		{"/v1/completions", `{"prompt":"x","max_tokens":0}`, "max_tokens", "max_tokens 0 is outside"},
		{"/v1/completions", `{"prompt":"x","max_tokens":-5}`, "max_tokens", "max_tokens -5 is outside"},
		{"/v1/completions", `{"prompt":"x","max_tokens":"ten"}`, "max_tokens", "max_tokens must be of type integer"},
		{"/v1/completions", `{"prompt":"x","temperature":-0.5}`, "temperature", "temperature -0.5 is outside [0, 2]"},
		{"/v1/completions", `{"prompt":"x","top_p":0}`, "top_p", "top_p 0 is outside (0, 1]"},
		{"/v1/completions", `{"prompt":"x","top_p":1.2}`, "top_p", "top_p 1.2"},
		{"/v1/completions", `{"prompt":"x","n":0}`, "n", "n 0 is outside [1, 16]"},
		{"/v1/completions", `{"prompt":"x","n":17}`, "n", "n 17 is outside"},
		{"/v1/completions", `{"prompt":["a","b","c","d","e"],"n":16}`, "n", "80 choices is above this server's limit 64"},
		{"/v1/completions", `{"prompt":"x","stop":["a","b","c","d","e"]}`, "stop", "at most 4"},
		{"/v1/completions", `{"prompt":"x","stop":3}`, "stop", "stop must be a string or a list"},
		{"/v1/completions", `{"prompt":"x","stream_options":{"include_usage":true}}`, "stream_options", "only allowed when stream"},
		{"/v1/completions", `{"prompt":"x","logprobs":2}`, "logprobs", "not supported"},
		{"/v1/completions", `{"prompt":"x","presence_penalty":0.5}`, "presence_penalty", "not supported"},
		{"/v1/completions", `{"max_tokens":3}`, "prompt", `"prompt" is required`},
		{"/v1/completions", `{"prompt":""}`, "prompt", "prompt is empty"},
		{"/v1/completions", `{"prompt":[]}`, "prompt", "at least one"},
		{"/v1/completions", `{"prompt":["a",""]}`, "prompt", "prompt[1] is empty"},
		{"/v1/completions", `{"prompt":[1,2,3]}`, "prompt", "token ids are not supported"},
		{"/v1/chat/completions", `{"messages":[]}`, "messages", "at least one message"},
		{"/v1/chat/completions", `{}`, "messages", "at least one message"},
		{"/v1/chat/completions", `{"messages":[{"role":"robot","content":"hi"}]}`, "messages[0].role", `"robot" is not one of`},
		{"/v1/chat/completions", `{"messages":[{"role":"user","content":"a"},{"role":3}]}`, "messages[1].role", "must be of type string"},
		{"/v1/chat/completions", `{"messages":[{"role":"user","content":[{"type":"image_url"}]}]}`, "messages[0].content", "text parts only"},
		{"/v1/chat/completions", `{"messages":[{"role":"user","content":"a"}],"max_completion_tokens":0}`, "max_completion_tokens", "outside"},
		{"/v1/chat/completions", `{"messages":[{"role":"user","content":"a"}],"tools":[{"type":"function"}]}`, "tools", "not supported"},
	} {
		var e serve.ErrorResponse
		code := post(t, url+c.path, c.body, &e)
		param := ""
		if e.Error.Param != nil {
			param = *e.Error.Param
		}
		if code/100 != 4 || param != c.param || !strings.Contains(e.Error.Message, c.want) {
			t.Errorf("%s %s: %d param %q %q, want 4xx for %q saying %q", c.path, c.body, code, param, e.Error.Message, c.param, c.want)
		}
	}
	// The server keeps serving, and content may come as text parts.
	code = post(t, url+"/v1/chat/completions", `{"messages":[{"role":"system","content":[{"type":"text","text":"be brief"}]},{"role":"user","content":"x"}],"max_completion_tokens":3,"n":2}`, &chat)
	if code != 200 || len(chat.Choices) != 2 || chat.Choices[1].Index != 1 {
		t.Errorf("chat after bad requests: %d %+v", code, chat)
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
		t.Errorf("at most %d row(s) decoded together: concurrent requests did not share steps", s.LargestBatch())
	}
	t.Logf("largest batch %d", s.LargestBatch())
}

// sse reads a streamed answer's `data:` payloads, up to limit of them
// (0: all), then closes the connection.
func sse(t *testing.T, url, body string, limit int) (*http.Response, []string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var data []string
	r := bufio.NewReader(resp.Body)
	for limit == 0 || len(data) < limit {
		line, err := r.ReadString('\n')
		if err != nil {
			break
		}
		if payload, ok := strings.CutPrefix(strings.TrimRight(line, "\n"), "data: "); ok {
			data = append(data, payload)
		} else if strings.TrimSpace(line) != "" {
			t.Errorf("not a server-sent event line: %q", line)
		}
	}
	return resp, data
}

// chunkTexts adds up a completion stream's pieces per choice and checks
// each chunk's shape: finish_reason null until the choice's last chunk.
func chunkTexts(t *testing.T, data []string) (texts map[int]string, finish map[int]string, usage *serve.Usage) {
	t.Helper()
	texts, finish = map[int]string{}, map[int]string{}
	for _, d := range data {
		if d == "[DONE]" {
			continue
		}
		var c serve.Chunk[serve.CompletionChunkChoice]
		if err := json.Unmarshal([]byte(d), &c); err != nil || c.Object != "text_completion" {
			t.Fatalf("chunk %s: %v", d, err)
		}
		if c.Usage != nil {
			usage = c.Usage
		}
		for _, ch := range c.Choices {
			if _, done := finish[ch.Index]; done {
				t.Errorf("choice %d has a chunk after its finish_reason: %s", ch.Index, d)
			}
			texts[ch.Index] += ch.Text
			if ch.FinishReason != nil {
				finish[ch.Index] = *ch.FinishReason
			}
		}
	}
	return texts, finish, usage
}

// TestStream: a streamed completion is server-sent events whose pieces add
// up to the whole answer, with a usage chunk when asked and [DONE] last.
func TestStream(t *testing.T) {
	_, url := start(t, 8)
	req := `{"prompt":["def add(a, b):","x ="],"max_tokens":20,"temperature":0.8,"seed":3,"n":2%s}`
	var whole serve.CompletionResponse
	if code := post(t, url+"/v1/completions", fmt.Sprintf(req, ""), &whole); code != 200 || len(whole.Choices) != 4 {
		t.Fatalf("whole answer: %d %+v", code, whole)
	}
	resp, data := sse(t, url+"/v1/completions", fmt.Sprintf(req, `,"stream":true,"stream_options":{"include_usage":true}`), 0)
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type %q", ct)
	}
	if len(data) < 6 || data[len(data)-1] != "[DONE]" {
		t.Fatalf("%d events, last %q", len(data), data[len(data)-1])
	}
	texts, finish, usage := chunkTexts(t, data)
	for _, c := range whole.Choices {
		if texts[c.Index] != c.Text || finish[c.Index] != c.FinishReason {
			t.Errorf("choice %d streamed %q (%s), whole %q (%s)", c.Index, texts[c.Index], finish[c.Index], c.Text, c.FinishReason)
		}
	}
	if usage == nil || *usage != whole.Usage {
		t.Errorf("usage chunk %+v, whole answer's %+v", usage, whole.Usage)
	}
	if whole.Choices[0].Text == whole.Choices[1].Text {
		t.Errorf("n=2 sampled the same text twice: %q", whole.Choices[0].Text)
	}
}

// TestStreamDisconnect: a client that goes away mid-stream frees its row,
// and the stream decoded beside it runs on to the same text as alone.
func TestStreamDisconnect(t *testing.T) {
	s, url := start(t, 8)
	body := `{"prompt":"def add(a, b):","max_tokens":500,"temperature":0%s}`
	var ref serve.CompletionResponse
	post(t, url+"/v1/completions", fmt.Sprintf(body, ""), &ref)
	if ref.Choices[0].FinishReason != "length" {
		t.Fatalf("reference: finish %q; want a 500-token answer", ref.Choices[0].FinishReason)
	}
	var kept []string
	var wg sync.WaitGroup
	wg.Go(func() { _, kept = sse(t, url+"/v1/completions", fmt.Sprintf(body, `,"stream":true`), 0) })
	_, gone := sse(t, url+"/v1/completions", fmt.Sprintf(body, `,"stream":true`), 2)
	wg.Wait()
	texts, finish, _ := chunkTexts(t, kept)
	if texts[0] != ref.Choices[0].Text || finish[0] != "length" {
		t.Errorf("the stream that stayed got %q (%s), want %q", texts[0], finish[0], ref.Choices[0].Text)
	}
	if len(gone) != 2 || s.Freed() != 1 || s.LargestBatch() != 2 {
		t.Errorf("the client that left read %d events; %d rows freed, want 1; at most %d rows together, want 2", len(gone), s.Freed(), s.LargestBatch())
	}
}

// TestContinuousBatching: requests of mixed lengths, streamed and not,
// sent together to a server of 3 slots each get the answer they get
// alone; short ones do not wait for long ones (the engine computes fewer
// steps than one static batch per 3 requests would).
func TestContinuousBatching(t *testing.T) {
	s, url := start(t, 3)
	body := func(i int, stream bool) string {
		return fmt.Sprintf(`{"prompt":"def f%d(x):%s","max_tokens":%d,"temperature":0,"stop":[],"stream":%v}`,
			i, strings.Repeat(" x", i%5), 4+(i*37)%60, stream)
	}
	const n = 10
	alone := make([]string, n)
	for i := range alone {
		var r serve.CompletionResponse
		if code := post(t, url+"/v1/completions", body(i, false), &r); code != 200 {
			t.Fatalf("request %d alone: %d", i, code)
		}
		alone[i] = r.Choices[0].Text
	}
	before := s.Steps()
	got := make([]string, n)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() {
			if i%2 == 1 {
				_, data := sse(t, url+"/v1/completions", body(i, true), 0)
				texts, _, _ := chunkTexts(t, data)
				got[i] = texts[0]
				return
			}
			var r serve.CompletionResponse
			post(t, url+"/v1/completions", body(i, false), &r)
			got[i] = r.Choices[0].Text
		})
	}
	wg.Wait()
	for i := range got {
		if got[i] != alone[i] {
			t.Errorf("request %d: %q together, %q alone", i, got[i], alone[i])
		}
	}
	total := 0
	for i := range n {
		total += 4 + (i*37)%60
	}
	if steps := s.Steps() - before; s.LargestBatch() != 3 || steps >= total {
		t.Errorf("%d steps for %d tokens, at most %d rows together: requests did not share steps", steps, total, s.LargestBatch())
	}
}

// TestKVMemoryWaits: under a KV budget of two rows, five concurrent
// requests wait their turn and complete as alone; a request whose cache
// alone would pass the budget gets a 400 naming it, and the next is served.
func TestKVMemoryWaits(t *testing.T) {
	var budget int64
	s, url, _ := startWith(t, func(c *serve.Config) {
		budget = 2 * c.Model.CacheBytes(1, 64) // two rows of up to 64 tokens
		c.Slots, c.KVMemory = 8, budget
	})
	body := func(i int) string {
		return fmt.Sprintf(`{"prompt":"def g%d(y):","max_tokens":30,"temperature":0,"stop":[]}`, i)
	}
	alone := make([]string, 5)
	for i := range alone {
		var r serve.CompletionResponse
		post(t, url+"/v1/completions", body(i), &r)
		alone[i] = r.Choices[0].Text
	}
	got := make([]string, len(alone))
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() {
			var r serve.CompletionResponse
			if code := post(t, url+"/v1/completions", body(i), &r); code == 200 {
				got[i] = r.Choices[0].Text
			}
		})
	}
	wg.Wait()
	for i := range got {
		if got[i] != alone[i] {
			t.Errorf("request %d: %q under the budget, %q alone", i, got[i], alone[i])
		}
	}
	if s.LargestBatch() > 2 {
		t.Errorf("%d rows decoded together under a budget of two", s.LargestBatch())
	}
	var e serve.ErrorResponse
	code := post(t, url+"/v1/completions", `{"prompt":"def h(z):","max_tokens":200}`, &e)
	if code != 400 || e.Error.Code == nil || *e.Error.Code != "kv_memory_exceeded" || !strings.Contains(e.Error.Message, fmt.Sprint(budget)) {
		t.Errorf("a request past the KV budget: %d %+v", code, e.Error)
	}
	var r serve.CompletionResponse
	if code := post(t, url+"/v1/completions", body(0), &r); code != 200 || r.Choices[0].Text != alone[0] {
		t.Errorf("the next request: %d %+v", code, r)
	}
}

// TestContextLength: a prompt whose tokens plus max_tokens (or the
// default 128) exceed the model's context gets vLLM's 400 naming both
// numbers — for a lone prompt, one of a list, and a chat — before it
// reaches the batcher, and the server answers the next request. (One such
// prompt used to allocate ~48 GB and kill the process.)
func TestContextLength(t *testing.T) {
	_, url, cfg := startWith(t, func(*serve.Config) {})
	limit := cfg.Model.ContextLength()
	count := func(text string) int {
		ids, err := cfg.Tokenizer.Encode(text)
		if err != nil {
			t.Fatal(err)
		}
		return len(ids)
	}
	long := strings.Repeat("def add(a, b):\n    return a + b\n", 2000)
	// edge fits alone but not with the default 128 tokens after it.
	edge := "x"
	for count(edge) <= limit-128 {
		edge += " = 1\nx"
	}
	if count(edge) >= limit {
		t.Fatalf("edge prompt of %d tokens: want it under the context of %d", count(edge), limit)
	}
	quote := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	chat := []serve.ChatMessage{{Role: "system", Content: "You fix Python."}, {Role: "user", Content: long}}
	for _, c := range []struct {
		name, path, body, param, where string
		tokens, maxNew                 int
	}{
		{"prompt", "/v1/completions", `{"prompt":` + quote(long) + `,"max_tokens":16}`, "prompt", "in the prompt", count(long), 16},
		{"default max_tokens", "/v1/completions", `{"prompt":` + quote(edge) + `}`, "prompt", "in the prompt", count(edge), 128},
		{"one of a list, n=4", "/v1/completions", `{"prompt":["def f(",` + quote(long) + `],"n":4,"max_tokens":16}`, "prompt", "in prompt[1]", count(long), 16},
		{"chat", "/v1/chat/completions", `{"messages":` + quote(chat) + `,"max_completion_tokens":16}`, "messages", "in the messages", count(serve.ChatPrompt(chat)), 16},
		{"chat streamed", "/v1/chat/completions", `{"messages":` + quote(chat) + `,"stream":true}`, "messages", "in the messages", count(serve.ChatPrompt(chat)), 128},
	} {
		t.Run(c.name, func(t *testing.T) {
			var e serve.ErrorResponse
			code := post(t, url+c.path, c.body, &e)
			want := fmt.Sprintf("This model's maximum context length is %d tokens. However, you requested %d tokens (%d %s, %d in the completion).",
				limit, c.tokens+c.maxNew, c.tokens, c.where, c.maxNew)
			if code != http.StatusBadRequest || !strings.HasPrefix(e.Error.Message, want) || e.Error.Type != "invalid_request_error" ||
				e.Error.Param == nil || *e.Error.Param != c.param || e.Error.Code == nil || *e.Error.Code != "context_length_exceeded" {
				t.Errorf("%d %+v (param %v, code %v), want a 400 on %s saying %q", code, e.Error, e.Error.Param, e.Error.Code, c.param, want)
			}
		})
	}
	var ok serve.CompletionResponse
	if code := post(t, url+"/v1/completions", `{"prompt":`+quote(edge)+`,"max_tokens":8}`, &ok); code != 200 || len(ok.Choices) != 1 ||
		ok.Usage.PromptTokens != count(edge) {
		t.Errorf("a prompt that fits its max_tokens, after the refused ones: %d %+v", code, ok)
	}
}

// TestBodyLimit: a body over the cap gets a 413 naming the limit, whether
// its length is declared (refused unread) or it comes chunked (cut as it
// is read), and the server answers the next request.
func TestBodyLimit(t *testing.T) {
	_, url := start(t, 8)
	_, small, _ := startWith(t, func(c *serve.Config) { c.MaxBody = 1000 })
	huge := `{"prompt":"` + strings.Repeat("x", 20<<20) + `"}` // 20 MB
	for _, c := range []struct {
		name, url string
		body      io.Reader
		limit     int64
	}{
		{"20 MB, default cap", url, strings.NewReader(huge), serve.DefaultMaxBody},
		{"20 MB chunked, default cap", url, io.MultiReader(strings.NewReader(huge)), serve.DefaultMaxBody},
		{"2 kB, cap 1000", small, strings.NewReader(`{"prompt":"` + strings.Repeat("x", 2000) + `"}`), 1000},
		{"2 kB chunked, cap 1000", small, io.MultiReader(strings.NewReader(`{"prompt":"` + strings.Repeat("x", 2000) + `"}`)), 1000},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, err := http.Post(c.url+"/v1/completions", "application/json", c.body)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e serve.ErrorResponse
			err = json.NewDecoder(resp.Body).Decode(&e)
			if resp.StatusCode != http.StatusRequestEntityTooLarge || err != nil || !strings.Contains(e.Error.Message, fmt.Sprint(c.limit)) {
				t.Errorf("%d %+v (%v), want a 413 naming the limit %d", resp.StatusCode, e.Error, err, c.limit)
			}
		})
	}
	for _, u := range []string{url, small} {
		var ok serve.CompletionResponse
		if code := post(t, u+"/v1/completions", `{"prompt":"def add(a, b):","max_tokens":4}`, &ok); code != 200 || len(ok.Choices) != 1 {
			t.Errorf("a small request after the large ones: %d %+v", code, ok)
		}
	}
}
