package serve

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// visible is a choice's text as the API returns it: cut before the first
// stop string it holds (the model's Text ends just after the one it
// stopped at), since the API leaves stop sequences out.
func visible(text string, stops []string) string {
	cut := len(text)
	for _, s := range stops {
		if i := strings.Index(text, s); i >= 0 && i < cut {
			cut = i
		}
	}
	return text[:cut]
}

// settled is the part of a growing text that later tokens cannot take
// back: without a trailing U+FFFD (a character whose bytes have not all
// been sampled) and without the longest tail that could begin a stop
// string, which would be cut if the stop string completes.
func settled(text string, stops []string) string {
	text = strings.TrimRight(text, "\uFFFD")
	hold := 0
	for _, s := range stops {
		for k := min(len(s)-1, len(text)); k > hold; k-- {
			if strings.HasSuffix(text, s[:k]) {
				hold = k
				break
			}
		}
	}
	return text[:len(text)-hold]
}

// choiceStream is what one streamed choice has sent so far.
type choiceStream struct{ sent string }

// delta is the text to send now that the choice's text is text; a final
// delta sends everything that is left.
func (c *choiceStream) delta(text string, final bool, stops []string) string {
	next := visible(text, stops)
	if !final {
		next = settled(next, stops)
	}
	if !strings.HasPrefix(next, c.sent) { // cannot happen for settled text; never resend
		return ""
	}
	d := next[len(c.sent):]
	c.sent = next
	return d
}

// events writes server-sent events, flushing each so the client sees a
// token as soon as it is decoded.
type events struct {
	w http.ResponseWriter
	f http.Flusher
}

func startEvents(w http.ResponseWriter) *events {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // proxies must not hold chunks back
	w.WriteHeader(http.StatusOK)
	f, _ := w.(http.Flusher)
	return &events{w: w, f: f}
}

// send writes one `data:` event holding v as JSON.
func (e *events) send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return e.write(b)
}

// done writes the stream's last event, `data: [DONE]`.
func (e *events) done() error { return e.write([]byte("[DONE]")) }

func (e *events) write(payload []byte) error {
	if _, err := fmt.Fprintf(e.w, "data: %s\n\n", payload); err != nil {
		return err
	}
	if e.f != nil {
		e.f.Flush()
	}
	return nil
}
