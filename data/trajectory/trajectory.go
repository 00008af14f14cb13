// Package trajectory stores CoCoS trajectories as Arrow tables: one row per
// (run, step, problem, sample, turn), written in record batches as an Arrow
// IPC stream (".arrows") so that every batch already written survives a
// crash, and read back as Go structs or as plain Arrow records.
//
// Layout: a run writes one or more parts, dir/part-00000.arrows,
// dir/part-00001.arrows, ... (a resumed run starts a new part). Each part is
// an Arrow IPC stream: the schema, then one message per record batch, then
// an end-of-stream marker written by Close. A process killed with kill -9
// leaves a part without the marker, possibly ending in a half-written
// batch; readers return every complete batch and report the cut with
// ErrTruncated. Any Arrow implementation reads the parts (pyarrow:
// ipc.open_stream; JavaScript: tableFromIPC).
package trajectory

import (
	"time"

	"github.com/apache/arrow/go/v17/arrow"
)

// SchemaVersion is written into every file's schema metadata under
// VersionKey; readers refuse files of another version.
const (
	SchemaVersion = "1"
	VersionKey    = "cocos.trajectory.version"
)

// Row is one turn of one sampled trajectory.
type Row struct {
	Run       string // run identifier
	Step      int64  // training step (or 0 for evaluation)
	ProblemID string
	Sample    int32 // index of the sample among the k drawn for the prompt
	Turn      int32 // 1-based turn

	Prompt   string
	Response string // the model's text
	Code     string // the program extracted from Response

	Passed   int32   // unit tests passed
	Total    int32   // unit tests run
	Outcomes []uint8 // per test: 0 passed, 1 failed, 2 timeout, 3 crashed (sandbox.Outcome)

	Reward     float64 // r_t of this turn
	Return     float64 // the accumulated reward R of the trajectory
	Advantage  float64
	LogProb    float64 // sum of the policy's log-probs of Response
	RefLogProb float64 // the same under the reference policy
	KL         float64 // LogProb - RefLogProb

	PromptTokens   int32
	ResponseTokens int32
	// EditRatio is the edit-distance ratio of Code to the previous turn's
	// code; NaN on turn 1 (stored as null).
	EditRatio float64

	Model      string // model id or preset
	Checkpoint string
	Method     string // "cocos", "turn-rl", "score", "sft", "eval", ...
	Mode       string // "trajectory" or "turn2" for RLOO; "" otherwise
	Gamma      float64
	Seed       int64
	Time       time.Time // when the row was produced
}

// Schema returns the Arrow schema of trajectory files.
func Schema() *arrow.Schema { return schema }

var schema = func() *arrow.Schema {
	fields := make([]arrow.Field, len(columns))
	for i, c := range columns {
		fields[i] = c.field
	}
	md := arrow.NewMetadata([]string{VersionKey}, []string{SchemaVersion})
	return arrow.NewSchema(fields, &md)
}()
