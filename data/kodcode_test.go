package data

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/cocos-go/cocos/sandbox"
)

type kodRow struct{ id, question, solution, test, fn string }

var kodRows = []kodRow{
	{"Leetcode_1_I", "Write a function add(a, b) that returns the sum.", "def add(a, b):\n    return a + b\n",
		"from solution import add\n\ndef test_add_positive():\n    assert add(1, 2) == 3\n    assert add(5, 5) == 10\n\ndef test_add_negative():\n    x = -1\n    assert add(x, -1) == -2\n", "add"},
	{"Prefill_2_C", "Write is_even(n).", "def is_even(n):\n    return n % 2 == 0\n",
		"import pytest\nfrom solution import is_even\n\ndef test_even():\n    for n in (0, 2, 4):\n        assert is_even(n)\n\ndef test_raises():\n    with pytest.raises(TypeError):\n        is_even(None)\n", "is_even"},
	{"Apps_3_I", "No assert, still a test.", "def f():\n    return 1\n", "def test_runs():\n    f()\n", "f"},
	{"Apps_4_I", "No test function at all.", "def g():\n    return 1\n", "import os\n", "g"},
}

// writeKodCodeParquet writes rows with KodCode-V1's columns (a subset).
func writeKodCodeParquet(t *testing.T, rows []kodRow) string {
	t.Helper()
	infoType := arrow.StructOf(arrow.Field{Name: "function_name", Type: arrow.BinaryTypes.String},
		arrow.Field{Name: "parameter_list", Type: arrow.BinaryTypes.String})
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "question_id", Type: arrow.BinaryTypes.String},
		{Name: "question", Type: arrow.BinaryTypes.String},
		{Name: "solution", Type: arrow.BinaryTypes.String},
		{Name: "test", Type: arrow.BinaryTypes.String},
		{Name: "test_info", Type: arrow.ListOf(infoType)},
		{Name: "gpt_pass_sequence", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64)},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for _, r := range rows {
		for i, v := range []string{r.id, r.question, r.solution, r.test} {
			b.Field(i).(*array.StringBuilder).Append(v)
		}
		info := b.Field(4).(*array.ListBuilder)
		info.Append(true)
		sb := info.ValueBuilder().(*array.StructBuilder)
		sb.Append(true)
		sb.FieldBuilder(0).(*array.StringBuilder).Append(r.fn)
		sb.FieldBuilder(1).(*array.StringBuilder).Append("(...)")
		seq := b.Field(5).(*array.ListBuilder)
		seq.Append(true)
		seq.ValueBuilder().(*array.Int64Builder).AppendValues([]int64{0, 1, 1}, nil)
	}
	rec := b.NewRecord()
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "kodcode-train-00000.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	tbl := array.NewTableFromRecords(schema, []arrow.Record{rec})
	defer tbl.Release()
	if err := pqarrow.WriteTable(tbl, f, 2, nil, pqarrow.DefaultWriterProps()); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadKodCode(t *testing.T) {
	ps, skipped, err := LoadKodCode(writeKodCodeParquet(t, kodRows))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 3 || skipped != 1 {
		t.Fatalf("%d problems, %d skipped; want 3 and 1", len(ps), skipped)
	}
	if n := len(ps[1].Tests); n != 2 {
		t.Errorf("is_even: %d tests, want 2 (the loop, and the pytest.raises block)", n)
	}
	add := ps[0]
	if add.ID != "kodcode/Leetcode_1_I" || add.EntryPoint != "add" || len(add.Tests) != 3 || add.Source != "kodcode" {
		t.Fatalf("%+v", add)
	}
	if strings.Contains(strings.Join(add.Tests, ""), "from solution") || !strings.HasPrefix(add.Tests[2], "x = -1\n") {
		t.Errorf("tests: %q", add.Tests)
	}
	if s := ps[1].Split; s != "train" && s != "validation" {
		t.Errorf("split %q", s)
	}
	e, err := sandbox.New(sandbox.Config{Workers: 1, Preload: []string{"pytest"}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for _, p := range ps {
		r, err := e.Run(context.Background(), sandbox.Job{Program: p.Code, Tests: p.Tests})
		if err != nil || !r.AllPassed() {
			t.Errorf("%s: the solution fails its converted tests: %+v %v", p.ID, r.Tests, err)
		}
	}
}

func TestKodCodeErrors(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.parquet")
	os.WriteFile(junk, []byte("PAR1 not really"), 0o644)
	if _, _, err := LoadKodCode(junk); err == nil || !strings.Contains(err.Error(), "junk.parquet") {
		t.Errorf("junk: %v", err)
	}
}
