// Package prompt builds the CoCoS prompts and extracts code from model
// responses, exactly as the protocol specifies (../shared/paper/PROTOCOL.md).
package prompt

import (
	"strings"

	"github.com/cocos-go/cocos/data"
)

// Markers of the MBPP-style format.
const (
	Begin   = "[BEGIN]"
	Done    = "[DONE]"
	Correct = "[CORRECT]"
)

// Instruction is the correction instruction used in training and in the
// paper's main results.
const Instruction = "\n\nThere might be an error in the code above because of lack of understanding of the question. " +
	"Please correct the error, if any, and rewrite the solution. Only output the final correct Python program!\n\n"

// Paraphrases are five rewordings of Instruction for section 8.4's
// robustness study (Appendix G's wording is not in the paper's text; these
// keep its meaning and its "if any").
func Paraphrases() []string {
	return []string{
		"\n\nThe code above may contain a mistake caused by misreading the task. Fix the mistake if there is one and write the whole solution again. Output only the final, correct Python program!\n\n",
		"\n\nReview the solution above: it might be wrong because the question was misunderstood. If you find an error, correct it and rewrite the program. Reply with the final correct Python code only!\n\n",
		"\n\nPlease check the program above for errors that come from misunderstanding the problem. Correct any error you find and give the complete solution again. Only the final Python program, please!\n\n",
		"\n\nThe previous answer could be incorrect due to a misunderstanding of the task. If so, repair it and rewrite the solution in full. Respond with nothing but the final correct Python program!\n\n",
		"\n\nThere may be a bug in the code above resulting from a misreading of the question. Correct it, if needed, and rewrite the solution. Output just the final correct Python program!\n\n",
	}
}

// Builder makes turn prompts and reads code out of responses. The zero
// value is the paper's zero-shot format with Instruction; the other fields
// are where the authors' released code departs from the paper's text
// (recipe.Released sets them all).
type Builder struct {
	// Instruction replaces the correction instruction when set.
	Instruction string
	// FewShot, when set, is a prefix of worked examples (see FewShotPrefix);
	// later turns then end in [BEGIN] instead of [CORRECT], as in section 4.
	FewShot string
	// History is what a turn t ≥ 2 shows of the turns before it.
	History History
	// FewShotOnce shows FewShot at turn 1 only (the released code); with
	// History Full the block is part of every later prompt's history too
	// unless this is set, which drops it there.
	FewShotOnce bool
	// StripTests strips the joined unit tests of surrounding whitespace,
	// in the task and in FewShotPrefix's examples (the released code).
	StripTests bool
	// Extraction is the rule that reads the program out of a response.
	Extraction Extraction
}

// History is what a later turn's prompt shows of the dialogue so far.
type History int

const (
	// Full appends each turn to the whole dialogue before it (the paper).
	Full History = iota
	// Last rebuilds every turn t ≥ 2 from the task and turn t−1's code
	// only (the released code; at T = 2 without few-shot both read the same).
	Last
)

func (h History) String() string { return [...]string{"full", "last"}[h] }

// Extraction is a rule for the program in a model response.
type Extraction int

const (
	// PaperExtraction is Extract: up to the first [DONE], fences and
	// markers removed line by line, surrounding newlines trimmed.
	PaperExtraction Extraction = iota
	// ReleasedExtraction is ExtractReleased, the authors' code_process.
	ReleasedExtraction
)

func (e Extraction) String() string { return [...]string{"paper", "released"}[e] }

// Extract reads the program out of a response by the builder's rule.
func (b Builder) Extract(response string) string {
	if b.Extraction == ReleasedExtraction {
		return ExtractReleased(response)
	}
	return Extract(response)
}

func (b Builder) instruction() string {
	if b.Instruction != "" {
		return b.Instruction
	}
	return Instruction
}

// First is the turn-1 prompt of a problem.
func (b Builder) First(p data.Problem) string {
	return b.FewShot + b.taskPrompt(p)
}

// taskIntro opens a task statement; testsIntro and testsEnd enclose its
// unit tests.
const (
	taskIntro  = "You are an expert Python programmer, and here is your task: "
	testsIntro = " Your code should pass these tests:\n\n"
	testsEnd   = "\n\n" + Begin + "\n"
)

// taskPrompt is the MBPP-style task statement, ending in [BEGIN].
func (b Builder) taskPrompt(p data.Problem) string {
	tests := strings.Join(p.Tests, "\n")
	if b.StripTests {
		tests = strings.TrimSpace(tests) // Python's str.strip(): ASCII whitespace
	}
	return taskIntro + p.Text + testsIntro + tests + testsEnd
}

// Tests returns the unit tests a turn prompt shows for its task (after
// any few-shot examples), one per line as taskPrompt joined them, and
// false when the prompt holds no task statement. Diagnostics read what the
// tests call from the stored prompts alone.
func Tests(prompt string) (string, bool) {
	i := strings.LastIndex(prompt, testsIntro)
	if i < 0 {
		return "", false
	}
	rest := prompt[i+len(testsIntro):]
	j := strings.Index(rest, testsEnd)
	if j < 0 {
		return "", false
	}
	return rest[:j], true
}

// Task returns the task description a turn prompt shows (after any
// few-shot examples), "" when it holds none.
func Task(prompt string) string {
	i := strings.LastIndex(prompt, testsIntro)
	if i < 0 {
		return ""
	}
	j := strings.LastIndex(prompt[:i], taskIntro)
	if j < 0 {
		return ""
	}
	return prompt[j+len(taskIntro) : i]
}

// Answer is what a turn writes after its prompt: the code, then \n[DONE].
// A later turn's prompt holds its predecessors' answers verbatim, which is
// how RL finds the turn-1 tokens inside it.
func Answer(code string) string { return code + "\n" + Done }

// Next is the prompt of problem p's turn after one that was given prev
// (its full prompt) and produced code (the extracted program): the history
// (prev under Full; p's task alone under Last), the code, then \n[DONE],
// the instruction, and [CORRECT]\n ([BEGIN]\n with a few-shot prefix).
func (b Builder) Next(p data.Problem, prev, code string) string {
	end := Correct + "\n"
	if b.FewShot != "" {
		end = Begin + "\n"
	}
	history := prev
	switch {
	case b.History == Last:
		history = b.taskPrompt(p)
		if !b.FewShotOnce {
			history = b.FewShot + history
		}
	case b.FewShotOnce:
		history = strings.TrimPrefix(prev, b.FewShot)
	}
	return history + Answer(code) + b.instruction() + end
}

// FewShotPrefix is the block of worked examples section 4 uses: each
// problem (MBPP's prompt split, task ids 1-3) as a turn-1 prompt followed
// by its code and \n[DONE]\n\n.
func FewShotPrefix(examples []data.Problem) string { return Builder{}.FewShotPrefix(examples) }

// FewShotPrefix is the few-shot block in the builder's task format (the
// released code strips each example's tests and the block's start).
func (b Builder) FewShotPrefix(examples []data.Problem) string {
	var s strings.Builder
	for _, p := range examples {
		s.WriteString(b.taskPrompt(p) + Answer(p.Code) + "\n\n")
	}
	if b.StripTests {
		return strings.TrimLeft(s.String(), pyWhitespace)
	}
	return s.String()
}

// Corpus is the text a from-scratch tokenizer for the suite learns from:
// each task's turn-1 prompt, its reference solution ending in [DONE], and
// its first wrong solution (what turn-2 prompts quote).
func Corpus(tasks []data.Task) []string {
	var texts []string
	for _, tk := range tasks {
		texts = append(texts, Builder{}.First(tk.Problem), Answer(tk.Code))
		if len(tk.Wrong) > 0 {
			texts = append(texts, tk.Wrong[0])
		}
	}
	return texts
}
