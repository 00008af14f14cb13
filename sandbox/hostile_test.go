package sandbox_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cocos-go/cocos/sandbox"
)

// hostileCase is a program that tries to escape, break or fool the sandbox.
type hostileCase struct {
	name    string
	program string
	setup   string
	tests   []string
	limits  sandbox.Limits
	// want lists the expected outcome of each test, in order.
	want []sandbox.Outcome
	// check, when set, inspects the result further.
	check func(t *testing.T, r sandbox.Result)
}

const okFn = "def f(x):\n    return x + 1\n"

var (
	pass3  = []sandbox.Outcome{sandbox.Passed, sandbox.Passed, sandbox.Passed}
	tests3 = []string{"assert f(1) == 2", "assert f(2) == 3", "assert f(3) == 4"}
	// wrong3 asks for answers f cannot give: a pass means the verdict was forged.
	wrong3 = []string{"assert f(1) == 5", "assert f(2) == 7", "assert f(3) == 9"}
)

func failedAll(n int, o sandbox.Outcome) []sandbox.Outcome {
	out := make([]sandbox.Outcome, n)
	for i := range out {
		out[i] = o
	}
	return out
}

// hostileCases are built at run time: some embed host paths and ports.
func hostileCases(repo, sentinel string, port int) []hostileCase {
	notPassed := func(t *testing.T, r sandbox.Result) {
		if r.Passed != 0 {
			t.Errorf("a forged pass: %d/%d tests passed", r.Passed, r.Total)
		}
	}
	return []hostileCase{
		{name: "fork_bomb", program: "import os\ndef f(x):\n    while True:\n        try:\n            os.fork()\n        except OSError:\n            pass\n",
			tests: []string{"assert f(1) == 2"}, limits: sandbox.Limits{Timeout: time.Second}, check: notPassed},
		{name: "memory_bomb", program: "def f(x):\n    a = []\n    while True:\n        a.append(bytearray(1 << 24))\n",
			tests: []string{"assert f(1) == 2"}, limits: sandbox.Limits{Memory: 512 << 20},
			want: []sandbox.Outcome{sandbox.Failed}},
		{name: "infinite_loop", program: "def f(x):\n    while True:\n        pass\n",
			tests: []string{"assert f(1) == 2"}, limits: sandbox.Limits{Timeout: 500 * time.Millisecond},
			want: []sandbox.Outcome{sandbox.TimedOut}},
		{name: "infinite_output", program: "def f(x):\n    while True:\n        print('spam' * 100)\n",
			tests: []string{"assert f(1) == 2"}, limits: sandbox.Limits{Timeout: 500 * time.Millisecond},
			want: []sandbox.Outcome{sandbox.TimedOut}, check: func(t *testing.T, r sandbox.Result) {
				if tr := r.Tests[0]; !tr.Truncated || len(tr.Stdout) > 64<<10 || len(tr.Stdout) < 1000 {
					t.Errorf("stdout not capped: %d bytes kept, truncated=%v", len(tr.Stdout), tr.Truncated)
				}
			}},
		{name: "huge_line_no_newline", program: "import sys\ndef f(x):\n    sys.stdout.write('x' * (50 << 20))\n    return x + 1\n",
			tests: []string{"assert f(1) == 2"}, want: []sandbox.Outcome{sandbox.Passed},
			check: func(t *testing.T, r sandbox.Result) {
				if tr := r.Tests[0]; !tr.Truncated || len(tr.Stdout) != 64<<10 {
					t.Errorf("want exactly 64 KiB of a 50 MiB line, got %d bytes (truncated=%v)", len(tr.Stdout), tr.Truncated)
				}
			}},
		{name: "binary_output", program: "import sys\ndef f(x):\n    sys.stdout.buffer.write(bytes(range(256)) * 4)\n    sys.stderr.buffer.write(b'\\xff\\xfe\\x00')\n    return x + 1\n",
			tests: []string{"assert f(1) == 2"}, want: []sandbox.Outcome{sandbox.Passed},
			check: func(t *testing.T, r sandbox.Result) {
				if tr := r.Tests[0]; !utf8.ValidString(tr.Stdout) || !utf8.ValidString(tr.Stderr) || len(tr.Stdout) < 256 {
					t.Errorf("binary output not carried as valid UTF-8: %q", tr.Stdout[:min(40, len(tr.Stdout))])
				}
			}},
		{name: "deep_recursion", program: "def f(x):\n    return f(x + 1)\n",
			tests: []string{"assert f(1) == 2"}, want: []sandbox.Outcome{sandbox.Failed},
			check: func(t *testing.T, r sandbox.Result) {
				if !strings.Contains(r.Tests[0].Message, "RecursionError") {
					t.Errorf("want RecursionError, got %q", r.Tests[0].Message)
				}
			}},
		{name: "c_stack_overflow", program: "import sys\nsys.setrecursionlimit(10**8)\ndef f(x):\n    return f(x + 1)\n",
			tests: tests3, limits: sandbox.Limits{Timeout: time.Second}, check: notPassed},
		{name: "write_outside_tmp", program: fmt.Sprintf("def f(x):\n    for p in [%q, '/usr/cocos_pwned', '/cocos_pwned', %q]:\n        try:\n            open(p, 'w').write('pwned')\n        except OSError:\n            pass\n    return x + 1\n", sentinel, filepath.Join(repo, "pwned")),
			tests: []string{"assert f(1) == 2"}, want: []sandbox.Outcome{sandbox.Passed}},
		{name: "delete_outside_tmp", program: fmt.Sprintf("import os, shutil\ndef f(x):\n    for p in [%q, '/usr/bin/python3']:\n        try:\n            os.remove(p)\n        except OSError:\n            pass\n    shutil.rmtree(%q, ignore_errors=True)\n    shutil.rmtree('/usr/bin', ignore_errors=True)\n    return x + 1\n", sentinel, repo),
			tests: []string{"assert f(1) == 2"}, want: []sandbox.Outcome{sandbox.Passed}},
		{name: "chmod_outside_tmp", program: fmt.Sprintf("import os\ndef f(x):\n    for p in [%q, '/usr/bin/python3', '/usr', '/tmp/..']:\n        try:\n            os.chmod(p, 0)\n        except OSError:\n            pass\n    return x + 1\n", sentinel),
			tests: []string{"assert f(1) == 2"}, want: []sandbox.Outcome{sandbox.Passed}},
		{name: "read_host_files", program: fmt.Sprintf("import os\ndef f(x):\n    seen = []\n    for p in ['/etc/passwd', '/etc/shadow', '/root', '/home', %q, %q, '/proc/1/environ']:\n        try:\n            seen.append(open(p).read()[:10] if os.path.isfile(p) else os.listdir(p))\n        except OSError:\n            pass\n    return seen\n", sentinel, repo),
			tests: []string{"assert f(1) == []"}, want: []sandbox.Outcome{sandbox.Passed}},
		{name: "environment_secrets", program: "import os\ndef f(x):\n    print(dict(os.environ))\n    return sorted(os.environ)\n",
			tests: []string{"assert 'COCOS_TEST_SECRET' not in f(1)"}, want: []sandbox.Outcome{sandbox.Passed},
			check: func(t *testing.T, r sandbox.Result) {
				if strings.Contains(r.Tests[0].Stdout, "hunter2") {
					t.Errorf("the host's secret leaked into the sandbox: %s", r.Tests[0].Stdout)
				}
			}},
		{name: "connect_localhost", program: fmt.Sprintf("import socket\ndef f(x):\n    try:\n        socket.create_connection(('127.0.0.1', %d), timeout=1)\n        return 'connected'\n    except OSError as e:\n        return type(e).__name__\n", port),
			tests: []string{"assert f(1) != 'connected'"}, want: []sandbox.Outcome{sandbox.Passed}},
		// 192.0.2.1 is TEST-NET-1: outside this machine, yet no packet can
		// leave the sandbox's empty network namespace to reach anything.
		{name: "connect_outside_address", program: "import socket\ndef f(x):\n    try:\n        socket.create_connection(('192.0.2.1', 80), timeout=1)\n        return 'connected'\n    except OSError as e:\n        return e.errno\n",
			tests: []string{"import errno\nassert f(1) == errno.ENETUNREACH"}, want: []sandbox.Outcome{sandbox.Passed}},
		{name: "subprocess_and_shell", program: "import os, subprocess\ndef f(x):\n    os.system('touch /usr/pwned; cat /etc/passwd')\n    out = subprocess.run(['sh', '-c', 'ls / ; id -u'], capture_output=True, text=True).stdout.split()\n    subprocess.Popen(['sleep', '1000'])\n    return out\n",
			tests: []string{"r = f(1)\nassert r[-1] == '1000' and 'usr' in r and not {'home', 'root', 'work'} & set(r)"},
			want:  []sandbox.Outcome{sandbox.Passed}},
		{name: "ctypes_segfault", program: "import ctypes\ndef f(x):\n    return ctypes.string_at(0)\n",
			tests: tests3, want: failedAll(3, sandbox.Crashed)},
		{name: "ctypes_new_user_namespace", program: "import ctypes\ndef f(x):\n    return ctypes.CDLL(None, use_errno=True).unshare(0x10000000)\n",
			tests: []string{"assert f(1) == -1"}, want: []sandbox.Outcome{sandbox.Passed}},
		{name: "ignore_sigalrm_sigterm", program: "import signal\nfor s in (signal.SIGALRM, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):\n    signal.signal(s, signal.SIG_IGN)\ndef f(x):\n    while True:\n        pass\n",
			tests: []string{"assert f(1) == 2", "assert f(2) == 3"}, limits: sandbox.Limits{Timeout: 500 * time.Millisecond},
			want: failedAll(2, sandbox.TimedOut)},
		{name: "threads_left_running", program: "import threading, time\ndef spin():\n    while True:\n        time.sleep(0.001)\ndef f(x):\n    threading.Thread(target=spin).start()\n    return x + 1\n",
			tests: tests3, want: pass3},
		{name: "sleep_forever_after_last_test", program: "import atexit, time\natexit.register(time.sleep, 10**6)\n" + okFn,
			tests: tests3, want: pass3, check: func(t *testing.T, r sandbox.Result) {
				if r.Wall > 2*time.Second {
					t.Errorf("the job waited for the program's exit handler: %v", r.Wall)
				}
			}},
		{name: "os_exit_before_asserts", program: "import os\nos._exit(0)\n" + okFn,
			tests: tests3, want: failedAll(3, sandbox.Crashed)},
		{name: "exit_zero_at_top_level", program: "import sys\n" + okFn + "sys.exit(0)\n",
			tests: tests3, want: failedAll(3, sandbox.Failed)},
		{name: "sys_exit_inside_test", program: "import sys\ndef f(x):\n    sys.exit(0)\n",
			tests: tests3, want: failedAll(3, sandbox.Failed)},
		{name: "monkeypatch_assertion_error", program: "import builtins\nclass Nope(BaseException):\n    pass\nbuiltins.AssertionError = Nope\nAssertionError = Nope\n" + okFn,
			tests: wrong3, want: failedAll(3, sandbox.Failed)},
		{name: "patch_builtins", program: "import builtins\nbuiltins.isinstance = lambda *a: True\nbuiltins.len = lambda x: 3\nbuiltins.all = lambda x: True\nbuiltins.print = None\n" + okFn,
			tests: []string{"assert f(1) == 5", "assert len([f(1)]) == 3", "assert all([f(1) == 9])"}, want: failedAll(3, sandbox.Failed)},
		{name: "eq_always_true", program: "class Yes:\n    def __eq__(self, o):\n        return True\n    __ne__ = lambda self, o: False\n    __lt__ = __gt__ = __le__ = __ge__ = __eq__\n    __hash__ = lambda self: 0\n    __bool__ = lambda self: True\ndef f(x):\n    return Yes()\n",
			tests: []string{"assert f(1) == 5", "assert not (f(1) != 5)", "assert f(1) >= 5 and f(1) <= 5"}, want: failedAll(3, sandbox.Failed)},
		{name: "eq_subclass_of_plain_types", program: "class S(str):\n    def __eq__(self, o):\n        return True\n    __hash__ = str.__hash__\nclass L(list):\n    def __eq__(self, o):\n        return True\nclass I(int):\n    def __eq__(self, o):\n        return True\n    __hash__ = int.__hash__\ndef f(x):\n    return {1: S('no'), 2: L([0]), 3: I(0)}[x]\n",
			tests: []string{"assert f(1) == 'yes'", "assert f(2) == [1, 2]", "assert f(3) == 42"}, want: failedAll(3, sandbox.Failed)},
		{name: "patch_judge_through_gc", program: "import gc, sys\nfor o in gc.get_objects():\n    if isinstance(o, dict) and 'PASSED' in o:\n        o['FAILED'] = o['PASSED']\n        o['TIMEOUT'] = o['PASSED']\nsys.modules['__main__'].__dict__['AssertionError'] = StopIteration\n" + okFn,
			tests: wrong3, want: failedAll(3, sandbox.Failed)},
		{name: "print_fake_verdicts", program: "import os, json\ndef f(x):\n    print('passed')\n    print(json.dumps({'id': 1, 'tests': [{'outcome': 'passed'}]}))\n    for fd in range(3, 64):\n        try:\n            os.write(fd, b'\\x00\\x00\\x00\\x02{}')\n        except OSError:\n            pass\n    return 0\n",
			tests: wrong3, want: failedAll(3, sandbox.Failed)},
		{name: "ptrace_and_proc_mem_of_judge", program: "import ctypes, os\ndef f(x):\n    got = []\n    for p in ('/proc/1/mem', '/proc/1/fd', '/proc/%d/mem' % os.getppid()):\n        try:\n            got.append(len(os.listdir(p)) if p.endswith('fd') else open(p, 'rb').read(1))\n        except OSError:\n            pass\n    got.append(ctypes.CDLL(None).ptrace(16, 1, 0, 0))\n    return got\n",
			tests: []string{"assert f(1) == [-1]"}, want: []sandbox.Outcome{sandbox.Passed}},
		{name: "kill_the_parent", program: "import os, signal\ndef f(x):\n    for p in (os.getppid(), 1, -1):\n        try:\n            os.kill(p, signal.SIGKILL)\n        except OSError:\n            pass\n    return x + 100\n",
			// kill(-1) reaches the job's judge (not PID 1): each test is
			// reported crashed, and PID 1 forks a new judge for the next.
			tests: wrong3, want: failedAll(3, sandbox.Crashed)},
		{name: "kill_everything_it_can", program: "import os, signal\nos.kill(-1, signal.SIGKILL)\n" + okFn,
			tests: tests3, want: failedAll(3, sandbox.Crashed)},
		{name: "exhaust_fds", program: "def f(x):\n    fs = []\n    try:\n        while True:\n            fs.append(open('/dev/null'))\n    except OSError:\n        pass\n    return len(fs) < 300\n",
			tests: []string{"assert f(1) == True", "assert f(1)"}, want: []sandbox.Outcome{sandbox.Passed, sandbox.Passed}},
		{name: "fill_tmp", program: "import os\ndef f(x):\n    n = 0\n    try:\n        for i in range(1000):\n            with open('/tmp/fill%d' % i, 'wb') as fh:\n                fh.write(b'x' * (8 << 20))\n            n += 1\n    except OSError:\n        pass\n    return n\n",
			tests: []string{"assert f(1) < 10"}, want: []sandbox.Outcome{sandbox.Passed}},
		{name: "non_utf8_source", program: "def f(x):\n    return '\xe9t\xe9'\n",
			tests: []string{"assert f(1) == 'été'"}, want: []sandbox.Outcome{sandbox.Failed},
			check: func(t *testing.T, r sandbox.Result) {
				if !strings.Contains(r.Tests[0].Message, "SyntaxError") {
					t.Errorf("want a SyntaxError for undeclared latin-1 source, got %q", r.Tests[0].Message)
				}
			}},
		{name: "latin1_source_declared", program: "# -*- coding: latin-1 -*-\ndef f(x):\n    return '\xe9t\xe9'\n",
			tests: []string{"assert f(1) == 'été'"}, want: []sandbox.Outcome{sandbox.Passed}},
		{name: "syntax_error", program: "def f(x)\n    return x\n",
			tests: tests3, want: failedAll(3, sandbox.Failed), check: func(t *testing.T, r sandbox.Result) {
				if !strings.Contains(r.Tests[0].Message, "SyntaxError") {
					t.Errorf("want SyntaxError, got %q", r.Tests[0].Message)
				}
			}},
		{name: "hangs_on_one_case", program: "def f(x):\n    while x == 2:\n        pass\n    return x + 1\n",
			tests: tests3, limits: sandbox.Limits{Timeout: 500 * time.Millisecond},
			want: []sandbox.Outcome{sandbox.Passed, sandbox.TimedOut, sandbox.Passed}},
		{name: "unicode_identifiers", program: "def größe(λ):\n    return λ * 2\nπ = 3\n",
			tests: []string{"assert größe(π) == 6"}, want: []sandbox.Outcome{sandbox.Passed}},
		{name: "fork_and_exit_leaving_child", program: "import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        time.sleep(10**6)\n    os._exit(0)\n" + okFn,
			tests: tests3, want: pass3},
		{name: "huge_return_value", program: "def f(x):\n    return 'x' * (100 << 20)\n",
			tests: []string{"assert len(f(1)) > 0"}, want: []sandbox.Outcome{sandbox.Failed}},
		{name: "stop_the_zygote", program: "import os, signal\ndef f(x):\n    for p in range(2, 64):\n        if p != os.getpid():\n            try:\n                os.kill(p, signal.SIGSTOP)\n            except OSError:\n                pass\n    return x + 1\n",
			tests: tests3, want: pass3},
	}
}

func TestHostile(t *testing.T) {
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	sentinel := filepath.Join(t.TempDir(), "sentinel")
	os.Chmod(filepath.Dir(sentinel), 0o755)
	if err := os.WriteFile(sentinel, []byte("intact"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("COCOS_TEST_SECRET", "hunter2")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
			accepted <- struct{}{}
		}
	}()
	// One worker: the canary after each case runs in the very sandbox the
	// hostile program ran in.
	e, err := sandbox.New(sandbox.Config{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	canary(t, e)
	baseline := descendants()
	for _, c := range hostileCases(repo, sentinel, ln.Addr().(*net.TCPAddr).Port) {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			r, err := e.Run(ctx, sandbox.Job{Program: c.program, Setup: c.setup, Tests: c.tests, Limits: c.limits})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Tests) != len(c.tests) {
				t.Fatalf("got %d results for %d tests", len(r.Tests), len(c.tests))
			}
			for i, w := range c.want {
				if got := r.Tests[i].Outcome; got != w {
					t.Errorf("test %d: outcome %v (%s), want %v", i, got, r.Tests[i].Message, w)
				}
			}
			if c.check != nil {
				c.check(t, r)
			}
			canary(t, e)
			if b, err := os.ReadFile(sentinel); err != nil || string(b) != "intact" {
				t.Errorf("host sentinel file changed: %q, %v", b, err)
			}
			if _, err := os.Stat(filepath.Join(repo, "pwned")); err == nil {
				t.Errorf("the program wrote into the repository")
			}
			if n := descendants(); n > baseline {
				t.Errorf("%d processes outlived the job (baseline %d)", n, baseline)
			}
		})
	}
	select {
	case <-accepted:
		t.Errorf("a sandboxed program connected to the host's 127.0.0.1 listener")
	default:
	}
}

// canary runs an ordinary job and fails the test unless it passes cleanly:
// the proof that a hostile job left the sandbox and the next job unharmed.
func canary(t *testing.T, e *sandbox.Executor) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := e.Run(ctx, sandbox.Job{
		Program: "import os\ndef f(x):\n    with open('/tmp/canary', 'wb') as fh:\n        fh.write(b'x' * (12 << 20))\n    return sorted(os.listdir('/tmp')), x + 1\n",
		Tests:   []string{"assert f(1) == (['canary'], 2)", "assert f(2) == (['canary'], 3)"},
	})
	if err != nil || !r.AllPassed() {
		t.Fatalf("the next job is affected: %+v (err %v)", r.Tests, err)
	}
}

// descendants counts this test process's descendant processes (the
// sandboxes), by walking /proc's parent links.
func descendants() int {
	parent := map[int]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 1 {
			parent[pid], _ = strconv.Atoi(f[1])
		}
	}
	self, n := os.Getpid(), 0
	for pid := range parent {
		for p := parent[pid]; p > 0; p = parent[p] {
			if p == self {
				n++
				break
			}
		}
	}
	return n
}
