package prompting

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cocos-go/cocos/cocos/evaluate"
	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/openai"
	"github.com/cocos-go/cocos/cocos/serve"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/internal/tinytest"
)

// TestExternalAndSelfRefine: External-Refine with another tiny model as
// the teacher, served by cocos serve on 127.0.0.1, and Self-Refine: turn 2's
// prompt carries each code's feedback, the teacher was asked once per
// problem, and every turn is judged and kept as rows; a teacher that never
// answers fails the evaluation with an error naming it.
func TestExternalAndSelfRefine(t *testing.T) {
	tasks := data.Suite(data.SuiteConfig{Train: 10, Test: 3})
	tok := tinytest.Tokenizer(t, tasks, 400)
	cfg := tinytest.Config(tok.VocabSize(), 32, 1)
	student, teacher := tinytest.Model(t, cfg, 1, 0.5), tinytest.Model(t, cfg, 2, 0.5)
	srv := serve.New(serve.Config{Model: teacher, Tokenizer: tok, ModelID: "teacher"})
	defer srv.Close()
	var asked atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/chat/completions") {
			asked.Add(1)
		}
		srv.Handler().ServeHTTP(w, r)
	}))
	defer hs.Close()
	judge := tinytest.Judge(t)
	ps := data.SuiteProblems(tasks, "test")
	external := TeacherReviewer{Client: &openai.Client{BaseURL: hs.URL + "/v1", Model: "teacher", Timeout: time.Minute}, MaxTokens: 8}
	self := SelfReviewer{Model: student, Tokenizer: tok, MaxTokens: 8}
	for name, rev := range map[string]Reviewer{"external-refine": external, "self-refine": self} {
		r := &evaluate.Runner{Model: student, Tokenizer: tok, Judge: judge, Method: name, Next: Refine(rev),
			Generate: model.GenerateConfig{MaxNewTokens: 6, StopTokens: []int{tok.EOS}}}
		res, err := r.Run(context.Background(), ps, 2)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(res.Rows) != 2*len(ps) {
			t.Fatalf("%s: %d rows", name, len(res.Rows))
		}
		for _, row := range res.Rows {
			if row.Turn == 2 && (!strings.Contains(row.Prompt, "\n\nFeedback: ") || !strings.HasSuffix(row.Prompt, "solution.\n[BEGIN]\n")) {
				t.Errorf("%s: turn-2 prompt has no feedback: %q", name, row.Prompt[max(0, len(row.Prompt)-120):])
			}
		}
	}
	if int(asked.Load()) != len(ps) {
		t.Errorf("the teacher was asked %d times for %d problems", asked.Load(), len(ps))
	}
	dead := TeacherReviewer{Client: &openai.Client{BaseURL: "http://127.0.0.1:1/v1", Retries: 1, Backoff: time.Millisecond, Timeout: time.Second}}
	r := &evaluate.Runner{Model: student, Tokenizer: tok, Judge: judge, Next: Refine(dead), Generate: model.GenerateConfig{MaxNewTokens: 4}}
	if _, err := r.Run(context.Background(), ps, 2); err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("dead teacher: %v", err)
	}
}
