// Package serve is an OpenAI-compatible HTTP server for any loaded model
// (/v1/models, /v1/completions, /v1/chat/completions, streamed or not)
// that batches concurrent requests into one generation call.
package serve

import (
	"encoding/json"
	"reflect"
	"strings"
)

// Sampling are the decoding fields both request kinds share. Pointers tell
// a field left out (the API's default) from one set to zero.
type Sampling struct {
	MaxTokens     *int            `json:"max_tokens"`
	Temperature   *float64        `json:"temperature"` // default 1, as OpenAI's
	TopP          *float64        `json:"top_p"`       // default 1
	N             *int            `json:"n"`           // choices per prompt; default 1
	Stop          json.RawMessage `json:"stop"`        // a string or a list of at most 4
	Seed          *Seed           `json:"seed"`
	Stream        bool            `json:"stream"`
	StreamOptions *StreamOptions  `json:"stream_options"`
	unsupported
}

// StreamOptions are a streamed request's extras.
type StreamOptions struct {
	// IncludeUsage adds a last chunk, with no choices, that carries the
	// request's token counts.
	IncludeUsage bool `json:"include_usage"`
}

// unsupported are API fields this server cannot honour: a request that
// sets one to anything but its default gets a 400 rather than an answer
// that silently ignores it.
type unsupported struct {
	PresencePenalty  *float64           `json:"presence_penalty"`
	FrequencyPenalty *float64           `json:"frequency_penalty"`
	LogitBias        map[string]float64 `json:"logit_bias"`
	Logprobs         json.RawMessage    `json:"logprobs"` // an int in completions, a bool in chat
	TopLogprobs      *int               `json:"top_logprobs"`
	Echo             bool               `json:"echo"`
	BestOf           *int               `json:"best_of"`
	Suffix           *string            `json:"suffix"`
	Tools            json.RawMessage    `json:"tools"`
	Functions        json.RawMessage    `json:"functions"`
	ResponseFormat   json.RawMessage    `json:"response_format"`
}

// Seed is the API's integer seed; negative values (which clients may
// send) keep their bits.
type Seed uint64

// UnmarshalJSON reads a signed or unsigned integer.
func (s *Seed) UnmarshalJSON(b []byte) error {
	var u uint64
	if err := json.Unmarshal(b, &u); err == nil {
		*s = Seed(u)
		return nil
	}
	var i int64
	if err := json.Unmarshal(b, &i); err != nil {
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[int64]()}
	}
	*s = Seed(uint64(i))
	return nil
}

// CompletionRequest is the body of /v1/completions.
type CompletionRequest struct {
	Model  string          `json:"model"`
	Prompt json.RawMessage `json:"prompt"` // a string or a list of strings
	Sampling
}

// ChatMessage is one turn of a chat.
type ChatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// chatMessageIn is a message as clients may send it: content a string or
// a list of parts ({"type": "text", "text": …}).
type chatMessageIn struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// ChatRequest is the body of /v1/chat/completions.
type ChatRequest struct {
	Model    string          `json:"model"`
	Messages []chatMessageIn `json:"messages"`
	// MaxCompletionTokens is chat's newer name for max_tokens.
	MaxCompletionTokens *int `json:"max_completion_tokens"`
	Sampling
}

// Usage counts tokens as the OpenAI API does: a prompt once however many
// choices it has.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// CompletionChoice is one generated text.
type CompletionChoice struct {
	Index        int    `json:"index"`
	Text         string `json:"text"`
	FinishReason string `json:"finish_reason"`
}

// CompletionResponse answers /v1/completions.
type CompletionResponse struct {
	ID      string             `json:"id"`
	Object  string             `json:"object"` // "text_completion"
	Created int64              `json:"created"`
	Model   string             `json:"model"`
	Choices []CompletionChoice `json:"choices"`
	Usage   Usage              `json:"usage"`
}

// ChatChoice is one generated message.
type ChatChoice struct {
	Index        int         `json:"index"`
	Message      ChatMessage `json:"message"`
	FinishReason string      `json:"finish_reason"`
}

// ChatResponse answers /v1/chat/completions.
type ChatResponse struct {
	ID      string       `json:"id"`
	Object  string       `json:"object"` // "chat.completion"
	Created int64        `json:"created"`
	Model   string       `json:"model"`
	Choices []ChatChoice `json:"choices"`
	Usage   Usage        `json:"usage"`
}

// Chunk is one server-sent event of a streamed answer: C is
// CompletionChunkChoice or ChatChunkChoice. The usage chunk that
// stream_options.include_usage asks for has no choices.
type Chunk[C any] struct {
	ID      string `json:"id"`
	Object  string `json:"object"` // "text_completion" or "chat.completion.chunk"
	Created int64  `json:"created"`
	Model   string `json:"model"`
	Choices []C    `json:"choices"`
	Usage   *Usage `json:"usage,omitempty"`
}

// CompletionChunkChoice is a streamed choice's new text; FinishReason is
// null until its last chunk.
type CompletionChunkChoice struct {
	Index        int     `json:"index"`
	Text         string  `json:"text"`
	FinishReason *string `json:"finish_reason"`
}

// ChatDelta is what a chat chunk adds to its message: the role in the
// first chunk, then content.
type ChatDelta struct {
	Role    string `json:"role,omitempty"`
	Content string `json:"content,omitempty"`
}

// ChatChunkChoice is a streamed chat choice's delta.
type ChatChunkChoice struct {
	Index        int       `json:"index"`
	Delta        ChatDelta `json:"delta"`
	FinishReason *string   `json:"finish_reason"`
}

// ErrorResponse is the OpenAI error body; Param names the request field
// at fault, when one is.
type ErrorResponse struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}

// ChatPrompt renders messages for a base model, which has no chat
// template: the contents in order, separated by a blank line. (The paper's
// models are base models; the teacher of External-Refine only needs the
// feedback request as text.)
func ChatPrompt(messages []ChatMessage) string {
	parts := make([]string, len(messages))
	for i, m := range messages {
		parts[i] = m.Content
	}
	return strings.Join(parts, "\n\n")
}
