package recipe

import (
	"reflect"
	"strings"
	"testing"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/cocos/prompt"
	"github.com/cocos-go/cocos/cocos/reward"
	"github.com/cocos-go/cocos/cocos/rl"
)

// TestDepartures: the paper recipe is the zero value; each departure alone
// changes the paper's recipe in its own fields, and together they make the
// released one, fact by fact from PROTOCOL.md.
func TestDepartures(t *testing.T) {
	if p := Paper(); !reflect.DeepEqual(p, Recipe{Name: "paper"}) {
		t.Fatalf("paper recipe %+v is not the zero value", p)
	}
	want := Recipe{Name: "released", Mode: rl.Turn2, Budget: true, BoostWithoutEOS: true, TopK: 50, RawCount: true,
		History: prompt.Last, FewShotOnce: true, StripTests: true, Extraction: prompt.ReleasedExtraction,
		SCoReFirstShared: true, Clip: 0.2}
	if got := Released(); !reflect.DeepEqual(got, want) {
		t.Fatalf("released recipe\n%+v\nwant\n%+v", got, want)
	}
	seen := map[string]bool{}
	for _, d := range Departures() {
		r, err := Parse("paper+" + d.Name)
		if err != nil {
			t.Fatal(err)
		}
		r.Name = "paper"
		if reflect.DeepEqual(r, Paper()) {
			t.Errorf("departure %s changes nothing", d.Name)
		}
		// Each departure owns distinct fields: no two set the same one.
		rv := reflect.ValueOf(r)
		for i := range rv.NumField() {
			if f := rv.Type().Field(i).Name; !rv.Field(i).IsZero() && f != "Name" {
				if seen[f] {
					t.Errorf("field %s set by two departures", f)
				}
				seen[f] = true
			}
		}
	}
}

// TestParse: names read back, unknown ones are refused with the list.
func TestParse(t *testing.T) {
	for _, c := range []struct {
		name string
		ok   bool
	}{{"paper", true}, {"released", true}, {"", true}, {"paper+budget+top-k", true}, {"released+clip", true},
		{"paper+nope", false}, {"authors", false}} {
		r, err := Parse(c.name)
		if (err == nil) != c.ok {
			t.Errorf("Parse(%q): %v", c.name, err)
			continue
		}
		if err != nil {
			if !strings.Contains(err.Error(), "budget") && !strings.Contains(err.Error(), "released") {
				t.Errorf("Parse(%q) error does not list the choices: %v", c.name, err)
			}
			continue
		}
		if want := c.name; want != "" && r.String() != want {
			t.Errorf("Parse(%q).String() = %q", c.name, r.String())
		}
	}
	r, err := Paper().With("budget", "count")
	if err != nil || r.String() != "paper+budget+count" || !r.Budget || !r.RawCount {
		t.Errorf("With: %+v %v", r, err)
	}
}

// TestApply: the recipe's settings reach the prompts, the reward, the RL
// configuration and evaluation's decoding; the paper's leave a caller's
// explicit choices alone.
func TestApply(t *testing.T) {
	rel := Released()
	b := rel.Prompts(prompt.Builder{Instruction: "x"})
	if b.History != prompt.Last || !b.StripTests || !b.FewShotOnce || b.Extraction != prompt.ReleasedExtraction || b.Instruction != "x" {
		t.Errorf("released prompts %+v", b)
	}
	if rel.Reward(reward.Progressive) != reward.PassedCount || rel.Reward(reward.Binary) != reward.Binary {
		t.Error("released rewards: raw counts for the progressive reward, binary stays binary")
	}
	c := rel.RL(rl.RLOOConfig{Mode: rl.Trajectory}, true, false)
	if c.Mode != rl.Turn2 || !c.Budget || c.TopK != 50 || c.OldLogProbs != rl.SampledLogProbs || c.Clip != 0.2 {
		t.Errorf("released CoCoS %+v", c)
	}
	if c := rel.RL(rl.RLOOConfig{Mode: rl.Trajectory}, false, true); c.Mode != rl.FirstShared {
		t.Errorf("released SCoRe stage I mode %v", c.Mode)
	}
	if c := rel.RL(rl.RLOOConfig{Mode: rl.Turn2}, false, false); c.Mode != rl.Turn2 {
		t.Errorf("Turn-RL's own mode changed: %v", c.Mode)
	}
	if c := Paper().RL(rl.RLOOConfig{Mode: rl.Turn2, Clip: 0.1}, true, false); c.Mode != rl.Turn2 || c.Clip != 0.1 || c.Budget {
		t.Errorf("the paper recipe overrode explicit settings: %+v", c)
	}
	if !rel.Generate(model.GenerateConfig{}).SkipSpecial || Paper().Generate(model.GenerateConfig{}).SkipSpecial {
		t.Error("released evaluation decodes without special tokens")
	}
}
