package sandbox

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

//go:embed server.py
var serverSource []byte

// Config configures an Executor. Zero fields take the documented defaults.
type Config struct {
	// Workers is the number of sandboxes judging jobs in parallel.
	// Default runtime.NumCPU().
	Workers int
	// Python is the interpreter run inside the sandbox. It must live under
	// /usr (the only host tree the sandbox sees) unless listed in ReadOnly.
	// Default /usr/bin/python3.
	Python string
	// Bwrap is the bubblewrap binary. Default: "bwrap" looked up in PATH.
	Bwrap string
	// Limits are the per-job limits; a Job's own non-zero fields win.
	Limits Limits
	// TmpSize is the size of each sandbox's private /tmp, in bytes.
	// Default 64 MiB.
	TmpSize int64
	// Preload lists modules the server imports once so that programs do not
	// pay for importing them. Default: DefaultPreload().
	Preload []string
	// ReadOnly lists extra host paths mounted read-only at the same place
	// (for example a virtual environment with numpy).
	ReadOnly []string
	// UnsafeNoIsolation runs programs directly on the host, with rlimits and
	// the judge's anti-forgery but WITHOUT namespaces: no network, file
	// system or process isolation. Only for hosts without user namespaces,
	// and only for programs you trust.
	UnsafeNoIsolation bool

	serverDir string // set by New: where server.py was written
}

// DefaultPreload returns the standard modules MBPP-style programs import most.
func DefaultPreload() []string {
	return []string{"re", "math", "collections", "heapq", "itertools", "functools",
		"operator", "bisect", "cmath", "array", "copy", "string", "statistics", "typing"}
}

// sandboxUID is the unprivileged user programs run as inside the sandbox.
const sandboxUID = "1000"

// ErrClosed is Run's error after Close.
var ErrClosed = errors.New("sandbox: executor closed")

// Executor judges jobs in a pool of sandboxes. It is safe for concurrent use.
type Executor struct {
	cfg     Config
	dir     string // holds server.py, mounted read-only into every sandbox
	idle    chan *worker
	sem     chan struct{} // one token per worker slot
	mu      sync.Mutex
	shut    bool
	closed  chan struct{} // closed by Close: Run refuses new jobs
	started int           // sandboxes started so far
	cpus    []int         // CPUs we may run on, for pinning sandboxes
}

// New checks the host and starts the first sandbox, so that a missing tool
// or a host without user namespaces is reported here, clearly.
func New(cfg Config) (*Executor, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "cocos-sandbox-")
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	// bwrap may run as nobody (see command): it must be able to read these.
	if err := os.Chmod(dir, 0o755); err == nil {
		err = os.WriteFile(filepath.Join(dir, "server.py"), serverSource, 0o644)
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	cfg.serverDir = dir
	e := &Executor{cfg: cfg, dir: dir, idle: make(chan *worker, cfg.Workers), sem: make(chan struct{}, cfg.Workers), cpus: allowedCPUs(),
		closed: make(chan struct{})}
	w, err := startWorker(&e.cfg, e.nextCPU())
	if err != nil {
		os.RemoveAll(dir)
		return nil, e.explain(err)
	}
	e.idle <- w
	return e, nil
}

func (e *Executor) explain(err error) error {
	if e.cfg.UnsafeNoIsolation {
		return err
	}
	return fmt.Errorf("%w\n(bubblewrap needs unprivileged user namespaces: check `sysctl kernel.unprivileged_userns_clone` "+
		"and `user.max_user_namespaces`; on a host that cannot have them, Config.UnsafeNoIsolation runs without isolation)", err)
}

// Workers returns the number of sandboxes the executor runs in parallel.
func (e *Executor) Workers() int { return e.cfg.Workers }

// Run judges one job. The error is non-nil only when ctx is done or the
// executor is closed; sandbox failures are reported as Crashed tests.
func (e *Executor) Run(ctx context.Context, job Job) (Result, error) {
	lim := job.Limits.Or(e.cfg.Limits)
	select {
	case e.sem <- struct{}{}:
	case <-ctx.Done():
		return Result{}, ctx.Err()
	case <-e.closed:
		return Result{}, ErrClosed
	}
	defer func() { <-e.sem }()
	w, err := e.take()
	if err != nil {
		return crashedResult(job, err.Error()), nil
	}
	type out struct {
		res Result
		err error
	}
	ch := make(chan out, 1)
	go func() { r, err := w.run(job, lim); ch <- out{r, err} }()
	select {
	case o := <-ch:
		if o.err == nil {
			e.give(w)
		}
		return o.res, nil
	case <-ctx.Done():
		w.kill()
		<-ch
		return Result{}, ctx.Err()
	}
}

// RunBatch judges jobs on all workers and returns results in job order.
// On cancellation it returns the results finished so far and ctx.Err().
func (e *Executor) RunBatch(ctx context.Context, jobs []Job) ([]Result, error) {
	results := make([]Result, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	var firstErr error
	var errOnce sync.Once
	for range min(e.cfg.Workers, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r, err := e.Run(ctx, jobs[i])
				if err != nil {
					errOnce.Do(func() { firstErr = err })
					continue
				}
				results[i] = r
			}
		}()
	}
feed:
	for i := range jobs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return results, firstErr
}

func (e *Executor) take() (*worker, error) {
	select {
	case w := <-e.idle:
		return w, nil
	default:
	}
	e.mu.Lock()
	shut := e.shut
	e.mu.Unlock()
	if shut {
		return nil, errors.New("sandbox: executor is closed")
	}
	return startWorker(&e.cfg, e.nextCPU())
}

// nextCPU spreads sandboxes over the CPUs this process may use.
func (e *Executor) nextCPU() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.started++
	return e.cpus[(e.started-1)%len(e.cpus)]
}

func (e *Executor) give(w *worker) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.shut {
		w.kill()
		return
	}
	e.idle <- w
}

// Close stops every sandbox and removes the executor's files.
func (e *Executor) Close() error {
	e.mu.Lock()
	if e.shut {
		e.mu.Unlock()
		return nil
	}
	e.shut = true
	close(e.closed)
	e.mu.Unlock()
	for i := 0; i < cap(e.sem); i++ { // wait for running jobs
		e.sem <- struct{}{}
	}
	for {
		select {
		case w := <-e.idle:
			w.kill()
		default:
			return os.RemoveAll(e.dir)
		}
	}
}

func crashedResult(job Job, msg string) Result {
	r := Result{Tests: make([]TestResult, len(job.Tests))}
	for i := range r.Tests {
		r.Tests[i] = TestResult{Outcome: Crashed, Message: msg}
	}
	r.count()
	return r
}

func (c *Config) fill() error {
	if c.Workers <= 0 {
		c.Workers = runtime.NumCPU()
	}
	if c.Python == "" {
		c.Python = "/usr/bin/python3"
	}
	if c.TmpSize <= 0 {
		c.TmpSize = 64 << 20
	}
	if c.Preload == nil {
		c.Preload = DefaultPreload()
	}
	c.Limits = c.Limits.Or(DefaultLimits())
	if _, err := os.Stat(c.Python); err != nil {
		return fmt.Errorf("sandbox: python3 not found at %s: install it (Debian: apt-get install python3) or set Config.Python", c.Python)
	}
	if c.UnsafeNoIsolation {
		return nil
	}
	if c.Bwrap == "" {
		c.Bwrap = "bwrap"
	}
	p, err := exec.LookPath(c.Bwrap)
	if err != nil {
		return fmt.Errorf("sandbox: bubblewrap (%s) not found: install it (Debian: apt-get install bubblewrap)", c.Bwrap)
	}
	c.Bwrap = p
	return nil
}

// command builds the process that runs server.py, inside bubblewrap unless
// UnsafeNoIsolation is set.
func (c *Config) command(cpu int) *exec.Cmd {
	server := filepath.Join(c.serverDir, "server.py")
	python := func(script string) []string {
		return append([]string{c.Python, "-I", "-B", script}, c.Preload...)
	}
	if c.UnsafeNoIsolation {
		cmd := exec.Command(c.Python, python(server)[1:]...)
		// Work directories go under serverDir, which Close removes.
		cmd.Env = []string{"PATH=/usr/bin:/bin", "LANG=C.UTF-8", "OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1",
			"COCOS_CPU=" + strconv.Itoa(cpu), "TMPDIR=" + c.serverDir}
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		return cmd
	}
	args := []string{
		"--unshare-all", "--unshare-user", "--uid", sandboxUID, "--gid", sandboxUID, "--disable-userns",
		"--die-with-parent", "--new-session", "--as-pid-1", "--cap-drop", "ALL",
		"--ro-bind", "/usr", "/usr",
		"--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
		"--symlink", "usr/lib64", "/lib64", "--symlink", "usr/sbin", "/sbin",
		"--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
		// Debian resolves shared libraries such as BLAS (numpy) through these links.
		"--ro-bind-try", "/etc/alternatives", "/etc/alternatives",
		"--ro-bind-try", "/etc/matplotlibrc", "/etc/matplotlibrc", // Debian's matplotlib reads it
		"--proc", "/proc", "--dev", "/dev",
		"--size", strconv.FormatInt(c.TmpSize, 10), "--tmpfs", "/tmp",
		"--ro-bind", server, "/opt/cocos/server.py",
	}
	for _, p := range c.ReadOnly {
		args = append(args, "--ro-bind", p, p)
	}
	// The root is bwrap's own tmpfs: without this a program could write to
	// or chmod / and break the sandbox for the jobs after it.
	args = append(args, "--remount-ro", "/", "--chdir", "/tmp", "--clearenv",
		"--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/tmp", "--setenv", "LANG", "C.UTF-8",
		"--setenv", "COCOS_CPU", strconv.Itoa(cpu), "--setenv", "OPENBLAS_NUM_THREADS", "1", "--setenv", "OMP_NUM_THREADS", "1", "--setenv", "MPLBACKEND", "Agg")
	args = append(args, python("/opt/cocos/server.py")...)
	cmd := exec.Command(c.Bwrap, args...)
	cmd.Dir = "/"
	cmd.Env = []string{}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if os.Geteuid() == 0 {
		// As host root, RLIMIT_NPROC is not enforced and the sandbox user
		// would map to root: run bubblewrap as nobody instead.
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: 65534, Gid: 65534, NoSetGroups: false, Groups: []uint32{}}
	}
	return cmd
}

// allowedCPUs lists the CPUs in this process's affinity mask.
func allowedCPUs() []int {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err == nil {
		var cpus []int
		for i := 0; i < 1024 && len(cpus) < set.Count(); i++ {
			if set.IsSet(i) {
				cpus = append(cpus, i)
			}
		}
		if len(cpus) > 0 {
			return cpus
		}
	}
	return []int{0}
}
