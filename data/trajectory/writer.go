package trajectory

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// DefaultBatchRows is how many rows a Writer buffers before it writes a
// record batch.
const DefaultBatchRows = 256

// Writer appends rows to one part file. Not safe for concurrent use.
type Writer struct {
	path      string
	f         *os.File
	w         *ipc.Writer
	b         *array.RecordBuilder
	pending   int
	BatchRows int // rows per record batch; DefaultBatchRows if zero
}

// CreatePart starts the next part file of a run directory,
// dir/part-NNNNN.arrows, creating dir if needed. Existing parts are never
// touched, so a resumed run appends a part.
func CreatePart(dir string) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("trajectory: %w", err)
	}
	for n := 0; n < 100000; n++ {
		w, err := Create(filepath.Join(dir, fmt.Sprintf("part-%05d.arrows", n)))
		if errors.Is(err, os.ErrExist) {
			continue
		}
		return w, err
	}
	return nil, fmt.Errorf("trajectory: %s holds too many parts", dir)
}

// WritePart writes rows to dir as one new part (see CreatePart).
func WritePart(dir string, rows ...Row) error {
	w, err := CreatePart(dir)
	if err != nil {
		return err
	}
	if err := w.Write(rows...); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// Create starts a new trajectory file at path; it fails if path exists.
func Create(path string) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("trajectory: %w", err)
	}
	return &Writer{path: path, f: f,
		w: ipc.NewWriter(f, ipc.WithSchema(schema)),
		b: array.NewRecordBuilder(memory.DefaultAllocator, schema)}, nil
}

// Path is the file being written.
func (w *Writer) Path() string { return w.path }

// Write appends rows, writing a record batch whenever BatchRows are buffered.
func (w *Writer) Write(rows ...Row) error {
	for i := range rows {
		for c, col := range columns {
			col.append(w.b.Field(c), &rows[i])
		}
		w.pending++
		if w.pending >= w.batchRows() {
			if err := w.Flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *Writer) batchRows() int {
	if w.BatchRows > 0 {
		return w.BatchRows
	}
	return DefaultBatchRows
}

// Flush writes the buffered rows as one record batch. Once it returns, the
// batch is in the file and survives the process being killed.
func (w *Writer) Flush() error {
	if w.pending == 0 {
		return nil
	}
	rec := w.b.NewRecord()
	defer rec.Release()
	w.pending = 0
	if err := w.w.Write(rec); err != nil {
		return fmt.Errorf("trajectory: write %s: %w", w.path, err)
	}
	return nil
}

// Close flushes, writes the end-of-stream marker, syncs and closes the file.
func (w *Writer) Close() error {
	err := w.Flush()
	if e := w.w.Close(); err == nil && e != nil {
		err = fmt.Errorf("trajectory: close %s: %w", w.path, e)
	}
	w.b.Release()
	if e := w.f.Sync(); err == nil && e != nil {
		err = fmt.Errorf("trajectory: sync %s: %w", w.path, e)
	}
	if e := w.f.Close(); err == nil && e != nil {
		err = fmt.Errorf("trajectory: close %s: %w", w.path, e)
	}
	return err
}
