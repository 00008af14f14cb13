package tokenizer

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/dlclark/regexp2"
)

// splitPattern is Llama 3's pre-tokenizer pattern (digits in runs of at
// most three), used for the tokenizers this package trains.
const splitPattern = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`

// TrainConfig sizes a byte-level BPE tokenizer. Zero fields take defaults.
type TrainConfig struct {
	// VocabSize is the number of ids, added tokens included. Default 1024.
	VocabSize int
	// Added are tokens matched whole in raw text before anything else;
	// the first is the end-of-text token (EOS and PAD). Default:
	// <|endoftext|> and the protocol's markers [BEGIN], [DONE], [CORRECT].
	Added []string
	// MinFrequency is the least count a pair needs to be merged. Default 2.
	MinFrequency int
}

// Train learns a byte-level BPE tokenizer from texts: the 256 byte symbols,
// then the most frequent adjacent pair merged, again and again, until the
// vocabulary is full. Ties break on the pair's text, so training is
// deterministic.
func Train(texts []string, cfg TrainConfig) (*Tokenizer, error) {
	if cfg.VocabSize <= 0 {
		cfg.VocabSize = 1024
	}
	if cfg.Added == nil {
		cfg.Added = []string{"<|endoftext|>", "[BEGIN]", "[DONE]", "[CORRECT]"}
	}
	if cfg.MinFrequency <= 0 {
		cfg.MinFrequency = 2
	}
	if cfg.VocabSize < 256+len(cfg.Added) {
		return nil, fmt.Errorf("tokenizer: a vocabulary of %d cannot hold 256 bytes and %d added tokens", cfg.VocabSize, len(cfg.Added))
	}
	words := countWords(texts, cfg.Added)
	vocab := map[string]int{}
	for b := 0; b < 256; b++ {
		vocab[string(byteToRune[b])] = b
	}
	var merges [][2]string
	for len(vocab)+len(cfg.Added) < cfg.VocabSize {
		best, n := bestPair(words)
		if n < cfg.MinFrequency {
			break
		}
		merged := best.a + best.b
		merges = append(merges, [2]string{best.a, best.b})
		vocab[merged] = len(vocab)
		for _, w := range words {
			w.syms = mergeSyms(w.syms, best, merged)
		}
	}
	f := fileJSON{
		Version:    "1.0",
		Normalizer: &component{Type: "NFC"},
		PreTokenizer: &component{Type: "Sequence", PreTokenizers: []*component{
			{Type: "Split", Pattern: &pattern{Regex: splitPattern}, Behavior: "Isolated"},
			{Type: "ByteLevel"},
		}},
		PostProcessor: &component{Type: "ByteLevel"},
		Decoder:       &component{Type: "ByteLevel"},
		Model:         modelJSON{Type: "BPE", Vocab: vocab},
	}
	f.Model.Merges, _ = json.Marshal(merges)
	for i, a := range cfg.Added {
		f.AddedTokens = append(f.AddedTokens, AddedToken{ID: len(vocab) + i, Content: a, Special: i == 0})
	}
	t, err := build(f)
	if err != nil {
		return nil, err
	}
	t.EOS, t.PAD = len(vocab), len(vocab)
	return t, nil
}

type trainWord struct {
	syms  []string
	count int
}

// countWords pre-tokenizes texts as the trained tokenizer will, leaving
// out the added tokens, and counts each distinct word.
func countWords(texts, added []string) []*trainWord {
	re := regexp2.MustCompile(splitPattern, regexp2.Unicode)
	split := isolate(re)
	counts := map[string]int{}
	for _, text := range texts {
		for _, part := range splitAdded(text, added) {
			for _, w := range split([]string{part}, false) {
				counts[byteLevel(w)]++
			}
		}
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	words := make([]*trainWord, len(keys))
	for i, k := range keys {
		w := &trainWord{count: counts[k]}
		for _, r := range k {
			w.syms = append(w.syms, string(r))
		}
		words[i] = w
	}
	return words
}

func splitAdded(text string, added []string) []string {
	parts := []string{text}
	for _, a := range added {
		var next []string
		for _, p := range parts {
			for {
				i := indexOf(p, a)
				if i < 0 {
					next = append(next, p)
					break
				}
				next = append(next, p[:i])
				p = p[i+len(a):]
			}
		}
		parts = next
	}
	return parts
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func bestPair(words []*trainWord) (pair, int) {
	counts := map[pair]int{}
	for _, w := range words {
		for i := 0; i+1 < len(w.syms); i++ {
			counts[pair{w.syms[i], w.syms[i+1]}] += w.count
		}
	}
	var best pair
	n := 0
	for p, c := range counts {
		if c > n || c == n && p.a+" "+p.b < best.a+" "+best.b {
			best, n = p, c
		}
	}
	return best, n
}

func mergeSyms(syms []string, p pair, merged string) []string {
	j := 0
	for i := 0; i < len(syms); j++ {
		if i+1 < len(syms) && syms[i] == p.a && syms[i+1] == p.b {
			syms[j] = merged
			i += 2
		} else {
			syms[j] = syms[i]
			i++
		}
	}
	return syms[:j]
}

// SaveDir writes tokenizer.json and tokenizer_config.json to dir, in the
// format LoadDir and Hugging Face's tokenizers read.
func (t *Tokenizer) SaveDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(t.file, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), b, 0o644); err != nil {
		return err
	}
	cfg := map[string]any{"tokenizer_class": "PreTrainedTokenizerFast", "clean_up_tokenization_spaces": false,
		"model_max_length": 1 << 20}
	for key, id := range map[string]int{"bos_token": t.BOS, "eos_token": t.EOS, "pad_token": t.PAD} {
		if id >= 0 {
			cfg[key] = t.Token(id)
		}
	}
	b, _ = json.MarshalIndent(cfg, "", "  ")
	return os.WriteFile(filepath.Join(dir, "tokenizer_config.json"), b, 0o644)
}
