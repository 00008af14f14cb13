package sandbox

import (
	"bytes"
	"context"
	"os/exec"
	"sync"
	"time"
)

// RunReference judges jobs the way the paper's released code does: one
// fresh Python process per test case (program, setup and the test as one
// script) with a wall-clock timeout, no isolation, pass = exit status 0.
// It exists as the benchmark's anchor and is not safe for untrusted code.
func RunReference(ctx context.Context, python string, workers int, timeout time.Duration, jobs []Job) []Result {
	type unit struct{ job, test int }
	units := make(chan unit)
	results := make([]Result, len(jobs))
	for i, j := range jobs {
		results[i].Tests = make([]TestResult, len(j.Tests))
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range units {
				j := jobs[u.job]
				results[u.job].Tests[u.test] = referenceTest(ctx, python, timeout, j.Program+"\n"+j.Setup+"\n"+j.Tests[u.test])
			}
		}()
	}
	for i, j := range jobs {
		for k := range j.Tests {
			units <- unit{i, k}
		}
	}
	close(units)
	wg.Wait()
	for i := range results {
		results[i].count()
	}
	return results
}

func referenceTest(ctx context.Context, python string, timeout time.Duration, script string) TestResult {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, python, "-c", script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	tr := TestResult{Wall: time.Since(start)}
	switch {
	case err == nil:
		tr.Outcome = Passed
	case ctx.Err() != nil:
		tr.Outcome = TimedOut
	default:
		tr.Outcome = Failed
		tr.Message = lastLine(stderr.String())
	}
	return tr
}

func lastLine(s string) string {
	s = string(bytes.TrimSpace([]byte(s)))
	if i := bytes.LastIndexByte([]byte(s), '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
