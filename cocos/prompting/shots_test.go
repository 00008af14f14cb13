package prompting

import (
	"context"
	"strings"
	"testing"

	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/internal/tinytest"
)

// TestFeedbackShots: the first worked problem is reviewed as correct with
// its reference code; the others show a mutant and name a test it really
// fails (checked here by the mutant not being the reference).
func TestFeedbackShots(t *testing.T) {
	ps := data.SuiteProblems(data.Suite(data.SuiteConfig{Train: 10, Test: 2}), "train")[:3]
	shots, err := FeedbackShots(context.Background(), tinytest.Judge(t), ps, 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := FeedbackShots(context.Background(), tinytest.Judge(t), ps[:2], 3); err == nil {
		t.Error("3 shots from 2 problems were accepted")
	}
	parts := strings.Split(strings.TrimSuffix(shots, "\n\n"), "\n\nYou are an expert")
	if len(parts) != 3 {
		t.Fatalf("%d shots, want 3:\n%s", len(parts), shots)
	}
	if !strings.Contains(parts[0], ps[0].Code) || !strings.HasSuffix(parts[0], "Correct: the code does what the task asks.") {
		t.Errorf("first shot: %q", parts[0])
	}
	for i, part := range parts[1:] {
		p := ps[i+1]
		named := false
		for _, tc := range p.Tests {
			named = named || strings.HasSuffix(part, "Incorrect: it fails `"+tc+"`.")
		}
		if !named || strings.Contains(part, "Solution:\n"+p.Code+"\n") {
			t.Errorf("shot %d does not show a failing mutant with its test: %q", i+2, part[len(part)-min(len(part), 200):])
		}
	}
}
