// Package serve is an OpenAI-compatible HTTP server for any loaded model
// (/v1/models, /v1/completions, /v1/chat/completions) that batches
// concurrent requests into one generation call.
package serve

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Sampling are the decoding fields both request kinds share.
type Sampling struct {
	MaxTokens   int             `json:"max_tokens"`
	Temperature *float64        `json:"temperature"` // default 1, as OpenAI's
	TopP        float64         `json:"top_p"`
	Stop        json.RawMessage `json:"stop"` // a string or a list of strings
	Seed        uint64          `json:"seed"`
	Stream      bool            `json:"stream"`
}

// CompletionRequest is the body of /v1/completions; fields the server does
// not use (n, logprobs, …) are ignored.
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

// ChatRequest is the body of /v1/chat/completions.
type ChatRequest struct {
	Model    string        `json:"model"`
	Messages []ChatMessage `json:"messages"`
	Sampling
}

// Usage counts tokens as the OpenAI API does.
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

// ErrorResponse is the OpenAI error body.
type ErrorResponse struct {
	Error struct {
		Message string `json:"message"`
		Type    string `json:"type"`
	} `json:"error"`
}

// stringOrList decodes a JSON string or list of strings (null: none).
func stringOrList(raw json.RawMessage, field string) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("field %q must be a string or a list of strings", field)
	}
	return list, nil
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
