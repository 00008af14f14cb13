// Package tokenizer is a byte-level BPE tokenizer that reads and writes
// Hugging Face's tokenizer.json: the Qwen2 and Llama 3 tokenizers, and the
// small ones this project trains for its tiny models. Encoding and decoding
// are checked id for id against an independent implementation
// (@lenml/tokenizers) over MBPP, HumanEval and ODEX.
package tokenizer

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/dlclark/regexp2"
	"golang.org/x/text/unicode/norm"
)

// Tokenizer encodes text to token ids and back. It is safe for concurrent use.
type Tokenizer struct {
	file    fileJSON
	model   bpe
	tokens  []string // id -> token (byte-level runes, or an added token's text)
	added   map[int]AddedToken
	addedID map[string]int // added token content -> id
	addedRe *regexp.Regexp // matches any added token in raw text
	nfc     bool
	steps   []preStep
	prefix  []int // the post-processor's special ids around a sequence
	suffix  []int

	// BOS, EOS and PAD are the ids of the special tokens named by
	// tokenizer_config.json (LoadDir), or -1.
	BOS, EOS, PAD int

	mu    sync.RWMutex
	cache map[string][]int
}

// preStep splits pieces of text further, as one pre-tokenizer does.
type preStep func(pieces []string, first bool) []string

// LoadDir reads dir/tokenizer.json and, when present, dir/tokenizer_config.json
// for the names of the BOS, EOS and PAD tokens.
func LoadDir(dir string) (*Tokenizer, error) {
	t, err := Load(filepath.Join(dir, "tokenizer.json"))
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(dir, "tokenizer_config.json"))
	if os.IsNotExist(err) {
		return t, nil
	}
	if err != nil {
		return nil, err
	}
	var cfg map[string]json.RawMessage
	if err := json.Unmarshal(b, &cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "tokenizer_config.json"), err)
	}
	for key, dst := range map[string]*int{"bos_token": &t.BOS, "eos_token": &t.EOS, "pad_token": &t.PAD} {
		if name := tokenName(cfg[key]); name != "" {
			id, ok := t.TokenID(name)
			if !ok {
				return nil, fmt.Errorf("tokenizer_config.json: %s %q is not a token", key, name)
			}
			*dst = id
		}
	}
	return t, nil
}

// tokenName reads a special-token entry: a string or {"content": ...}.
func tokenName(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var obj struct{ Content string }
	if json.Unmarshal(raw, &obj) == nil {
		return obj.Content
	}
	return ""
}

// Load reads a tokenizer.json file.
func Load(path string) (*Tokenizer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f fileJSON
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	t, err := build(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// build checks a parsed tokenizer.json and prepares it for encoding.
func build(f fileJSON) (*Tokenizer, error) {
	if f.Model.Type != "BPE" {
		return nil, fmt.Errorf("model type %q: only BPE is supported", f.Model.Type)
	}
	if f.Model.ByteFallback || f.Model.ContinuingSubwordPrefix != nil && *f.Model.ContinuingSubwordPrefix != "" ||
		f.Model.EndOfWordSuffix != nil && *f.Model.EndOfWordSuffix != "" || f.Model.Dropout != nil && *f.Model.Dropout != 0 {
		return nil, fmt.Errorf("model: byte_fallback, subword prefixes/suffixes and dropout are not supported")
	}
	merges, err := parseMerges(f.Model.Merges)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	t := &Tokenizer{file: f, BOS: -1, EOS: -1, PAD: -1, added: map[int]AddedToken{}, addedID: map[string]int{}, cache: map[string][]int{}}
	t.model = bpe{vocab: f.Model.Vocab, ranks: make(map[pair]int, len(merges)), ignoreMerges: f.Model.IgnoreMerges}
	for i, m := range merges {
		if _, dup := t.model.ranks[m]; !dup {
			t.model.ranks[m] = i
		}
	}
	size := 0
	for _, id := range f.Model.Vocab {
		size = max(size, id+1)
	}
	for _, a := range f.AddedTokens {
		size = max(size, a.ID+1)
	}
	t.tokens = make([]string, size)
	for tok, id := range f.Model.Vocab {
		t.tokens[id] = tok
	}
	if err := t.buildAdded(f.AddedTokens); err != nil {
		return nil, err
	}
	if t.nfc, err = parseNormalizer(f.Normalizer); err != nil {
		return nil, err
	}
	if t.steps, err = parsePreTokenizer(f.PreTokenizer); err != nil {
		return nil, err
	}
	if err := checkDecoder(f.Decoder); err != nil {
		return nil, err
	}
	if t.prefix, t.suffix, err = parsePostProcessor(f.PostProcessor); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *Tokenizer) buildAdded(added []AddedToken) error {
	var lits []string
	for _, a := range added {
		if a.Normalized && t.file.Normalizer != nil || a.LStrip || a.RStrip || a.SingleWord {
			return fmt.Errorf("added token %q: normalized/lstrip/rstrip/single_word matching is not supported", a.Content)
		}
		t.added[a.ID] = a
		t.addedID[a.Content] = a.ID
		t.tokens[a.ID] = a.Content
		lits = append(lits, a.Content)
	}
	if len(lits) == 0 {
		return nil
	}
	// Longest first: Go's alternation is leftmost-first, which then picks
	// the longest token starting at the leftmost match, as HF does.
	sort.SliceStable(lits, func(i, j int) bool { return len(lits[i]) > len(lits[j]) })
	for i, l := range lits {
		lits[i] = regexp.QuoteMeta(l)
	}
	t.addedRe = regexp.MustCompile(strings.Join(lits, "|"))
	return nil
}

func parseNormalizer(c *component) (nfc bool, err error) {
	if c == nil {
		return false, nil
	}
	switch c.Type {
	case "NFC":
		return true, nil
	case "Sequence":
		for _, n := range c.Normalizers {
			ok, err := parseNormalizer(n)
			if err != nil {
				return false, err
			}
			nfc = nfc || ok
		}
		return nfc, nil
	}
	return false, fmt.Errorf("normalizer %q is not supported", c.Type)
}

// gpt2Pattern is what a ByteLevel pre-tokenizer with use_regex splits on.
const gpt2Pattern = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`

func parsePreTokenizer(c *component) ([]preStep, error) {
	if c == nil {
		return nil, nil
	}
	switch c.Type {
	case "Sequence":
		var steps []preStep
		for _, p := range c.PreTokenizers {
			s, err := parsePreTokenizer(p)
			if err != nil {
				return nil, err
			}
			steps = append(steps, s...)
		}
		return steps, nil
	case "Split":
		if c.Pattern == nil || c.Behavior != "Isolated" || c.Invert {
			return nil, fmt.Errorf("pre-tokenizer Split: only an isolated, non-inverted pattern is supported")
		}
		expr := c.Pattern.Regex
		if expr == "" {
			expr = regexp.QuoteMeta(c.Pattern.String)
		}
		re, err := regexp2.Compile(expr, regexp2.Unicode)
		if err != nil {
			return nil, fmt.Errorf("pre-tokenizer Split: %w", err)
		}
		return []preStep{isolate(re)}, nil
	case "ByteLevel":
		var steps []preStep
		if c.AddPrefixSpace {
			steps = append(steps, func(ps []string, first bool) []string {
				if first && len(ps) > 0 && !strings.HasPrefix(ps[0], " ") {
					ps[0] = " " + ps[0]
				}
				return ps
			})
		}
		if c.UseRegex {
			steps = append(steps, isolate(regexp2.MustCompile(gpt2Pattern, regexp2.Unicode)))
		}
		return append(steps, func(ps []string, _ bool) []string {
			for i, p := range ps {
				ps[i] = byteLevel(p)
			}
			return ps
		}), nil
	}
	return nil, fmt.Errorf("pre-tokenizer %q is not supported", c.Type)
}

// isolate splits each piece into the pattern's matches and the text
// between them (HF's Split with behavior Isolated).
func isolate(re *regexp2.Regexp) preStep {
	return func(pieces []string, _ bool) []string {
		var out []string
		for _, p := range pieces {
			runes := []rune(p)
			last := 0
			m, _ := re.FindRunesMatch(runes)
			for m != nil {
				if m.Index > last {
					out = append(out, string(runes[last:m.Index]))
				}
				if m.Length > 0 {
					out = append(out, string(runes[m.Index:m.Index+m.Length]))
				}
				last = m.Index + m.Length
				m, _ = re.FindNextMatch(m)
			}
			if last < len(runes) {
				out = append(out, string(runes[last:]))
			}
		}
		return out
	}
}

func checkDecoder(c *component) error {
	if c == nil || c.Type == "ByteLevel" {
		return nil
	}
	return fmt.Errorf("decoder %q is not supported", c.Type)
}

// parsePostProcessor reads the special ids a TemplateProcessing puts
// around a single sequence; ByteLevel post-processing only trims offsets.
func parsePostProcessor(c *component) (prefix, suffix []int, err error) {
	if c == nil {
		return nil, nil, nil
	}
	switch c.Type {
	case "ByteLevel":
		return nil, nil, nil
	case "Sequence":
		for _, p := range c.Processors {
			pre, suf, err := parsePostProcessor(p)
			if err != nil {
				return nil, nil, err
			}
			prefix, suffix = append(prefix, pre...), append(suffix, suf...)
		}
		return prefix, suffix, nil
	case "TemplateProcessing":
		seen := false
		for _, piece := range c.Single {
			switch {
			case piece.Sequence != nil:
				seen = true
			case piece.SpecialToken != nil:
				sp, ok := c.SpecialTokens[piece.SpecialToken.ID]
				if !ok {
					return nil, nil, fmt.Errorf("post-processor: special token %q has no ids", piece.SpecialToken.ID)
				}
				if seen {
					suffix = append(suffix, sp.IDs...)
				} else {
					prefix = append(prefix, sp.IDs...)
				}
			}
		}
		return prefix, suffix, nil
	}
	return nil, nil, fmt.Errorf("post-processor %q is not supported", c.Type)
}

// VocabSize is the number of ids, added tokens included.
func (t *Tokenizer) VocabSize() int { return len(t.tokens) }

// TokenID returns the id of a token given as text (an added token's
// content, or a vocabulary entry in byte-level form).
func (t *Tokenizer) TokenID(tok string) (int, bool) {
	if id, ok := t.addedID[tok]; ok {
		return id, true
	}
	id, ok := t.model.vocab[tok]
	return id, ok
}

// Token returns the text of id: its byte-level form for vocabulary tokens.
func (t *Tokenizer) Token(id int) string {
	if id < 0 || id >= len(t.tokens) {
		return ""
	}
	return t.tokens[id]
}

// IsSpecial reports whether id is a special added token.
func (t *Tokenizer) IsSpecial(id int) bool { return t.added[id].Special && t.added[id].Content != "" }

// Encode tokenizes text without the post-processor's special tokens.
// Added tokens in the text (such as <|endoftext|>) become their ids.
func (t *Tokenizer) Encode(text string) ([]int, error) {
	var ids []int
	first := true
	last := 0
	if t.addedRe != nil {
		for _, loc := range t.addedRe.FindAllStringIndex(text, -1) {
			var err error
			if ids, err = t.encodeText(text[last:loc[0]], ids, &first); err != nil {
				return nil, err
			}
			ids = append(ids, t.addedID[text[loc[0]:loc[1]]])
			last = loc[1]
		}
	}
	return t.encodeText(text[last:], ids, &first)
}

// EncodeWithSpecial tokenizes text and adds the post-processor's special
// tokens (Llama 3's <|begin_of_text|>), as add_special_tokens=True does.
func (t *Tokenizer) EncodeWithSpecial(text string) ([]int, error) {
	ids, err := t.Encode(text)
	if err != nil {
		return nil, err
	}
	return append(append(append([]int{}, t.prefix...), ids...), t.suffix...), nil
}

func (t *Tokenizer) encodeText(s string, ids []int, first *bool) ([]int, error) {
	if s == "" {
		return ids, nil
	}
	if t.nfc {
		s = norm.NFC.String(s)
	}
	pieces := []string{s}
	for _, step := range t.steps {
		pieces = step(pieces, *first)
	}
	*first = false
	for _, p := range pieces {
		var err error
		if ids, err = t.word(p, ids); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// word encodes one pre-token, through a cache: text repeats words a lot.
func (t *Tokenizer) word(w string, ids []int) ([]int, error) {
	t.mu.RLock()
	cached, ok := t.cache[w]
	t.mu.RUnlock()
	if ok {
		return append(ids, cached...), nil
	}
	enc, err := t.model.word(w, nil)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	if len(t.cache) > 1<<16 {
		clear(t.cache)
	}
	t.cache[w] = enc
	t.mu.Unlock()
	return append(ids, enc...), nil
}

// TokenBytes is the raw bytes one token stands for: a byte-level token may
// hold part of a character, which Decode would replace by U+FFFD.
func (t *Tokenizer) TokenBytes(id int) []byte {
	if id < 0 || id >= len(t.tokens) {
		return nil
	}
	if a, ok := t.added[id]; ok {
		return []byte(a.Content)
	}
	return fromByteLevel(nil, t.tokens[id])
}

// Decode turns ids back into text. Invalid UTF-8 (a sequence cut inside a
// character) becomes U+FFFD; special tokens are kept unless skipSpecial.
func (t *Tokenizer) Decode(ids []int, skipSpecial bool) string {
	var b []byte
	for _, id := range ids {
		if id < 0 || id >= len(t.tokens) {
			continue
		}
		if a, ok := t.added[id]; ok {
			if !(skipSpecial && a.Special) {
				b = append(b, a.Content...)
			}
			continue
		}
		b = fromByteLevel(b, t.tokens[id])
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}
