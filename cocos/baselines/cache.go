package baselines

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/internal/atomicfile"
	"github.com/cocos-go/cocos/sandbox"
)

// SampleOnce is Sample kept in the JSON file at path: the first call
// samples and writes it, later calls read it back, so a resumed run trains
// on the same data.
func SampleOnce(ctx context.Context, path string, m *model.Model, tok model.Tokenizer, judge *sandbox.Executor, b prompt.Builder,
	problems []data.Problem, n int, gen model.GenerateConfig) ([]Candidates, error) {
	var cands []Candidates
	if raw, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(raw, &cands); err != nil {
			return nil, fmt.Errorf("baselines: %s: %w", path, err)
		}
		return cands, nil
	}
	cands, err := Sample(ctx, m, tok, judge, b, problems, n, gen)
	if err != nil {
		return nil, err
	}
	return cands, atomicfile.WriteJSON(path, cands)
}
