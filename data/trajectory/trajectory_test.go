package trajectory

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func sampleRows(n int) []Row {
	rows := make([]Row, n)
	for i := range rows {
		rows[i] = Row{
			Run: "run-1", Step: int64(i / 4), ProblemID: fmt.Sprintf("mbpp/%d", 600+i), Sample: int32(i % 2), Turn: int32(1 + i%2),
			Prompt: "You are an expert Python programmer, and here is your task: ünïcode ✓", Response: "def f():\n    return 1\n[DONE]",
			Code: "def f():\n    return 1", Passed: int32(i % 4), Total: 3, Outcomes: []uint8{0, 1, uint8(i % 4)},
			Reward: float64(i%4) / 3, Return: 0.25 * float64(i), Advantage: -0.5 + float64(i%3), LogProb: -12.5, RefLogProb: -12.25, KL: -0.25,
			PromptTokens: 100, ResponseTokens: int32(20 + i), EditRatio: math.NaN(),
			Model: "tiny", Checkpoint: "step-0", Method: "cocos", Mode: "trajectory", Gamma: 0.5, Seed: 7,
			Time: time.Date(2026, 11, 23, 6, 0, i, 0, time.UTC),
		}
		if rows[i].Turn > 1 {
			rows[i].EditRatio = 0.125 * float64(i%8)
		}
	}
	return rows
}

// sameRows compares rows, treating NaN edit ratios as equal.
func sameRows(t *testing.T, got, want []Row) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if math.IsNaN(w.EditRatio) && math.IsNaN(g.EditRatio) {
			g.EditRatio, w.EditRatio = 0, 0
		}
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("row %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	w, err := CreatePart(dir)
	if err != nil {
		t.Fatal(err)
	}
	w.BatchRows = 4
	rows := sampleRows(10)
	if err := w.Write(rows...); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// A resumed run appends a second part.
	w2, err := CreatePart(dir)
	if err != nil || filepath.Base(w2.Path()) != "part-00001.arrows" {
		t.Fatalf("second part: %v %v", w2, err)
	}
	more := sampleRows(3)
	w2.Write(more...)
	w2.Close()
	got, err := ReadRows(dir)
	if err != nil {
		t.Fatal(err)
	}
	sameRows(t, got, append(rows, more...))
	recs, err := ReadRecords(filepath.Join(dir, "part-00000.arrows"))
	if err != nil || len(recs) != 3 {
		t.Fatalf("want 3 record batches of at most 4 rows, got %d (%v)", len(recs), err)
	}
	for _, r := range recs {
		r.Release()
	}
}

// TestKilledWriter: a writer killed with SIGKILL leaves every flushed
// batch readable.
func TestKilledWriter(t *testing.T) {
	if os.Getenv("COCOS_TRAJ_CHILD") != "" {
		w, err := Create(os.Getenv("COCOS_TRAJ_CHILD"))
		if err != nil {
			os.Exit(2)
		}
		w.BatchRows = 5
		w.Write(sampleRows(12)...) // two batches flushed, two rows pending
		fmt.Println("flushed")
		time.Sleep(time.Minute)
		return
	}
	path := filepath.Join(t.TempDir(), "killed.arrows")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledWriter$")
	cmd.Env = append(os.Environ(), "COCOS_TRAJ_CHILD="+path)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, _ := out.Read(buf)
	if !strings.Contains(string(buf[:n]), "flushed") {
		t.Fatalf("child said %q", buf[:n])
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	got, err := ReadRows(path)
	if err != nil {
		t.Fatalf("a stream cut between batches must read cleanly: %v", err)
	}
	sameRows(t, got, sampleRows(12)[:10])
}

func TestTruncatedInsideBatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cut.arrows")
	w, _ := Create(path)
	w.BatchRows = 5
	w.Write(sampleRows(15)...)
	w.Close()
	b, _ := os.ReadFile(path)
	os.WriteFile(path, b[:len(b)-200], 0o644) // cut into the last batch
	got, err := ReadRows(path)
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("want ErrTruncated, got %v", err)
	}
	sameRows(t, got, sampleRows(15)[:10])
}

func TestRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.arrows")
	os.WriteFile(junk, []byte("not arrow at all"), 0o644)
	if _, err := ReadRows(junk); err == nil || !strings.Contains(err.Error(), "junk.arrows") {
		t.Errorf("junk file: %v", err)
	}
	if _, err := ReadRows(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing path: no error")
	}
}

// TestReadByApacheArrowJS proves the files read elsewhere: node with the
// npm apache-arrow package reads one back and we check its values.
func TestReadByApacheArrowJS(t *testing.T) {
	script, _ := filepath.Abs(filepath.Join("..", "..", "tools", "node", "read_arrow.mjs"))
	if _, err := os.Stat(filepath.Join(filepath.Dir(script), "node_modules", "apache-arrow")); err != nil {
		t.Fatalf("npm apache-arrow is not installed: run `make setup` (%v)", err)
	}
	path := filepath.Join(t.TempDir(), "interop.arrows")
	w, _ := Create(path)
	w.BatchRows = 3
	rows := sampleRows(7)
	w.Write(rows...)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("node", script, path).Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var js struct {
		NumRows  int               `json:"numRows"`
		Batches  int               `json:"batches"`
		Fields   []string          `json:"fields"`
		Metadata map[string]string `json:"metadata"`
		Rows     []map[string]any  `json:"rows"`
	}
	if err := json.Unmarshal(out, &js); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if js.NumRows != 7 || js.Batches != 3 || len(js.Fields) != len(columns) || js.Metadata[VersionKey] != SchemaVersion {
		t.Fatalf("apache-arrow saw %d rows in %d batches, fields %v, metadata %v", js.NumRows, js.Batches, js.Fields, js.Metadata)
	}
	for i, r := range rows {
		jr := js.Rows[i]
		edit, _ := jr["edit_ratio"].(float64)
		checks := []struct {
			name      string
			got, want string
		}{
			{"problem_id", fmt.Sprint(jr["problem_id"]), r.ProblemID},
			{"prompt", fmt.Sprint(jr["prompt"]), r.Prompt},
			{"step", fmt.Sprint(jr["step"]), strconv.FormatInt(r.Step, 10)},
			{"turn", fmt.Sprint(jr["turn"]), strconv.Itoa(int(r.Turn))},
			{"outcomes", fmt.Sprint(jr["outcomes"]), fmt.Sprint(r.Outcomes)},
			{"reward", fmt.Sprint(jr["reward"]), fmt.Sprint(r.Reward)},
			{"return", fmt.Sprint(jr["return"]), fmt.Sprint(r.Return)},
			{"edit_ratio null on turn 1", fmt.Sprint(jr["edit_ratio"] == nil), fmt.Sprint(math.IsNaN(r.EditRatio))},
			{"time (ms)", fmt.Sprint(int64(jr["time"].(float64))), fmt.Sprint(r.Time.UnixMilli())},
		}
		if !math.IsNaN(r.EditRatio) {
			checks = append(checks, struct{ name, got, want string }{"edit_ratio", fmt.Sprint(edit), fmt.Sprint(r.EditRatio)})
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("row %d %s: apache-arrow read %q, we wrote %q", i, c.name, c.got, c.want)
			}
		}
	}
}

// TestRepair: a part cut inside a batch is rewritten with its complete
// batches, after which the directory reads cleanly; a second repair finds
// nothing to do.
func TestRepair(t *testing.T) {
	dir := t.TempDir()
	w, _ := CreatePart(dir)
	w.BatchRows = 5
	w.Write(sampleRows(15)...)
	w.Close()
	b, _ := os.ReadFile(w.Path())
	os.WriteFile(w.Path(), b[:len(b)-200], 0o644)
	if n, err := Repair(dir); n != 1 || err != nil {
		t.Fatalf("Repair = %d, %v; want 1 part repaired", n, err)
	}
	got, err := ReadRows(dir)
	if err != nil {
		t.Fatalf("after repair: %v", err)
	}
	sameRows(t, got, sampleRows(15)[:10])
	if n, err := Repair(dir); n != 0 || err != nil {
		t.Errorf("second Repair = %d, %v", n, err)
	}
}

// TestResumedStepsSupersede: a run killed after step 3 and resumed from its
// checkpoint at step 2 redoes step 3 into a new part; reading returns steps
// 1–2 from the first part and 3–4 from the second, once each, and keeps
// evaluation rows (step 0) of both.
func TestResumedStepsSupersede(t *testing.T) {
	dir := t.TempDir()
	write := func(steps []int64, label string) {
		w, err := CreatePart(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range steps {
			w.Write(Row{Run: "r", Step: s, ProblemID: label}, Row{Run: "r", Step: s, ProblemID: label, Sample: 1})
		}
		if label == "first" { // another run's step 3: not superseded by run r's
			w.Write(Row{Run: "other", Step: 3, ProblemID: label})
		}
		w.Close()
	}
	write([]int64{0, 1, 2, 3}, "first")
	write([]int64{0, 3, 4}, "resumed")
	rows, err := ReadRows(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%s/%d/%s", r.Run, r.Step, r.ProblemID))
	}
	want := []string{"r/0/first", "r/0/first", "r/1/first", "r/1/first", "r/2/first", "r/2/first", "other/3/first",
		"r/0/resumed", "r/0/resumed", "r/3/resumed", "r/3/resumed", "r/4/resumed", "r/4/resumed"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("rows\n got %v\nwant %v", got, want)
	}
}

// TestEmptyPart: a part whose writer was killed before its first batch is
// empty; it reads as no rows and needs no repair.
func TestEmptyPart(t *testing.T) {
	dir := t.TempDir()
	if _, err := CreatePart(dir); err != nil {
		t.Fatal(err)
	}
	w, _ := CreatePart(dir)
	w.Write(sampleRows(3)...)
	w.Close()
	if n, err := Repair(dir); n != 0 || err != nil {
		t.Errorf("Repair = %d, %v", n, err)
	}
	rows, err := ReadRows(dir)
	if err != nil {
		t.Fatal(err)
	}
	sameRows(t, rows, sampleRows(3))
}
