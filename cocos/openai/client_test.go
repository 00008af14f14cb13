package openai

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cocos-go/cocos/cocos/serve"
)

// flaky answers attempt n (from 0) with behaviours[n], then well.
func flaky(t *testing.T, behaviours ...string) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		b := "ok"
		if i < len(behaviours) {
			b = behaviours[i]
		}
		switch b {
		case "500":
			http.Error(w, `{"error":{"message":"overloaded","type":"server_error"}}`, 500)
		case "400":
			http.Error(w, `{"error":{"message":"bad max_tokens","type":"invalid_request_error"}}`, 400)
		case "garbage":
			w.Write([]byte(`{"choices": [`))
		case "slow":
			time.Sleep(300 * time.Millisecond)
		case "empty":
			w.Write([]byte(`{"choices": []}`))
		default:
			w.Write([]byte(`{"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"use <="},"finish_reason":"stop"}]}`))
		}
	}))
	t.Cleanup(hs.Close)
	return hs, &n
}

func client(url string) *Client {
	return &Client{BaseURL: url, Model: "teacher", Timeout: 100 * time.Millisecond, Retries: 4, Backoff: time.Millisecond}
}

var msgs = []serve.ChatMessage{{Role: "user", Content: "what is wrong?"}}

// TestRetries: 500s, malformed JSON, a timeout and an empty answer are
// retried with backoff and the answer still arrives; a 400 is not retried
// and its message is kept; a server that never recovers gives an error
// naming it and the last failure.
func TestRetries(t *testing.T) {
	hs, n := flaky(t, "500", "garbage", "slow", "empty")
	got, err := client(hs.URL).Chat(context.Background(), msgs, Params{MaxTokens: 8})
	if err != nil || got != "use <=" || n.Load() != 5 {
		t.Errorf("flaky server: %q, %v after %d attempts; want the answer on attempt 5", got, err, n.Load())
	}
	hs, n = flaky(t, "400")
	if _, err := client(hs.URL).Chat(context.Background(), msgs, Params{}); err == nil || !strings.Contains(err.Error(), "bad max_tokens") || n.Load() != 1 {
		t.Errorf("400: %v after %d attempts; want its message, no retry", err, n.Load())
	}
	hs, n = flaky(t, "500", "500", "500", "500", "500", "500")
	_, err = client(hs.URL).Chat(context.Background(), msgs, Params{})
	if err == nil || !strings.Contains(err.Error(), "failed 5 times") || !strings.Contains(err.Error(), "overloaded") || n.Load() != 5 {
		t.Errorf("dead server: %v after %d attempts", err, n.Load())
	}
	if _, err := (&Client{}).Chat(context.Background(), msgs, Params{}); err == nil || !strings.Contains(err.Error(), "OPENAI_BASE_URL") {
		t.Errorf("no endpoint: %v", err)
	}
}
