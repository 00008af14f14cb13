// Package openai is a client of OpenAI-compatible chat and completion
// endpoints (cocos serve, vLLM, the OpenAI API), with retries: the teacher
// of External-Refine and External-SETS.
package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/cocos-go/cocos/cocos/serve"
)

// Client calls one endpoint and model.
type Client struct {
	BaseURL string // e.g. http://127.0.0.1:8080/v1; default $OPENAI_BASE_URL
	APIKey  string // default $OPENAI_API_KEY; sent as a bearer token when set
	Model   string // default $COCOS_TEACHER_MODEL
	// Timeout bounds one attempt; default 60 s.
	Timeout time.Duration
	// Retries is how many times a failed attempt (network error, timeout,
	// 429, 5xx, a malformed answer) is tried again; default 4. Backoff is
	// the first wait, doubled each time; default 500 ms.
	Retries int
	Backoff time.Duration
	HTTP    *http.Client
}

// FromEnv fills empty fields from the environment.
func (c *Client) FromEnv() *Client {
	if c.BaseURL == "" {
		c.BaseURL = os.Getenv("OPENAI_BASE_URL")
	}
	if c.APIKey == "" {
		c.APIKey = os.Getenv("OPENAI_API_KEY")
	}
	if c.Model == "" {
		c.Model = os.Getenv("COCOS_TEACHER_MODEL")
	}
	return c
}

// Params are the decoding settings of a request.
type Params struct {
	MaxTokens   int
	Temperature float64
	Stop        []string
	Seed        uint64
}

// body is a request's decoding fields; a zero MaxTokens leaves the
// endpoint's default.
func (c *Client) body(p Params) map[string]any {
	body := map[string]any{"model": c.Model, "temperature": p.Temperature, "seed": p.Seed}
	if p.MaxTokens > 0 {
		body["max_tokens"] = p.MaxTokens
	}
	if len(p.Stop) > 0 {
		body["stop"] = p.Stop
	}
	return body
}

// Chat sends messages to /chat/completions and returns the answer's text.
func (c *Client) Chat(ctx context.Context, messages []serve.ChatMessage, p Params) (string, error) {
	body := c.body(p)
	body["messages"] = messages
	var resp serve.ChatResponse
	if err := c.post(ctx, "/chat/completions", body, &resp, func() bool { return len(resp.Choices) > 0 }); err != nil {
		return "", err
	}
	return resp.Choices[0].Message.Content, nil
}

// Complete sends a prompt to /completions and returns the text.
func (c *Client) Complete(ctx context.Context, prompt string, p Params) (string, error) {
	body := c.body(p)
	body["prompt"] = prompt
	var resp serve.CompletionResponse
	if err := c.post(ctx, "/completions", body, &resp, func() bool { return len(resp.Choices) > 0 }); err != nil {
		return "", err
	}
	return resp.Choices[0].Text, nil
}

// StatusError is an answer the endpoint gave with a non-2xx status.
type StatusError struct {
	URL     string
	Status  int
	Message string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("openai: %s answered %d: %s", e.URL, e.Status, e.Message)
}

// retryable reports whether trying again may help.
func retryable(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status == http.StatusTooManyRequests || se.Status >= 500
	}
	return true // network errors, timeouts, malformed answers
}

// post sends body and decodes the answer into out, retrying with backoff;
// complete checks a decoded answer has what the caller needs.
func (c *Client) post(ctx context.Context, path string, body, out any, complete func() bool) error {
	if c.BaseURL == "" {
		return errors.New("openai: no endpoint: pass a base URL (--teacher-url) or set OPENAI_BASE_URL")
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return err
	}
	url := strings.TrimRight(c.BaseURL, "/") + path
	retries, wait := c.Retries, c.Backoff
	if retries <= 0 {
		retries = 4
	}
	if wait <= 0 {
		wait = 500 * time.Millisecond
	}
	var last error
	for attempt := 0; attempt <= retries; attempt++ {
		if attempt > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return fmt.Errorf("openai: %s: %w (last error: %v)", url, ctx.Err(), last)
			}
			wait *= 2
		}
		last = c.once(ctx, url, payload, out)
		if last == nil && !complete() {
			last = fmt.Errorf("openai: %s answered without choices", url)
		}
		if last == nil || !retryable(last) || ctx.Err() != nil {
			return last
		}
	}
	return fmt.Errorf("openai: %s failed %d times, last: %w", url, retries+1, last)
}

// once is one attempt.
func (c *Client) once(ctx context.Context, url string, payload []byte, out any) error {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.APIKey)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("openai: %s: %w", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("openai: %s: reading the answer: %w", url, err)
	}
	if resp.StatusCode/100 != 2 {
		var e serve.ErrorResponse
		msg := strings.TrimSpace(string(b))
		if json.Unmarshal(b, &e) == nil && e.Error.Message != "" {
			msg = e.Error.Message
		}
		return &StatusError{URL: url, Status: resp.StatusCode, Message: msg}
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("openai: %s answered malformed JSON (%v): %.200q", url, err, b)
	}
	return nil
}
