package main

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// invocations are every command and subcommand that takes flags.
var invocations = [][]string{
	{"exec"}, {"data", "stats"}, {"data", "fetch"}, {"generate"}, {"init"}, {"demo"}, {"serve"}, {"report"}, {"pjrt", "install"}, {"eval"},
	{"bench", "sandbox"}, {"bench", "model"}, {"bench", "generate"}, {"bench", "rloo"},
	{"train", "sft"}, {"train", "cocos"}, {"train", "score"}, {"train", "turn-rl"},
	{"train", "turn-sft"}, {"train", "self-corrector"}, {"train", "revise"},
}

// ownMeaning are the flags whose meaning is each command's own object, so
// their help differs by design: what a batch, a step or a sample counts.
var ownMeaning = map[string]string{
	"batch":      "examples, prompts, preference pairs, or a benchmark's rows",
	"steps":      "a trainer's steps, or the steps a benchmark times",
	"out":        "a run directory, an Arrow directory, or the model directory init writes",
	"dtype":      "init writes a file in it; everywhere else it is the compute dtype",
	"limit":      "problems, or train sft's two-turn pairs",
	"max-len":    "an SFT example or a preference pair",
	"beta":       "RLOO's KL coefficient or DPO's β",
	"preset":     "what init writes or a benchmark builds",
	"samples":    "per problem or per prompt, as the command samples",
	"turns":      "of an evaluation or of a benchmark's trajectories",
	"prompts":    "a benchmark's prompts",
	"prompt-len": "a benchmark's prompt length",
	"new-tokens": "a benchmark's answer length",
	"slots":      "the server's or a benchmark's engine",
}

// TestFlagsMeanOneThing checks that a flag has one help text in every
// command that takes it (but for ownMeaning's), so the flag sets of
// flags.go are declared once and shared, not redeclared with other words.
func TestFlagsMeanOneThing(t *testing.T) {
	bin := buildCocos(t)
	seen := map[string]bool{}
	help := map[string]map[string][]string{} // flag → help → commands
	flagLine, defaults := regexp.MustCompile(`^  -(\S+)`), regexp.MustCompile(` \(default .*\)$`)
	for _, inv := range invocations {
		seen[inv[0]] = true
		out, _ := exec.Command(bin, append(inv, "-h")...).CombinedOutput()
		lines := strings.Split(string(out), "\n")
		if !strings.HasPrefix(lines[0], "Usage: cocos "+strings.Join(inv, " ")) {
			t.Fatalf("cocos %s -h: no usage:\n%s", strings.Join(inv, " "), out)
		}
		for i, l := range lines {
			m := flagLine.FindStringSubmatch(l)
			if m == nil || i+1 == len(lines) {
				continue
			}
			text := defaults.ReplaceAllString(strings.TrimSpace(lines[i+1]), "")
			if help[m[1]] == nil {
				help[m[1]] = map[string][]string{}
			}
			help[m[1]][text] = append(help[m[1]][text], strings.Join(inv, " "))
		}
	}
	for name := range commands {
		if !seen[name] {
			t.Errorf("command %s is not in invocations: add it", name)
		}
	}
	for name, texts := range help {
		if len(texts) > 1 && ownMeaning[name] == "" {
			t.Errorf("--%s has %d help texts (declare it once in flags.go):", name, len(texts))
			for text, cmds := range texts {
				t.Errorf("  %q in %v", text, cmds)
			}
		}
	}
	for _, shared := range []string{"model", "backend", "seed", "data", "lora-rank", "checkpoint", "max-new-tokens", "temperature", "recipe", "python"} {
		if len(help[shared]) != 1 {
			t.Errorf("--%s: %d help texts, want one", shared, len(help[shared]))
		}
	}
}
