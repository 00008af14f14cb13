package prompt

import (
	"strings"
	"unicode"
)

// Extract returns the program in a model response: the text up to the
// first [DONE] (from after a [CORRECT] or [BEGIN] the model repeated before
// its code, if any), else the whole response; markdown fences and the three
// markers are stripped.
func Extract(response string) string {
	s := response
	if i := strings.Index(s, Done); i >= 0 {
		s = s[:i]
	}
	for _, m := range []string{Correct, Begin} {
		// Code after a marker the model repeated; a trailing marker
		// (nothing after it) is just stripped below.
		if i := strings.LastIndex(s, m); i >= 0 && strings.TrimSpace(s[i+len(m):]) != "" {
			s = s[i+len(m):]
			break
		}
	}
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			continue
		}
		lines = append(lines, l)
	}
	s = strings.Join(lines, "\n")
	for _, m := range []string{Begin, Done, Correct} {
		s = strings.ReplaceAll(s, m, "")
	}
	return strings.Trim(s, "\n")
}

// ExtractReleased is the authors' released rule (their code_process, as
// their trainer and evaluator call it), applied to a response decoded
// without special tokens: the text is first cleaned of the spaces
// Hugging Face's decode removes (CleanUpTokenizationSpaces) and stripped;
// if it holds [DONE], the text up to and including the first one is
// stripped, then only the substrings "```python\n" and "\n```" and the
// three markers are removed; the result is stripped again. Without [DONE]
// the response is judged as it is (fences and all): their fallbacks on
// [CORRECT]…[DONE] and [BEGIN]…[DONE] need a [DONE] too and never fire.
func ExtractReleased(response string) string {
	s := pyStrip(CleanUpTokenizationSpaces(response))
	if i := strings.Index(s, Done); i >= 0 {
		s = pyStrip(s[:i+len(Done)])
		for _, m := range []string{"```python\n", "\n```", Begin, Done, Correct} {
			s = strings.ReplaceAll(s, m, "")
		}
	}
	return pyStrip(s)
}

// CleanUpTokenizationSpaces is what Hugging Face's decode does with
// clean_up_tokenization_spaces=True, which the released code passes: it
// drops the space before . ? ! , and English contractions, and turns
// " ' " into "'" — in Python source that can change a program
// ("a + ' ' + b" becomes "a +” + b").
func CleanUpTokenizationSpaces(s string) string {
	// In transformers' order, each on the previous one's output: one pass
	// would differ where a replacement makes another's pattern ("x  ' s").
	for _, r := range [...][2]string{{" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"},
		{" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}} {
		s = strings.ReplaceAll(s, r[0], r[1])
	}
	return s
}

// pyWhitespace is the ASCII part of what Python's str.strip() removes.
const pyWhitespace = " \t\n\r\v\f\x1c\x1d\x1e\x1f"

// pyStrip is Python's str.strip() without arguments: Unicode white space
// and the four ASCII separators Python counts as space.
func pyStrip(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
	})
}
