package sandbox_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cocos-go/cocos/sandbox"
)

func outcomes(r sandbox.Result) []sandbox.Outcome {
	out := make([]sandbox.Outcome, len(r.Tests))
	for i, t := range r.Tests {
		out[i] = t.Outcome
	}
	return out
}

func TestVerdicts(t *testing.T) {
	const P, F, T = sandbox.Passed, sandbox.Failed, sandbox.TimedOut
	cases := []struct {
		name    string
		program string
		tests   []string
		want    []sandbox.Outcome
		message []string // substrings of each test's Message
	}{
		{"pass_and_fail", "def f(x):\n    return x * 2\n", []string{"assert f(2) == 4", "assert f(3) == 7, 'three'"},
			[]sandbox.Outcome{P, F}, []string{"", "AssertionError: three in assert f(3) == 7"}},
		{"exception_in_program", "def f(x):\n    return 1 / x\n", []string{"assert f(0) == 1"},
			[]sandbox.Outcome{F}, []string{"ZeroDivisionError: division by zero (<program> line 2)"}},
		{"undefined_function", "def g(x):\n    return x\n", []string{"assert f(1) == 1"},
			[]sandbox.Outcome{F}, []string{"NameError"}},
		{"error_at_top_level", "raise ValueError('boom')\ndef f(x):\n    return x\n", []string{"assert f(1) == 1"},
			[]sandbox.Outcome{F}, []string{"ValueError: boom (<program> line 1)"}},
		{"test_with_its_own_syntax_error", "def f(x):\n    return x\n", []string{"assert f(1) ==", "assert f(1) == 1"},
			[]sandbox.Outcome{F, P}, []string{"does not compile", ""}},
		{"timeout_then_pass", "import time\ndef f(x):\n    time.sleep(x)\n    return x\n", []string{"assert f(5) == 5", "assert f(0) == 0"},
			[]sandbox.Outcome{T, P}, []string{"limit", ""}},
		{"builtin_exception_types_cross", "def f(x):\n    raise KeyError(x)\n",
			[]string{"try:\n    f(1)\n    assert False\nexcept KeyError:\n    pass"}, []sandbox.Outcome{P}, nil},
		// A program-defined class reaches the test as a handle, not a type:
		// tests cannot catch or isinstance-check the program's own classes.
		{"program_classes_are_handles", "class ValueError(Exception):\n    pass\ndef f(x):\n    raise ValueError(x)\n",
			[]string{"try:\n    f(1)\nexcept ValueError:\n    pass"}, []sandbox.Outcome{F}, []string{"catching classes that do not inherit from BaseException"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, sandbox.Job{Program: c.program, Tests: c.tests, Limits: sandbox.Limits{Timeout: time.Second}})
			for i, w := range c.want {
				if r.Tests[i].Outcome != w {
					t.Errorf("test %d: %v (%s), want %v", i, r.Tests[i].Outcome, r.Tests[i].Message, w)
				}
				if i < len(c.message) && !strings.Contains(r.Tests[i].Message, c.message[i]) {
					t.Errorf("test %d: message %q does not contain %q", i, r.Tests[i].Message, c.message[i])
				}
			}
			if r.Total != len(c.tests) {
				t.Errorf("total %d, want %d", r.Total, len(c.tests))
			}
		})
	}
}

// TestValuesCrossAsData: what the program returns reaches the test as the
// same plain value a fresh interpreter would see.
func TestValuesCrossAsData(t *testing.T) {
	program := `import collections, decimal, fractions, math
from collections import namedtuple
Point = namedtuple('Point', 'x y')
class Box:
    def __init__(self, items):
        self.items = list(items)
        self.value = 3
    def __len__(self):
        return len(self.items)
    def __iter__(self):
        return iter(self.items)
    def total(self):
        return sum(self.items)
def values():
    return (1, 2.5, float('inf'), 10**40, b'\x00\xff', {1, 2}, frozenset([3]), {(1, 2): [None, True]}, 3+4j, range(3))
def stdlib():
    return collections.OrderedDict(a=1), collections.Counter('aab'), collections.deque([1, 2]), decimal.Decimal('1.10'), fractions.Fraction(1, 3)
def gen(n):
    return (i * i for i in range(n))
def point():
    return Point(1, 2)
def sort_in_place(a):
    a.sort()
def apply(fn, x):
    return fn(x) + 1
def make(items):
    return Box(items)
def adder(k):
    return lambda v: v + k
`
	tests := []string{
		"assert values() == (1, 2.5, float('inf'), 10**40, b'\\x00\\xff', {1, 2}, frozenset([3]), {(1, 2): [None, True]}, 3+4j, range(3))",
		"import collections, decimal, fractions\nassert stdlib() == (collections.OrderedDict(a=1), collections.Counter('aab'), collections.deque([1, 2]), decimal.Decimal('1.10'), fractions.Fraction(1, 3))",
		"assert list(gen(4)) == [0, 1, 4, 9] and sum(gen(1000)) == 332833500",
		"assert point() == (1, 2) and type(point()) is tuple",
		"a = [3, 1, 2]\nsort_in_place(a)\nassert a == [1, 2, 3]",
		"assert apply(lambda v: v * 2, 5) == 11",
		"b = make([1, 2, 3])\nassert len(b) == 3 and b.value == 3 and b.total() == 6 and list(b) == [1, 2, 3]",
		"assert adder(2)(3) == 5",
		"assert math.isclose(values()[1], 2.5)", // math comes from the program's import
		"b = make([1])\nassert b == b and b != make([1])",
	}
	r := run(t, sandbox.Job{Program: program, Tests: tests})
	for i, tr := range r.Tests {
		if tr.Outcome != sandbox.Passed {
			t.Errorf("test %d %q: %v %s", i, strings.SplitN(tests[i], "\n", 2)[0], tr.Outcome, tr.Message)
		}
	}
}

// TestStateDoesNotLeak: whatever one test changes, the next starts fresh.
func TestStateDoesNotLeak(t *testing.T) {
	program := `import builtins, math, os, random, sys
counter = 0
def bump(acc=[]):
    global counter
    counter += 1
    acc.append(1)
    math.cocos_marker = getattr(math, 'cocos_marker', 0) + 1
    result = counter, len(acc), math.cocos_marker
    builtins.len = lambda x: 42
    sys.setrecursionlimit(50)
    random.seed(7)
    open('/tmp/left-behind', 'w').write('x')
    os.chdir('/')
    return result
def state():
    return len([1]), sys.getrecursionlimit() >= 1000, os.path.exists('/tmp/left-behind'), hasattr(math, 'cocos_marker'), os.getcwd() != '/'
`
	tests := []string{
		"assert bump() == (1, 1, 1)",
		"assert bump() == (1, 1, 1)",
		"s = state()\nassert s == (1, True, False, False, True), s",
	}
	r := run(t, sandbox.Job{Program: program, Tests: tests})
	for i, tr := range r.Tests {
		if tr.Outcome != sandbox.Passed {
			t.Errorf("test %d: %v %s", i, tr.Outcome, tr.Message)
		}
	}
}

// TestShareProcess documents the faster mode: program globals and the
// restored interpreter state are fresh per test, imported modules are not.
func TestShareProcess(t *testing.T) {
	program := "import math\ncounter = 0\ndef bump():\n    global counter\n    counter += 1\n    math.cocos_marker = getattr(math, 'cocos_marker', 0) + 1\n    return counter, math.cocos_marker\n"
	r := run(t, sandbox.Job{Program: program, Tests: []string{"assert bump() == (1, 1)", "assert bump() == (1, 2)"},
		Limits: sandbox.Limits{ShareProcess: true}})
	if got := outcomes(r); got[0] != sandbox.Passed || got[1] != sandbox.Passed {
		t.Errorf("shared process: %+v", r.Tests)
	}
}

func TestSetupCodeRunsAfterProgram(t *testing.T) {
	r := run(t, sandbox.Job{
		Program: "class Node:\n    def __init__(self, v):\n        self.v = v\n        self.next = None\ndef length(n):\n    return 0 if n is None else 1 + length(n.next)\n",
		Setup:   "root = Node(1)\nroot.next = Node(2)\n",
		Tests:   []string{"assert length(root) == 2", "assert length(root.next) == 1"},
	})
	if !r.AllPassed() {
		t.Errorf("%+v", r.Tests)
	}
}

func TestOutputPerTest(t *testing.T) {
	r := run(t, sandbox.Job{
		Program: "import sys\nprint('top')\ndef f(x):\n    print('out', x)\n    print('err', x, file=sys.stderr)\n    return x\n",
		Tests:   []string{"assert f(1) == 1", "assert f(2) == 2"},
	})
	for i, tr := range r.Tests {
		n := string(rune('1' + i))
		if tr.Stdout != "top\nout "+n+"\n" || tr.Stderr != "err "+n+"\n" {
			t.Errorf("test %d: stdout %q stderr %q", i, tr.Stdout, tr.Stderr)
		}
	}
}

func TestResultJSON(t *testing.T) {
	r := run(t, sandbox.Job{Program: okFn, Tests: []string{"assert f(1) == 2", "assert f(1) == 3"}})
	b, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"passed": 1`, `"total": 2`, `"outcome": "passed"`, `"outcome": "failed"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
	if r.PassRatio() != 0.5 || r.AllPassed() {
		t.Errorf("PassRatio %v AllPassed %v", r.PassRatio(), r.AllPassed())
	}
}

func TestCancel(t *testing.T) {
	e := executor(t)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(300 * time.Millisecond); cancel() }()
	start := time.Now()
	_, err := e.Run(ctx, sandbox.Job{Program: "def f():\n    while True:\n        pass\n", Tests: []string{"f()"}})
	if err == nil || time.Since(start) > 2*time.Second {
		t.Fatalf("cancel: err %v after %v", err, time.Since(start))
	}
	if r := run(t, sandbox.Job{Program: okFn, Tests: tests3}); !r.AllPassed() {
		t.Errorf("executor unusable after a cancel: %+v", r.Tests)
	}
}

func TestMissingTools(t *testing.T) {
	_, err := sandbox.New(sandbox.Config{Python: "/nonexistent/python3"})
	if err == nil || !strings.Contains(err.Error(), "apt-get install python3") {
		t.Errorf("missing python3: %v", err)
	}
	_, err = sandbox.New(sandbox.Config{Bwrap: "cocos-no-such-bwrap"})
	if err == nil || !strings.Contains(err.Error(), "apt-get install bubblewrap") {
		t.Errorf("missing bwrap: %v", err)
	}
}

func TestUnsafeNoIsolation(t *testing.T) {
	e, err := sandbox.New(sandbox.Config{Workers: 1, UnsafeNoIsolation: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	r, err := e.Run(context.Background(), sandbox.Job{Program: okFn + "import os\ndef g():\n    return os.path.exists('/etc/passwd')\n",
		Tests: append([]string{"assert g()"}, wrong3...)})
	if err != nil {
		t.Fatal(err)
	}
	if got := outcomes(r); got[0] != sandbox.Passed || r.Passed != 1 {
		t.Errorf("unsafe mode (no isolation: the host's /etc is visible): %+v", r.Tests)
	}
}

// TestRunAfterClose: a closed executor refuses jobs instead of blocking,
// and closing it again is harmless.
func TestRunAfterClose(t *testing.T) {
	e, err := sandbox.New(sandbox.Config{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := e.Run(ctx, sandbox.Job{Program: okFn, Tests: []string{"assert True"}}); !errors.Is(err, sandbox.ErrClosed) {
		t.Errorf("Run after Close: %v, want ErrClosed", err)
	}
	if err := e.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestSoak runs 10,000 jobs, then checks that nothing leaked.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test skipped in -short mode")
	}
	// A private TMPDIR: other processes' sandboxes must not count as leaks.
	// Traversable, as the sandbox runs as nobody when the host is root.
	private, err := os.MkdirTemp("", "soak-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(private)
	os.Chmod(private, 0o755)
	t.Setenv("TMPDIR", private)
	fds, tmp, procs := countFDs(), countTempDirs(), descendants()
	e, err := sandbox.New(sandbox.Config{})
	if err != nil {
		t.Fatal(err)
	}
	jobs := make([]sandbox.Job, 10000)
	for i := range jobs {
		switch i % 4 {
		case 0:
			jobs[i] = sandbox.Job{Program: okFn, Tests: tests3}
		case 1:
			jobs[i] = sandbox.Job{Program: okFn, Tests: wrong3}
		case 2:
			jobs[i] = sandbox.Job{Program: "import os\nif os.fork() == 0:\n    import time\n    time.sleep(100)\n" + okFn, Tests: tests3[:1]}
		case 3:
			jobs[i] = sandbox.Job{Program: "open('/tmp/x', 'w').write('y' * 1000)\n" + okFn, Tests: tests3[:1]}
		}
	}
	start := time.Now()
	results, err := e.RunBatch(context.Background(), jobs)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		if want := i%4 != 1; r.AllPassed() != want {
			t.Fatalf("job %d: %+v", i, r.Tests)
		}
	}
	t.Logf("10000 jobs in %v", time.Since(start).Round(time.Millisecond))
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for descendants() > procs && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := descendants(); n > procs {
		t.Errorf("%d sandbox processes left after Close (%d before the soak)", n, procs)
	}
	if n := countFDs(); n > fds {
		t.Errorf("file descriptors leaked: %d before, %d after", fds, n)
	}
	if n := countTempDirs(); n > tmp {
		t.Errorf("temporary directories leaked: %d before, %d after", tmp, n)
	}
}

func countFDs() int {
	ents, _ := os.ReadDir("/proc/self/fd")
	return len(ents)
}

func countTempDirs() int {
	ents, _ := os.ReadDir(os.TempDir())
	n := 0
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "cocos-") {
			n++
		}
	}
	return n
}

// TestJudgeIsPristinePerJob: test code may change the process it runs in
// (ODEX tests install mocks); nothing of that reaches the next job, nor the
// zygote that forks later programs, even after a program killed the zygote.
func TestJudgeIsPristinePerJob(t *testing.T) {
	e, err := sandbox.New(sandbox.Config{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	jobs := []sandbox.Job{
		{Program: okFn, Tests: []string{"import os, builtins, warnings\nos.path.exists = lambda p: True\nbuiltins.sorted = None\nwarnings.simplefilter('always')"}},
		{Program: "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n" + okFn, Tests: []string{"assert f(1) == 2"}},
		{Program: "import os\ndef f():\n    return os.path.exists('/nonexistent'), sorted([2, 1])\n",
			Tests: []string{"import os, warnings\nassert f() == (False, [1, 2])\nassert not os.path.exists('/nonexistent') and sorted is not None\nassert not any(w[0] == 'always' for w in warnings.filters)"}},
	}
	for i, j := range jobs {
		r, err := e.Run(context.Background(), j)
		if err != nil || !r.AllPassed() {
			t.Fatalf("job %d: %+v %v", i, r.Tests, err)
		}
	}
}
