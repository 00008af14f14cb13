package tokenizer

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/cocos-go/cocos/data"
)

func suiteTexts() []string {
	var texts []string
	for _, t := range data.Suite(data.SuiteConfig{Train: 300, Test: 30}) {
		texts = append(texts, "You are an expert Python programmer, and here is your task: "+t.Text+" Your code should pass these tests:\n\n",
			t.Code+"\n[DONE]", t.Tests[0], t.Wrong[0])
	}
	return texts
}

// TestTrainSaveLoad: a trained tokenizer saved as tokenizer.json loads back
// through LoadDir and through @lenml/tokenizers, and both give the same ids.
func TestTrainSaveLoad(t *testing.T) {
	texts := suiteTexts()
	tok, err := Train(texts, TrainConfig{VocabSize: 600})
	if err != nil {
		t.Fatal(err)
	}
	if tok.VocabSize() != 600 {
		t.Errorf("vocabulary %d, want 600", tok.VocabSize())
	}
	dir := filepath.Join(t.TempDir(), "tiny-tokenizer")
	if err := tok.SaveDir(dir); err != nil {
		t.Fatal(err)
	}
	back, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if back.EOS != tok.EOS || back.PAD != tok.EOS || back.Token(back.EOS) != "<|endoftext|>" {
		t.Errorf("special tokens: eos %d pad %d", back.EOS, back.PAD)
	}
	probe := append(texts[:40:40], "unseen words: zebra quokka 12345 ü", "[BEGIN]\ndef f():\n    return 1\n[DONE]<|endoftext|>")
	ref := runReference(t, dir, probe)
	var total, chars int
	for i, s := range probe {
		ids, err := back.Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids, ref.IDs[i]) {
			t.Fatalf("text %d %q: ours %v, @lenml/tokenizers %v", i, s, ids, ref.IDs[i])
		}
		if got := back.Decode(ids, false); got != s {
			t.Fatalf("round trip: %q != %q", got, s)
		}
		total += len(ids)
		chars += len(s)
	}
	if done, _ := back.Encode("[DONE]"); len(done) != 1 {
		t.Errorf("[DONE] is %d tokens, want 1 (an added token)", len(done))
	}
	t.Logf("%.2f bytes per token on the suite with %d ids", float64(chars)/float64(total), back.VocabSize())
}
