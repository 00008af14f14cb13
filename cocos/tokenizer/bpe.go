package tokenizer

import "strings"

// pair is two adjacent symbols.
type pair struct{ a, b string }

// bpe is the byte-level BPE model: a vocabulary and ranked merges.
type bpe struct {
	vocab        map[string]int
	ranks        map[pair]int
	ignoreMerges bool // a word found whole in the vocabulary skips merging (Llama 3)
}

// word encodes one pre-token, already in byte-level runes, by repeatedly
// merging the adjacent pair of lowest rank, as the reference BPE does.
func (m *bpe) word(w string, out []int) ([]int, error) {
	if m.ignoreMerges {
		if id, ok := m.vocab[w]; ok {
			return append(out, id), nil
		}
	}
	syms := make([]string, 0, len(w))
	for _, r := range w {
		syms = append(syms, string(r))
	}
	for len(syms) > 1 {
		best, at := -1, -1
		for i := 0; i+1 < len(syms); i++ {
			if r, ok := m.ranks[pair{syms[i], syms[i+1]}]; ok && (best < 0 || r < best) {
				best, at = r, i
			}
		}
		if at < 0 {
			break
		}
		first, second := syms[at], syms[at+1]
		j := 0
		for i := 0; i < len(syms); j++ {
			if i+1 < len(syms) && syms[i] == first && syms[i+1] == second {
				syms[j] = first + second
				i += 2
			} else {
				syms[j] = syms[i]
				i++
			}
		}
		syms = syms[:j]
	}
	for _, s := range syms {
		id, ok := m.vocab[s]
		if !ok {
			return out, &unknownSymbolError{s}
		}
		out = append(out, id)
	}
	return out, nil
}

type unknownSymbolError struct{ sym string }

func (e *unknownSymbolError) Error() string {
	return "tokenizer: symbol " + strings.TrimSpace(e.sym) + " is not in the vocabulary (a byte-level vocabulary must hold all 256 byte symbols)"
}
