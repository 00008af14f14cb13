package tokenizer

import (
	"encoding/json"
	"fmt"
	"strings"
)

// fileJSON is the part of Hugging Face's tokenizer.json this package reads
// and writes. Unknown parts make Load fail rather than tokenize differently.
type fileJSON struct {
	Version       string          `json:"version"`
	Truncation    json.RawMessage `json:"truncation"`
	Padding       json.RawMessage `json:"padding"`
	AddedTokens   []AddedToken    `json:"added_tokens"`
	Normalizer    *component      `json:"normalizer"`
	PreTokenizer  *component      `json:"pre_tokenizer"`
	PostProcessor *component      `json:"post_processor"`
	Decoder       *component      `json:"decoder"`
	Model         modelJSON       `json:"model"`
}

// AddedToken is a token matched in raw text before pre-tokenization.
type AddedToken struct {
	ID         int    `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

// component is a normalizer, pre-tokenizer, post-processor or decoder.
type component struct {
	Type           string                     `json:"type"`
	Normalizers    []*component               `json:"normalizers,omitempty"`
	PreTokenizers  []*component               `json:"pretokenizers,omitempty"`
	Processors     []*component               `json:"processors,omitempty"`
	Pattern        *pattern                   `json:"pattern,omitempty"`
	Behavior       string                     `json:"behavior,omitempty"`
	Invert         bool                       `json:"invert,omitempty"`
	AddPrefixSpace bool                       `json:"add_prefix_space"`
	TrimOffsets    bool                       `json:"trim_offsets"`
	UseRegex       bool                       `json:"use_regex"`
	Single         []templatePiece            `json:"single,omitempty"`
	Pair           []templatePiece            `json:"pair,omitempty"`
	SpecialTokens  map[string]templateSpecial `json:"special_tokens,omitempty"`
}

type pattern struct {
	Regex  string `json:"Regex,omitempty"`
	String string `json:"String,omitempty"`
}

type templatePiece struct {
	SpecialToken *struct {
		ID     string `json:"id"`
		TypeID int    `json:"type_id"`
	} `json:"SpecialToken,omitempty"`
	Sequence *struct {
		ID     string `json:"id"`
		TypeID int    `json:"type_id"`
	} `json:"Sequence,omitempty"`
}

type templateSpecial struct {
	ID     string   `json:"id"`
	IDs    []int    `json:"ids"`
	Tokens []string `json:"tokens"`
}

type modelJSON struct {
	Type                    string          `json:"type"`
	Dropout                 *float64        `json:"dropout"`
	UnkToken                *string         `json:"unk_token"`
	ContinuingSubwordPrefix *string         `json:"continuing_subword_prefix"`
	EndOfWordSuffix         *string         `json:"end_of_word_suffix"`
	FuseUnk                 bool            `json:"fuse_unk"`
	ByteFallback            bool            `json:"byte_fallback"`
	IgnoreMerges            bool            `json:"ignore_merges"`
	Vocab                   map[string]int  `json:"vocab"`
	Merges                  json.RawMessage `json:"merges"`
}

// parseMerges reads merges in either published form: "a b" strings
// (older files) or [a, b] pairs (newer ones).
func parseMerges(raw json.RawMessage) ([]pair, error) {
	var strs []string
	if err := json.Unmarshal(raw, &strs); err == nil {
		out := make([]pair, len(strs))
		for i, s := range strs {
			a, b, ok := strings.Cut(s, " ")
			if !ok {
				return nil, fmt.Errorf("merge %d %q is not two symbols", i, s)
			}
			out[i] = pair{a, b}
		}
		return out, nil
	}
	var pairs [][2]string
	if err := json.Unmarshal(raw, &pairs); err != nil {
		return nil, fmt.Errorf("merges: want strings or pairs of strings: %w", err)
	}
	out := make([]pair, len(pairs))
	for i, p := range pairs {
		out[i] = pair{p[0], p[1]}
	}
	return out, nil
}

// MarshalJSON writes each component with exactly its type's fields:
// tokenizers reads an absent ByteLevel flag as true.
func (c *component) MarshalJSON() ([]byte, error) {
	m := map[string]any{"type": c.Type}
	switch c.Type {
	case "Sequence":
		switch {
		case c.Normalizers != nil:
			m["normalizers"] = c.Normalizers
		case c.PreTokenizers != nil:
			m["pretokenizers"] = c.PreTokenizers
		default:
			m["processors"] = c.Processors
		}
	case "Split":
		m["pattern"], m["behavior"], m["invert"] = c.Pattern, c.Behavior, c.Invert
	case "ByteLevel":
		m["add_prefix_space"], m["trim_offsets"], m["use_regex"] = c.AddPrefixSpace, c.TrimOffsets, c.UseRegex
	case "TemplateProcessing":
		m["single"], m["pair"], m["special_tokens"] = c.Single, c.Pair, c.SpecialTokens
	}
	return json.Marshal(m)
}
