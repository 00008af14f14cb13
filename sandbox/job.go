package sandbox

import (
	"encoding/json"
	"fmt"
	"time"
)

// Job is one program to judge: the program source, setup code that runs
// after it in the same namespace (MBPP's test_setup_code), and test cases,
// each a piece of Python (usually one assert) that counts on its own.
type Job struct {
	Program string
	Setup   string
	Tests   []string
	// Limits overrides the executor's limits for this job; zero fields
	// keep the executor's values.
	Limits Limits
}

// Limits bound what one job may use. Zero fields mean the default.
type Limits struct {
	// Timeout is the wall-clock budget of one test, including the program's
	// top-level code. Default 3 s, the paper's executor.
	Timeout time.Duration
	// Memory is the address-space limit of the program's process, in bytes.
	// Default 2 GiB.
	Memory int64
	// FileSize is the largest file the program may write, in bytes. Default 16 MiB.
	FileSize int64
	// OpenFiles is the open file descriptor limit. Default 256.
	OpenFiles int
	// Processes limits processes and threads of the sandbox. Default 64.
	Processes int
	// Output caps the stdout and stderr kept per test, in bytes; the rest is
	// read and discarded so the program never blocks. Default 64 KiB.
	Output int
	// ShareProcess runs all tests of a job in one process, each in a fresh
	// namespace with the interpreter state a program commonly touches
	// restored (builtins, sys streams, recursion limit, sys.path, random,
	// cwd). It is about twice as fast, but a test's changes to imported
	// modules reach the job's later tests. Default false: every test runs
	// in a freshly forked process, exactly like a fresh interpreter.
	ShareProcess bool
}

// DefaultLimits returns the limits used where a Limits field is zero.
func DefaultLimits() Limits {
	return Limits{
		Timeout:   3 * time.Second,
		Memory:    2 << 30,
		FileSize:  16 << 20,
		OpenFiles: 256,
		Processes: 64,
		Output:    64 << 10,
	}
}

// Or returns l with every zero field taken from d.
func (l Limits) Or(d Limits) Limits {
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	if l.Memory <= 0 {
		l.Memory = d.Memory
	}
	if l.FileSize <= 0 {
		l.FileSize = d.FileSize
	}
	if l.OpenFiles <= 0 {
		l.OpenFiles = d.OpenFiles
	}
	if l.Processes <= 0 {
		l.Processes = d.Processes
	}
	if l.Output <= 0 {
		l.Output = d.Output
	}
	l.ShareProcess = l.ShareProcess || d.ShareProcess
	return l
}

// Outcome is the verdict of one test.
type Outcome int

const (
	// Passed: the test code ran to its end.
	Passed Outcome = iota
	// Failed: an assertion failed or an exception was raised, by the test
	// or the program; Message holds its text.
	Failed
	// TimedOut: the test ran past Limits.Timeout; the sandbox's processes
	// were killed.
	TimedOut
	// Crashed: the program's process died or the sandbox failed.
	Crashed
)

var outcomeNames = [...]string{"passed", "failed", "timeout", "crashed"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// MarshalText writes the outcome's name.
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText reads an outcome's name.
func (o *Outcome) UnmarshalText(b []byte) error {
	for i, n := range outcomeNames {
		if n == string(b) {
			*o = Outcome(i)
			return nil
		}
	}
	return fmt.Errorf("sandbox: unknown outcome %q", b)
}

// TestResult is the verdict of one test case.
type TestResult struct {
	Outcome Outcome `json:"outcome"`
	// Message is the assertion or exception text for failures, the reason
	// for timeouts and crashes, and empty for passes.
	Message string `json:"message,omitempty"`
	// Stdout and Stderr are the first Limits.Output bytes the program wrote
	// during this test; Truncated says more was written.
	Stdout    string        `json:"stdout,omitempty"`
	Stderr    string        `json:"stderr,omitempty"`
	Truncated bool          `json:"truncated,omitempty"`
	Wall      time.Duration `json:"wall_ns"`
}

// Result is the verdict of a job: one TestResult per test, in order.
type Result struct {
	Passed int           `json:"passed"`
	Total  int           `json:"total"`
	Tests  []TestResult  `json:"tests"`
	Wall   time.Duration `json:"wall_ns"`
}

// AllPassed reports whether every test passed (the binary reward).
func (r Result) AllPassed() bool { return r.Total > 0 && r.Passed == r.Total }

// PassRatio is the fraction of tests passed (the progressive reward).
func (r Result) PassRatio() float64 {
	if r.Total == 0 {
		return 0
	}
	return float64(r.Passed) / float64(r.Total)
}

func (r *Result) count() {
	r.Total, r.Passed = len(r.Tests), 0
	for _, t := range r.Tests {
		if t.Outcome == Passed {
			r.Passed++
		}
	}
}

// JSON renders the result as indented JSON.
func (r Result) JSON() ([]byte, error) { return json.MarshalIndent(r, "", "  ") }

// Outcomes lists each test's outcome as its sandbox.Outcome code, the form
// trajectory rows store.
func (r Result) Outcomes() []uint8 {
	out := make([]uint8, len(r.Tests))
	for i, t := range r.Tests {
		out[i] = uint8(t.Outcome)
	}
	return out
}
