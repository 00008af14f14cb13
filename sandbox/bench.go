package sandbox

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"
)

// BenchReport holds one benchmark run: the same jobs judged by the sandbox
// and by the reference executor (RunReference) on the same machine.
type BenchReport struct {
	Jobs, Tests        int
	Workers            int
	Sandbox, Reference time.Duration
	SandboxPassed      int // tests passed, as a cross-check of agreement
	ReferencePassed    int
	Disagreements      int // tests whose pass/fail verdicts differ
	// Longest is the slowest single test in the reference run: no executor
	// can finish the benchmark faster, so Reference/Longest caps the ratio.
	Longest   time.Duration
	LongestID string
}

// SandboxRate is the sandbox's throughput in tests per second.
func (b BenchReport) SandboxRate() float64 { return float64(b.Tests) / b.Sandbox.Seconds() }

// ReferenceRate is the reference executor's throughput in tests per second.
func (b BenchReport) ReferenceRate() float64 { return float64(b.Tests) / b.Reference.Seconds() }

// Ratio is sandbox throughput over reference throughput.
func (b BenchReport) Ratio() float64 { return b.SandboxRate() / b.ReferenceRate() }

// Bench judges jobs through e and through the reference executor with the
// same number of workers, and writes a report whose last line is
// "ratio: X". The sandbox runs first after a warm-up of one job.
func Bench(ctx context.Context, e *Executor, jobs []Job, w io.Writer) (BenchReport, error) {
	rep := BenchReport{Jobs: len(jobs), Workers: e.Workers()}
	for _, j := range jobs {
		rep.Tests += len(j.Tests)
	}
	if len(jobs) > 0 {
		if _, err := e.RunBatch(ctx, jobs[:min(len(jobs), e.Workers())]); err != nil {
			return rep, err
		}
	}
	start := time.Now()
	ours, err := e.RunBatch(ctx, jobs)
	rep.Sandbox = time.Since(start)
	if err != nil {
		return rep, err
	}
	start = time.Now()
	ref := RunReference(ctx, e.cfg.Python, e.Workers(), e.cfg.Limits.Timeout, jobs)
	rep.Reference = time.Since(start)
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	for i := range jobs {
		rep.SandboxPassed += ours[i].Passed
		rep.ReferencePassed += ref[i].Passed
		for k := range ours[i].Tests {
			if (ours[i].Tests[k].Outcome == Passed) != (ref[i].Tests[k].Outcome == Passed) {
				rep.Disagreements++
			}
			if w := ref[i].Tests[k].Wall; w > rep.Longest {
				rep.Longest, rep.LongestID = w, fmt.Sprintf("job %d test %d", i, k)
			}
		}
	}
	fmt.Fprintf(w, "jobs: %d  tests: %d  workers: %d  cpus: %d\n", rep.Jobs, rep.Tests, rep.Workers, runtime.NumCPU())
	fmt.Fprintf(w, "sandbox:   %8.1f tests/s  (%v, %d passed)\n", rep.SandboxRate(), rep.Sandbox.Round(time.Millisecond), rep.SandboxPassed)
	fmt.Fprintf(w, "reference: %8.1f tests/s  (%v, %d passed; one fresh python process per test)\n", rep.ReferenceRate(), rep.Reference.Round(time.Millisecond), rep.ReferencePassed)
	fmt.Fprintf(w, "verdicts that differ: %d\n", rep.Disagreements)
	fmt.Fprintf(w, "ceiling: the slowest single test (%s) runs %v in the reference, so no executor can exceed ratio %.1f here\n",
		rep.LongestID, rep.Longest.Round(time.Millisecond), rep.Reference.Seconds()/rep.Longest.Seconds())
	fmt.Fprintf(w, "ratio: %.1f\n", rep.Ratio())
	return rep, nil
}
