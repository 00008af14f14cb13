package train

import (
	"fmt"

	"github.com/gomlx/compute"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/cocos/tokenizer"
	"github.com/cocos-go/cocos/data"
)

// InitModel makes a from-scratch model of a tiny preset: a byte-level BPE
// of the preset's vocabulary trained on prompt.Corpus(tasks) and random weights (seed), written to dir as
// a model directory (config.json, model.safetensors, tokenizer.json).
func InitModel(backend compute.Backend, preset model.Preset, tasks []data.Task, seed uint64, dir string) (*model.Model, *tokenizer.Tokenizer, error) {
	if preset.HFID != "" {
		return nil, nil, fmt.Errorf("train: %s is a pre-trained model: download it (cocos generate --model %s) rather than initialising it", preset.Name, preset.HFID)
	}
	tok, err := tokenizer.Train(prompt.Corpus(tasks), tokenizer.TrainConfig{VocabSize: preset.Config.VocabSize})
	if err != nil {
		return nil, nil, fmt.Errorf("train: suite tokenizer: %w", err)
	}
	m, err := model.New(backend, preset.Config, model.RandomWeights(preset.Config, seed, 0.02))
	if err != nil {
		return nil, nil, err
	}
	r := &run{m: m, tok: tok}
	if err := r.export(dir); err != nil {
		return nil, nil, err
	}
	return m, tok, nil
}
