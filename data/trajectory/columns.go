package trajectory

import (
	"math"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

// column ties one Arrow field to one Row field, both ways.
type column struct {
	field  arrow.Field
	append func(b array.Builder, r *Row)
	read   func(a arrow.Array, i int, r *Row)
}

// columns are the file's columns, in order.
var columns = []column{
	stringCol("run", func(r *Row) *string { return &r.Run }),
	int64Col("step", func(r *Row) *int64 { return &r.Step }),
	stringCol("problem_id", func(r *Row) *string { return &r.ProblemID }),
	int32Col("sample", func(r *Row) *int32 { return &r.Sample }),
	int32Col("turn", func(r *Row) *int32 { return &r.Turn }),
	stringCol("prompt", func(r *Row) *string { return &r.Prompt }),
	stringCol("response", func(r *Row) *string { return &r.Response }),
	stringCol("code", func(r *Row) *string { return &r.Code }),
	int32Col("passed", func(r *Row) *int32 { return &r.Passed }),
	int32Col("total", func(r *Row) *int32 { return &r.Total }),
	outcomesCol("outcomes"),
	float64Col("reward", func(r *Row) *float64 { return &r.Reward }),
	float64Col("return", func(r *Row) *float64 { return &r.Return }),
	float64Col("advantage", func(r *Row) *float64 { return &r.Advantage }),
	float64Col("logprob", func(r *Row) *float64 { return &r.LogProb }),
	float64Col("ref_logprob", func(r *Row) *float64 { return &r.RefLogProb }),
	float64Col("kl", func(r *Row) *float64 { return &r.KL }),
	int32Col("prompt_tokens", func(r *Row) *int32 { return &r.PromptTokens }),
	int32Col("response_tokens", func(r *Row) *int32 { return &r.ResponseTokens }),
	nullableFloat64Col("edit_ratio", func(r *Row) *float64 { return &r.EditRatio }),
	stringCol("model", func(r *Row) *string { return &r.Model }),
	stringCol("checkpoint", func(r *Row) *string { return &r.Checkpoint }),
	stringCol("method", func(r *Row) *string { return &r.Method }),
	stringCol("mode", func(r *Row) *string { return &r.Mode }),
	float64Col("gamma", func(r *Row) *float64 { return &r.Gamma }),
	int64Col("seed", func(r *Row) *int64 { return &r.Seed }),
	timeCol("time"),
}

func stringCol(name string, get func(*Row) *string) column {
	return column{arrow.Field{Name: name, Type: arrow.BinaryTypes.String},
		func(b array.Builder, r *Row) { b.(*array.StringBuilder).Append(*get(r)) },
		func(a arrow.Array, i int, r *Row) { *get(r) = a.(*array.String).Value(i) }}
}

func int32Col(name string, get func(*Row) *int32) column {
	return column{arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Int32},
		func(b array.Builder, r *Row) { b.(*array.Int32Builder).Append(*get(r)) },
		func(a arrow.Array, i int, r *Row) { *get(r) = a.(*array.Int32).Value(i) }}
}

func int64Col(name string, get func(*Row) *int64) column {
	return column{arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Int64},
		func(b array.Builder, r *Row) { b.(*array.Int64Builder).Append(*get(r)) },
		func(a arrow.Array, i int, r *Row) { *get(r) = a.(*array.Int64).Value(i) }}
}

func float64Col(name string, get func(*Row) *float64) column {
	return column{arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Float64},
		func(b array.Builder, r *Row) { b.(*array.Float64Builder).Append(*get(r)) },
		func(a arrow.Array, i int, r *Row) { *get(r) = a.(*array.Float64).Value(i) }}
}

// nullableFloat64Col stores NaN as null, so that tools see "no value".
func nullableFloat64Col(name string, get func(*Row) *float64) column {
	return column{arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		func(b array.Builder, r *Row) {
			if v := *get(r); math.IsNaN(v) {
				b.AppendNull()
			} else {
				b.(*array.Float64Builder).Append(v)
			}
		},
		func(a arrow.Array, i int, r *Row) {
			if a.IsNull(i) {
				*get(r) = math.NaN()
			} else {
				*get(r) = a.(*array.Float64).Value(i)
			}
		}}
}

func outcomesCol(name string) column {
	return column{arrow.Field{Name: name, Type: arrow.ListOf(arrow.PrimitiveTypes.Uint8)},
		func(b array.Builder, r *Row) {
			lb := b.(*array.ListBuilder)
			lb.Append(true)
			lb.ValueBuilder().(*array.Uint8Builder).AppendValues(r.Outcomes, nil)
		},
		func(a arrow.Array, i int, r *Row) {
			l := a.(*array.List)
			start, end := l.ValueOffsets(i)
			vals := l.ListValues().(*array.Uint8)
			r.Outcomes = make([]uint8, end-start)
			for k := range r.Outcomes {
				r.Outcomes[k] = vals.Value(int(start) + k)
			}
		}}
}

func timeCol(name string) column {
	typ := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	return column{arrow.Field{Name: name, Type: typ},
		func(b array.Builder, r *Row) {
			b.(*array.TimestampBuilder).Append(arrow.Timestamp(r.Time.UnixMicro()))
		},
		func(a arrow.Array, i int, r *Row) {
			r.Time = time.UnixMicro(int64(a.(*array.Timestamp).Value(i))).UTC()
		}}
}
