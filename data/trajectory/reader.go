package trajectory

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/ipc"
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
			for _, r := range recs {
				r.Release()
			}
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
// structs, with ReadRecords's handling of truncated parts.
func ReadRows(path string) ([]Row, error) {
	recs, err := ReadRecords(path)
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
