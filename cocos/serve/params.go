package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/cocos-go/cocos/cocos/model"
)

// apiError is a request's fault as the API reports it: a status, an
// OpenAI error type and code, and the parameter at fault.
type apiError struct {
	status int
	kind   string
	param  string
	code   string
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func badParam(param, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, kind: "invalid_request_error", param: param, msg: fmt.Sprintf(format, args...)}
}

// request is a checked request, ready for the batcher: row i*n+j of the
// generation call is choice j of prompt i, as the API indexes choices.
type request struct {
	prompts      [][]int // each prompt's tokens, checked against the context
	n            int
	gen          model.GenerateConfig
	stops        []string
	stream       bool
	includeUsage bool
}

// rows are the generation call's prompts: each prompt n times.
func (r *request) rows() [][]int {
	out := make([][]int, 0, len(r.prompts)*r.n)
	for _, p := range r.prompts {
		for range r.n {
			out = append(out, p)
		}
	}
	return out
}

// tokenize encodes each prompt (the ids the batcher then generates from)
// and refuses one that, with maxNew tokens after it, does not fit the
// model's context, as vLLM does with a 400 naming both numbers: the model
// would refuse it too, but in the batcher, failing every request batched
// with it. n choices share their prompt, so it is checked once. field is
// the API's name for the text: "prompt" or "messages".
func (s *Server) tokenize(texts []string, maxNew int, field string) ([][]int, *apiError) {
	out := make([][]int, len(texts))
	for i, text := range texts {
		where := "the " + field // vLLM's words for chat: "5082 in the messages"
		if len(texts) > 1 {
			where = fmt.Sprintf("%s[%d]", field, i)
		}
		ids, err := s.cfg.Tokenizer.Encode(text)
		if err != nil {
			return nil, badParam(field, "%s cannot be tokenized: %v", where, err)
		}
		var ce *model.ContextError
		var ke *model.KVMemoryError
		switch err := s.engine.Check(i, ids, maxNew); {
		case errors.As(err, &ce):
			return nil, &apiError{status: http.StatusBadRequest, kind: "invalid_request_error", param: field, code: "context_length_exceeded",
				msg: fmt.Sprintf("This model's maximum context length is %d tokens. However, you requested %d tokens (%d in %s, %d in the completion). "+
					"Please reduce the length of the %s or completion.", ce.ContextLength, ce.PromptTokens+ce.MaxNewTokens, ce.PromptTokens, where, ce.MaxNewTokens, field)}
		case errors.As(err, &ke):
			return nil, &apiError{status: http.StatusBadRequest, kind: "invalid_request_error", param: field, code: "kv_memory_exceeded",
				msg: fmt.Sprintf("This request needs a KV cache of %d tokens (%d bytes) for %s and its completion, more than this server's KV memory of %d bytes. "+
					"Please reduce the length of the %s or completion.", ke.Tokens, ke.Bytes, where, ke.KVMemory, field)}
		case err != nil:
			return nil, badParam(field, "%s: %v", where, err)
		}
		out[i] = ids
	}
	return out, nil
}

// generationError is the answer to a job whose generation failed: a 503
// when the server is closing, else a 500 naming the error.
func generationError(err error) *apiError {
	if errors.Is(err, errShutdown) {
		return &apiError{status: http.StatusServiceUnavailable, kind: "server_error", msg: err.Error()}
	}
	return &apiError{status: http.StatusInternalServerError, kind: "server_error", msg: "generation failed: " + err.Error()}
}

// tooLarge is the 413 of a request body over the server's cap.
func tooLarge(limit int64) *apiError {
	return &apiError{status: http.StatusRequestEntityTooLarge, kind: "invalid_request_error",
		msg: fmt.Sprintf("request body is larger than this server's limit of %d bytes", limit)}
}

// roles a chat message may have; "developer" is the newer "system".
var roles = []string{"system", "developer", "user", "assistant"}

// completionPrompts checks /v1/completions' prompt: text, one or a list.
func completionPrompts(raw json.RawMessage) ([]string, *apiError) {
	list, present, ok := stringOrList(raw)
	switch {
	case !present:
		return nil, badParam("prompt", `"prompt" is required`)
	case !ok:
		return nil, badParam("prompt", "prompt must be a string or a list of strings (token ids are not supported by this server)")
	case len(list) == 0:
		return nil, badParam("prompt", "prompt must hold at least one string")
	}
	for i, p := range list {
		if p == "" && len(list) == 1 {
			return nil, badParam("prompt", "prompt is empty")
		} else if p == "" {
			return nil, badParam("prompt", "prompt[%d] is empty", i)
		}
	}
	return list, nil
}

// stringOrList decodes a field that is a string or a list of strings:
// present is false for a missing or null field, ok false for another type.
func stringOrList(raw json.RawMessage) (list []string, present, ok bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, false, true
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, true, true
	}
	return list, true, json.Unmarshal(raw, &list) == nil
}

// chatMessages checks messages and reads each content, a string or a list
// of text parts.
func chatMessages(in []chatMessageIn) ([]ChatMessage, *apiError) {
	if len(in) == 0 {
		return nil, badParam("messages", "messages must hold at least one message")
	}
	out := make([]ChatMessage, len(in))
	for i, m := range in {
		at := fmt.Sprintf("messages[%d]", i)
		if !slices.Contains(roles, m.Role) {
			return nil, badParam(at+".role", "%s.role %q is not one of %s", at, m.Role, strings.Join(roles, ", "))
		}
		text, err := content(m.Content)
		if err != nil {
			return nil, badParam(at+".content", "%s.content %v", at, err)
		}
		out[i] = ChatMessage{Role: m.Role, Content: text}
	}
	return out, nil
}

func content(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", errors.New("must be a string or a list of text parts")
	}
	var b strings.Builder
	for j, p := range parts {
		if p.Type != "text" {
			return "", fmt.Errorf("part %d has type %q: this server reads text parts only", j, p.Type)
		}
		b.WriteString(p.Text)
	}
	return b.String(), nil
}

// sampling checks the decoding fields against the API's ranges and the
// server's caps; maxTokens is the request's max_tokens (or chat's
// max_completion_tokens), named param.
func (s *Server) sampling(p Sampling, maxTokens *int, param string) (request, *apiError) {
	if err := p.unsupported.check(); err != nil {
		return request{}, err
	}
	r := request{n: 1, stream: p.Stream}
	limit := min(128, s.cfg.MaxTokens)
	if maxTokens != nil {
		if limit = *maxTokens; limit < 1 || limit > s.cfg.MaxTokens {
			return r, badParam(param, "%s %d is outside [1, %d] (this server's limit)", param, limit, s.cfg.MaxTokens)
		}
	}
	t, topP := 1.0, 1.0
	if p.Temperature != nil {
		if t = *p.Temperature; t < 0 || t > 2 {
			return r, badParam("temperature", "temperature %g is outside [0, 2]", t)
		}
	}
	if p.TopP != nil {
		if topP = *p.TopP; topP <= 0 || topP > 1 {
			return r, badParam("top_p", "top_p %g is outside (0, 1]", topP)
		}
	}
	if p.N != nil {
		if r.n = *p.N; r.n < 1 || r.n > s.cfg.MaxN {
			return r, badParam("n", "n %d is outside [1, %d] (this server's limit)", r.n, s.cfg.MaxN)
		}
	}
	stops, err := stopStrings(p.Stop)
	if err != nil {
		return r, err
	}
	if p.StreamOptions != nil {
		if !p.Stream {
			return r, badParam("stream_options", "stream_options is only allowed when stream is true")
		}
		r.includeUsage = p.StreamOptions.IncludeUsage
	}
	r.stops = stops
	r.gen = model.GenerateConfig{MaxNewTokens: limit, Temperature: t, TopP: topP, StopStrings: stops}
	if p.Seed != nil {
		r.gen.Seed = uint64(*p.Seed)
	}
	if s.cfg.Tokenizer.EOS >= 0 {
		r.gen.StopTokens = []int{s.cfg.Tokenizer.EOS}
	}
	r.gen.PadToken = max(s.cfg.Tokenizer.PAD, 0)
	return r, nil
}

// stopStrings reads stop: a string or a list of at most 4 (empty ones
// stop nothing and are dropped).
func stopStrings(raw json.RawMessage) ([]string, *apiError) {
	list, _, ok := stringOrList(raw)
	if !ok {
		return nil, badParam("stop", "stop must be a string or a list of strings")
	}
	if len(list) > 4 {
		return nil, badParam("stop", "stop holds %d strings; the API allows at most 4", len(list))
	}
	out := []string{}
	for _, s := range list {
		if s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// check refuses fields this server would otherwise ignore.
func (u unsupported) check() *apiError {
	set := func(raw json.RawMessage, defaults ...string) bool {
		v := strings.TrimSpace(string(raw))
		return v != "" && v != "null" && !slices.Contains(defaults, v)
	}
	for _, c := range []struct {
		param string
		on    bool
	}{
		{"presence_penalty", u.PresencePenalty != nil && *u.PresencePenalty != 0},
		{"frequency_penalty", u.FrequencyPenalty != nil && *u.FrequencyPenalty != 0},
		{"logit_bias", len(u.LogitBias) > 0},
		{"logprobs", set(u.Logprobs, "false", "0")},
		{"top_logprobs", u.TopLogprobs != nil && *u.TopLogprobs != 0},
		{"echo", u.Echo},
		{"best_of", u.BestOf != nil && *u.BestOf != 1},
		{"suffix", u.Suffix != nil && *u.Suffix != ""},
		{"tools", set(u.Tools, "[]")},
		{"functions", set(u.Functions, "[]")},
		{"response_format", set(u.ResponseFormat, `{"type":"text"}`)},
	} {
		if c.on {
			return badParam(c.param, "%s is not supported by this server: leave it out", c.param)
		}
	}
	return nil
}

// decodeError reports a body that is not the request's JSON, naming the
// field of an ill-typed value as the API's parameter path.
func decodeError(err error) *apiError {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		param := jsonPath(te.Field)
		return badParam(param, "%s must be of type %s, not %s", param, jsonType(te.Type.Kind().String()), te.Value)
	}
	return badParam("", "request body is not valid JSON: %v", err)
}

// jsonPath turns encoding/json's "messages.0.role" into "messages[0].role".
func jsonPath(field string) string {
	parts := strings.Split(field, ".")
	var b strings.Builder
	for i, p := range parts {
		switch {
		case p != "" && strings.Trim(p, "0123456789") == "":
			b.WriteString("[" + p + "]")
		case i > 0:
			b.WriteString("." + p)
		default:
			b.WriteString(p)
		}
	}
	return b.String()
}

// jsonType names a Go kind as JSON does.
func jsonType(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"):
		return "integer"
	case strings.HasPrefix(kind, "float"):
		return "number"
	case kind == "slice":
		return "array"
	case kind == "struct", kind == "map":
		return "object"
	case kind == "bool":
		return "boolean"
	}
	return kind
}
