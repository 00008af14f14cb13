package serve_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// call is one request of tools/node/openai_client.mjs's plan.
type call struct {
	Name       string         `json:"name"`
	Endpoint   string         `json:"endpoint"` // "completions", "chat" or "models"
	Params     map[string]any `json:"params,omitempty"`
	AbortAfter int            `json:"abortAfter,omitempty"`
}

// seen is what the official client reported for a call.
type seen struct {
	Name      string   `json:"name"`
	Models    []string `json:"models"`
	Retrieved string   `json:"retrieved"`
	Object    string   `json:"object"`
	Chunks    int      `json:"chunks"`
	IDs       []string `json:"ids"`
	Choices   []struct {
		Index        int     `json:"index"`
		Text         string  `json:"text"`
		Role         *string `json:"role"`
		FinishReason *string `json:"finish_reason"`
		Pieces       int     `json:"pieces"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
	} `json:"usage"`
	Error *struct {
		Status  int     `json:"status"`
		Message string  `json:"message"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}

func (s seen) texts() []string {
	var out []string
	for _, c := range s.Choices {
		out = append(out, c.Text)
	}
	return out
}

// official runs groups of calls with the official openai npm client
// (calls of a group concurrently) against url and returns what it saw by
// name.
func official(t *testing.T, url string, groups ...[]call) map[string]seen {
	t.Helper()
	script, _ := filepath.Abs(filepath.Join("..", "..", "tools", "node", "openai_client.mjs"))
	if _, err := os.Stat(filepath.Join(filepath.Dir(script), "node_modules", "openai")); err != nil {
		t.Fatalf("npm openai is not installed: run `make setup` (%v)", err)
	}
	plan, _ := json.Marshal(groups)
	cmd := exec.Command("node", script, url+"/v1")
	cmd.Stdin = strings.NewReader(string(plan))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var results []seen
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	byName := map[string]seen{}
	for _, r := range results {
		byName[r.Name] = r
	}
	return byName
}

func one(c call) []call { return []call{c} }

func chatParams(extra map[string]any) map[string]any {
	p := map[string]any{"model": "tiny", "messages": []map[string]any{{"role": "system", "content": "You fix Python."},
		{"role": "user", "content": "def add(a, b):"}}, "max_tokens": 16, "temperature": 0}
	for k, v := range extra {
		p[k] = v
	}
	return p
}

func completionParams(extra map[string]any) map[string]any {
	p := map[string]any{"model": "tiny", "prompt": "def add(a, b):", "max_tokens": 16, "temperature": 0}
	for k, v := range extra {
		p[k] = v
	}
	return p
}

// TestOfficialClient: the official openai npm client (not written here)
// lists the model, completes and chats, streamed and not, with n and stop;
// streamed pieces add up to the whole answers.
func TestOfficialClient(t *testing.T) {
	_, url := start(t, 8)
	sampled := map[string]any{"prompt": []string{"def add(a, b):", "x ="}, "n": 2, "temperature": 0.9, "seed": 11}
	got := official(t, url,
		one(call{Name: "models", Endpoint: "models"}),
		one(call{Name: "cmpl", Endpoint: "completions", Params: completionParams(nil)}),
		one(call{Name: "cmpl-stream", Endpoint: "completions", Params: completionParams(map[string]any{"stream": true})}),
		one(call{Name: "chat", Endpoint: "chat", Params: chatParams(nil)}),
		one(call{Name: "chat-stream", Endpoint: "chat", Params: chatParams(map[string]any{"stream": true, "stream_options": map[string]any{"include_usage": true}})}),
		one(call{Name: "n", Endpoint: "completions", Params: completionParams(sampled)}),
		one(call{Name: "n-stream", Endpoint: "completions", Params: completionParams(mergeParams(sampled, map[string]any{"stream": true}))}),
	)
	for name, r := range got {
		if r.Error != nil {
			t.Fatalf("%s: %+v", name, *r.Error)
		}
	}
	if m := got["models"]; len(m.Models) != 1 || m.Models[0] != "tiny" || m.Retrieved != "tiny" {
		t.Errorf("models: %v, retrieved %q", m.Models, m.Retrieved)
	}
	for _, pair := range [][2]string{{"cmpl", "cmpl-stream"}, {"chat", "chat-stream"}, {"n", "n-stream"}} {
		whole, streamed := got[pair[0]], got[pair[1]]
		if fmt.Sprint(whole.texts()) != fmt.Sprint(streamed.texts()) || len(streamed.IDs) != 1 {
			t.Errorf("%s: streamed %q (ids %v), whole %q", pair[0], streamed.texts(), streamed.IDs, whole.texts())
		}
		for i, c := range streamed.Choices {
			if c.Index != i || c.FinishReason == nil || *c.FinishReason != *whole.Choices[i].FinishReason {
				t.Errorf("%s choice %d: index %d, finish %v, whole %v", pair[1], i, c.Index, c.FinishReason, whole.Choices[i].FinishReason)
			}
			if len(c.Text) > 4 && c.Pieces < 2 {
				t.Errorf("%s choice %d: %q came in %d piece(s), not token by token", pair[1], i, c.Text, c.Pieces)
			}
		}
	}
	chat, stream := got["chat"], got["chat-stream"]
	if chat.Object != "chat.completion" || stream.Object != "chat.completion.chunk" || *chat.Choices[0].Role != "assistant" ||
		stream.Choices[0].Role == nil || *stream.Choices[0].Role != "assistant" {
		t.Errorf("chat objects %q/%q, roles %v/%v", chat.Object, stream.Object, chat.Choices[0].Role, stream.Choices[0].Role)
	}
	if stream.Usage == nil || stream.Usage.CompletionTokens != chat.Usage.CompletionTokens || stream.Usage.PromptTokens != chat.Usage.PromptTokens {
		t.Errorf("streamed usage %+v, whole %+v", stream.Usage, chat.Usage)
	}
	if n := got["n"]; len(n.Choices) != 4 || n.Choices[0].Text == n.Choices[1].Text {
		t.Errorf("2 prompts × n=2: %q", n.texts())
	}
	checkStop(t, url, got["cmpl"].Choices[0].Text)
}

// checkStop cuts the greedy answer at a stop string taken from its middle:
// the client gets the text before it, streamed or not.
func checkStop(t *testing.T, url, greedy string) {
	t.Helper()
	if len(greedy) < 6 {
		t.Fatalf("greedy answer %q is too short to take a stop string from", greedy)
	}
	stop := greedy[len(greedy)/2 : len(greedy)/2+2]
	want := greedy[:strings.Index(greedy, stop)]
	params := map[string]any{"stop": []string{stop, "never seen"}}
	got := official(t, url,
		one(call{Name: "stop", Endpoint: "completions", Params: completionParams(params)}),
		one(call{Name: "stop-stream", Endpoint: "completions", Params: completionParams(mergeParams(params, map[string]any{"stream": true}))}))
	for _, name := range []string{"stop", "stop-stream"} {
		r := got[name]
		if r.Error != nil || len(r.Choices) != 1 || r.Choices[0].Text != want || *r.Choices[0].FinishReason != "stop" {
			t.Errorf("%s at %q: %+v, want %q", name, stop, r, want)
		}
	}
}

func mergeParams(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range []map[string]any{a, b} {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// TestOfficialClientErrors: every out-of-range or ill-typed parameter,
// and a prompt past the model's context, gets a 400 that the official
// client reports with the parameter's name (and code), and the server
// keeps serving.
func TestOfficialClientErrors(t *testing.T) {
	_, url := start(t, 8)
	long := strings.Repeat("def add(a, b):\n    return a + b\n", 2000) // far past the context of 2048 tokens
	bad := []struct {
		param string
		extra map[string]any
		chat  bool
	}{
		{"max_tokens", map[string]any{"max_tokens": 0}, false},
		{"max_tokens", map[string]any{"max_tokens": -5}, false},
		{"max_tokens", map[string]any{"max_tokens": 100000}, true},
		{"max_tokens", map[string]any{"max_tokens": "ten"}, false},
		{"temperature", map[string]any{"temperature": -1}, true},
		{"top_p", map[string]any{"top_p": 0}, false},
		{"top_p", map[string]any{"top_p": 1.5}, true},
		{"n", map[string]any{"n": 0}, false},
		{"n", map[string]any{"n": 1000}, true},
		{"prompt", map[string]any{"prompt": ""}, false},
		{"prompt", map[string]any{"prompt": []string{}}, false},
		{"messages", map[string]any{"messages": []any{}}, true},
		{"messages[0].role", map[string]any{"messages": []map[string]any{{"role": "robot", "content": "hi"}}}, true},
		{"stop", map[string]any{"stop": []string{"a", "b", "c", "d", "e"}}, false},
		{"logprobs", map[string]any{"logprobs": true}, true},
		{"model", map[string]any{"model": "gpt-4o"}, true},
	}
	var groups [][]call
	for i, b := range bad {
		c := call{Name: fmt.Sprint("bad", i), Endpoint: "completions", Params: completionParams(b.extra)}
		if b.chat {
			c.Endpoint, c.Params = "chat", chatParams(b.extra)
		}
		groups = append(groups, one(c))
	}
	// Past the context: one prompt of a list, and a chat.
	groups = append(groups,
		one(call{Name: "long-prompt", Endpoint: "completions", Params: completionParams(map[string]any{"prompt": []string{"x =", long}})}),
		one(call{Name: "long-chat", Endpoint: "chat", Params: chatParams(map[string]any{"messages": []map[string]any{{"role": "user", "content": long}}})}),
		one(call{Name: "after", Endpoint: "chat", Params: chatParams(nil)}))
	got := official(t, url, groups...)
	for i, b := range bad {
		r := got[fmt.Sprint("bad", i)]
		want := 400
		if b.param == "model" {
			want = 404
		}
		if r.Error == nil || r.Error.Status != want || r.Error.Param == nil || *r.Error.Param != b.param ||
			!strings.Contains(r.Error.Message, strings.Split(b.param, "[")[0]) {
			t.Errorf("%v: client saw %+v, want a %d naming %s", b.extra, r.Error, want, b.param)
		}
	}
	for name, param := range map[string]string{"long-prompt": "prompt", "long-chat": "messages"} {
		r := got[name]
		if r.Error == nil || r.Error.Status != 400 || r.Error.Param == nil || *r.Error.Param != param || r.Error.Code == nil ||
			*r.Error.Code != "context_length_exceeded" || !strings.Contains(r.Error.Message, "maximum context length is 2048 tokens") {
			t.Errorf("%s: client saw %+v, want a 400 on %s with code context_length_exceeded naming the context", name, r.Error, param)
		}
	}
	if after := got["after"]; after.Error != nil || len(after.Choices) != 1 {
		t.Errorf("after the bad requests: %+v", after)
	}
}

// TestOfficialClientConcurrentStreams: streams from concurrent clients are
// batched into shared generation calls, and each gets its whole answer.
func TestOfficialClientConcurrentStreams(t *testing.T) {
	s, url := start(t, 16)
	var group, alone []call
	for i := range 8 {
		p := completionParams(map[string]any{"prompt": fmt.Sprintf("def f%d(x):", i), "stream": true, "temperature": 0.7, "seed": i})
		e := "completions"
		if i%2 == 1 {
			p, e = chatParams(map[string]any{"stream": true, "temperature": 0.7, "seed": i}), "chat"
		}
		group = append(group, call{Name: fmt.Sprint("s", i), Endpoint: e, Params: p})
		whole := mergeParams(p, map[string]any{"stream": false})
		alone = append(alone, call{Name: fmt.Sprint("w", i), Endpoint: e, Params: whole})
	}
	got := official(t, url, group, alone)
	if s.LargestBatch() < 2 {
		t.Errorf("at most %d row(s) decoded together: concurrent streams did not share steps", s.LargestBatch())
	}
	for i := range 8 {
		st, w := got[fmt.Sprint("s", i)], got[fmt.Sprint("w", i)]
		if st.Error != nil || len(st.Choices) != 1 || st.Choices[0].FinishReason == nil || fmt.Sprint(st.texts()) != fmt.Sprint(w.texts()) {
			t.Errorf("stream %d: %+v, the same request whole: %q", i, st, w.texts())
		}
	}
}
