package serve

import "testing"

// TestSettled: a streamed choice never sends text that a later token could
// take back, and its pieces add up to the whole answer.
func TestSettled(t *testing.T) {
	stops := []string{"\n\n", "[DONE]"}
	for _, c := range []struct{ text, want string }{
		{"def f():", "def f():"},
		{"return 1\n", "return 1"},     // may begin "\n\n"
		{"x = [DO", "x = "},            // may begin "[DONE]"
		{"a = 'caf\uFFFD", "a = 'caf"}, // a character's bytes still coming
		{"[D[", "[D"},
		{"", ""},
	} {
		if got := settled(c.text, stops); got != c.want {
			t.Errorf("settled(%q) = %q, want %q", c.text, got, c.want)
		}
	}
	// Token by token, then the final text: the pieces are the visible text.
	steps := []string{"x = 1", "x = 1\n", "x = 1\nret", "x = 1\nreturn [D", "x = 1\nreturn [DONE]"}
	var c choiceStream
	var got string
	for i, s := range steps {
		got += c.delta(s, i == len(steps)-1, stops)
	}
	if want := "x = 1\nreturn "; got != want || visible(steps[len(steps)-1], stops) != want {
		t.Errorf("streamed %q, want %q", got, want)
	}
}

func TestVisibleCutsAtFirstStop(t *testing.T) {
	if got := visible("abcXdefY", []string{"Y", "X"}); got != "abc" {
		t.Errorf("visible = %q", got)
	}
	if got := visible("abc", nil); got != "abc" {
		t.Errorf("no stops: %q", got)
	}
}

func TestJSONPath(t *testing.T) {
	for in, want := range map[string]string{"max_tokens": "max_tokens", "messages.0.role": "messages[0].role",
		"stop.3": "stop[3]", "stream_options.include_usage": "stream_options.include_usage"} {
		if got := jsonPath(in); got != want {
			t.Errorf("jsonPath(%q) = %q, want %q", in, got, want)
		}
	}
}
