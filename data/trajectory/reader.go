package trajectory

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/ipc"

	"github.com/cocos-go/cocos/internal/atomicfile"
)

// ErrTruncated reports a part that ends without its end-of-stream marker
// inside a record batch: the process writing it was killed. The batches
// before the cut are returned with it.
var ErrTruncated = errors.New("trajectory: file ends inside a record batch (the writer was killed); the complete batches before it were read")

// Parts lists the trajectory files at path: path itself if it is a file,
// else the *.arrows files in the directory, in name order.
func Parts(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("trajectory: %w", err)
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	parts, err := filepath.Glob(filepath.Join(path, "*.arrows"))
	sort.Strings(parts)
	return parts, err
}

// ReadRecords reads every record batch at path (a part or a run
// directory) as plain Arrow records, for notebooks and other tools. The
// caller releases them. With a truncated part, it returns what was complete
// and an error wrapping ErrTruncated.
func ReadRecords(path string) ([]arrow.Record, error) {
	parts, err := Parts(path)
	if err != nil {
		return nil, err
	}
	var recs []arrow.Record
	var truncated error
	for _, p := range parts {
		rs, err := readPart(p)
		recs = append(recs, rs...)
		if errors.Is(err, ErrTruncated) {
			truncated = err
		} else if err != nil {
			releaseAll(recs)
			return nil, err
		}
	}
	return recs, truncated
}

func readPart(path string) ([]arrow.Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("trajectory: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() == 0 {
		return nil, nil // created by a writer killed before its first batch
	}
	rd, err := ipc.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("trajectory: %s is not an Arrow IPC stream: %w", path, err)
	}
	defer rd.Release()
	if v, _ := rd.Schema().Metadata().GetValue(VersionKey); v != SchemaVersion {
		return nil, fmt.Errorf("trajectory: %s has schema version %q; this cocos reads version %s", path, v, SchemaVersion)
	}
	var recs []arrow.Record
	for rd.Next() {
		r := rd.Record()
		r.Retain()
		recs = append(recs, r)
	}
	if err := rd.Err(); err != nil {
		return recs, fmt.Errorf("%s: %w (%v)", path, ErrTruncated, err)
	}
	return recs, nil
}

// ReadRows reads every row at path (a part or a run directory) as Go
// structs, with ReadRecords's handling of truncated parts. A resumed
// training run redoes the steps after its last checkpoint into a new part,
// so when several parts hold rows of the same run and training step
// (Step > 0), only the newest part's rows of that step are returned.
func ReadRows(path string) ([]Row, error) {
	parts, err := Parts(path)
	if err != nil {
		return nil, err
	}
	type key struct {
		run  string
		step int64
	}
	var truncated error
	perPart := make([][]Row, len(parts))
	newest := map[key]int{}
	for p, name := range parts {
		rows, err := readRowsOfPart(name)
		if errors.Is(err, ErrTruncated) {
			truncated = err
		} else if err != nil {
			return nil, err
		}
		for _, r := range rows {
			newest[key{r.Run, r.Step}] = p
		}
		perPart[p] = rows
	}
	var out []Row
	for p, rows := range perPart {
		for _, r := range rows {
			if r.Step <= 0 || newest[key{r.Run, r.Step}] == p {
				out = append(out, r)
			}
		}
	}
	return out, truncated
}

func readRowsOfPart(path string) ([]Row, error) {
	recs, err := readPart(path)
	var rows []Row
	for _, rec := range recs {
		if !rec.Schema().Equal(schema) {
			rec.Release()
			return nil, fmt.Errorf("trajectory: %s: schema differs from this cocos's trajectory schema", path)
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			var r Row
			for c, col := range columns {
				col.read(rec.Column(c), i, &r)
			}
			rows = append(rows, r)
		}
		rec.Release()
	}
	return rows, err
}

// Repair rewrites each truncated part at path (left by a killed writer)
// with the complete record batches it holds, so the run directory reads
// without ErrTruncated; it returns how many parts it repaired. Complete
// batches are kept: nothing already flushed is lost.
func Repair(path string) (int, error) {
	parts, err := Parts(path)
	if err != nil {
		return 0, err
	}
	repaired := 0
	for _, p := range parts {
		recs, err := readPart(p)
		if err == nil {
			releaseAll(recs)
			continue
		}
		if !errors.Is(err, ErrTruncated) {
			return repaired, err
		}
		err = rewritePart(p, recs)
		releaseAll(recs)
		if err != nil {
			return repaired, err
		}
		repaired++
	}
	return repaired, nil
}

// rewritePart writes recs to a new file and renames it over path.
func rewritePart(path string, recs []arrow.Record) error {
	err := atomicfile.Write(path, func(f io.Writer) error {
		w := ipc.NewWriter(f, ipc.WithSchema(schema))
		for _, r := range recs {
			if err := w.Write(r); err != nil {
				w.Close()
				return err
			}
		}
		return w.Close()
	})
	if err != nil {
		return fmt.Errorf("trajectory: repair: %w", err)
	}
	return nil
}

func releaseAll(recs []arrow.Record) {
	for _, r := range recs {
		r.Release()
	}
}
