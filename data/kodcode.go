package data

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
)

// KodCodeValidationShare is the share of KodCode problems put in the
// validation split (the paper's 8:2 split), chosen by a hash of question_id.
const KodCodeValidationShare = 0.2

// LoadKodCode reads a KodCode parquet shard (columns question_id, question,
// solution, test, and optionally test_info) into problems. Its pytest tests
// become counted tests by SplitCheck's rules applied to every test_*
// function; `from solution import ...` lines are dropped, since the program
// shares the tests' namespace. Rows with no assert are not convertible and
// are skipped; skipped reports how many.
func LoadKodCode(path string) (problems []Problem, skipped int, err error) {
	tbl, err := readParquet(path)
	if err != nil {
		return nil, 0, err
	}
	defer tbl.Release()
	cols := map[string]*array.String{}
	for _, name := range []string{"question_id", "question", "solution", "test"} {
		c, err := stringColumn(tbl, name)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", path, err)
		}
		cols[name] = c
	}
	entry := entryPoints(tbl)
	for i := 0; i < cols["question_id"].Len(); i++ {
		id := cols["question_id"].Value(i)
		tests, err := splitTestFunctions(dropSolutionImports(cols["test"].Value(i)),
			func(h string) bool { return strings.HasPrefix(h, "def test") }, "")
		if err != nil {
			return nil, 0, fmt.Errorf("%s: row %d (question_id %s): field \"test\": %w", path, i, id, err)
		}
		if len(tests) == 0 {
			skipped++
			continue
		}
		problems = append(problems, Problem{
			ID: "kodcode/" + id, Text: cols["question"].Value(i), Code: cols["solution"].Value(i),
			Tests: tests, EntryPoint: entry(i), Source: "kodcode", Split: kodCodeSplit(id),
		})
	}
	return problems, skipped, nil
}

func readParquet(path string) (arrow.Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pf, err := file.NewParquetReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: not a parquet file: %w", path, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return tbl, nil
}

// stringColumn returns a table's string column as one array (parquet
// readers may return several chunks; shards this size fit in memory).
func stringColumn(tbl arrow.Table, name string) (*array.String, error) {
	idx := tbl.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return nil, fmt.Errorf("column %q is missing", name)
	}
	col := tbl.Column(idx[0])
	if col.DataType().ID() != arrow.STRING {
		return nil, fmt.Errorf("column %q: want string, got %s", name, col.DataType())
	}
	chunks := col.Data().Chunks()
	if len(chunks) == 1 {
		return chunks[0].(*array.String), nil
	}
	merged, err := array.Concatenate(chunks, memory.DefaultAllocator)
	if err != nil {
		return nil, fmt.Errorf("column %q: %w", name, err)
	}
	return merged.(*array.String), nil
}

// entryPoints reads test_info[0].function_name when the column exists.
func entryPoints(tbl arrow.Table) func(i int) string {
	idx := tbl.Schema().FieldIndices("test_info")
	none := func(int) string { return "" }
	if len(idx) == 0 {
		return none
	}
	chunks := tbl.Column(idx[0]).Data().Chunks()
	if len(chunks) != 1 {
		return none
	}
	l, ok := chunks[0].(*array.List)
	if !ok {
		return none
	}
	st, ok := l.ListValues().(*array.Struct)
	if !ok {
		return none
	}
	fi, ok := st.DataType().(*arrow.StructType).FieldIdx("function_name")
	if !ok {
		return none
	}
	names, ok := st.Field(fi).(*array.String)
	if !ok {
		return none
	}
	return func(i int) string {
		start, end := l.ValueOffsets(i)
		if l.IsNull(i) || end <= start {
			return ""
		}
		return names.Value(int(start))
	}
}

func dropSolutionImports(test string) string {
	var keep []string
	for _, line := range strings.Split(test, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "from solution import") || t == "import solution" {
			continue
		}
		keep = append(keep, line)
	}
	return strings.Join(keep, "\n")
}

func kodCodeSplit(id string) string {
	h := fnv.New64a()
	h.Write([]byte(id))
	if float64(h.Sum64()%1000) < KodCodeValidationShare*1000 {
		return "validation"
	}
	return "train"
}
