package sandbox

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// worker is one sandbox: a bubblewrap process whose PID 1 is server.py.
// It judges one job at a time.
type worker struct {
	cfg  *Config
	cmd  *exec.Cmd
	req  *os.File // our end of the request pipe (server's fd 3)
	resp *os.File // our end of the response pipe (server's fd 4)
	errs *tailBuffer
	done chan struct{} // closed when cmd has been waited for
	seq  int64
}

// startWorker launches a sandbox and waits until its server is ready.
func startWorker(cfg *Config, cpu int) (*worker, error) {
	reqR, reqW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("sandbox: pipe: %w", err)
	}
	respR, respW, err := os.Pipe()
	if err != nil {
		reqR.Close()
		reqW.Close()
		return nil, fmt.Errorf("sandbox: pipe: %w", err)
	}
	w := &worker{cfg: cfg, req: reqW, resp: respR, errs: &tailBuffer{max: 8 << 10}, done: make(chan struct{})}
	w.cmd = cfg.command(cpu)
	w.cmd.ExtraFiles = []*os.File{reqR, respW}
	w.cmd.Stderr = w.errs
	err = w.cmd.Start()
	reqR.Close()
	respW.Close()
	if err != nil {
		reqW.Close()
		respR.Close()
		return nil, fmt.Errorf("sandbox: start %s: %w", w.cmd.Path, err)
	}
	go func() { w.cmd.Wait(); close(w.done) }()
	var hello struct {
		Ready bool `json:"ready"`
	}
	if err := w.read(&hello, time.Now().Add(30*time.Second)); err != nil || !hello.Ready {
		w.kill()
		return nil, fmt.Errorf("sandbox: the sandboxed server did not start: %v%s", err, w.stderrNote())
	}
	return w, nil
}

type wireLimits struct {
	Timeout      float64 `json:"timeout"`
	Memory       int64   `json:"memory"`
	FileSize     int64   `json:"file_size"`
	OpenFiles    int     `json:"open_files"`
	Processes    int     `json:"processes"`
	Output       int     `json:"output"`
	ShareProcess bool    `json:"share_process"`
}

type wireJob struct {
	ID      int64      `json:"id"`
	Program string     `json:"program"`
	Setup   string     `json:"setup"`
	Tests   []string   `json:"tests"`
	Limits  wireLimits `json:"limits"`
}

type wireResult struct {
	ID    int64  `json:"id"`
	Error string `json:"error"`
	Tests []struct {
		Outcome   Outcome `json:"outcome"`
		Message   string  `json:"message"`
		Stdout    string  `json:"stdout"`
		Stderr    string  `json:"stderr"`
		Truncated bool    `json:"truncated"`
		Seconds   float64 `json:"seconds"`
	} `json:"tests"`
}

// run judges one job. A non-nil error means the worker is no longer usable;
// the result then holds what could be reported (the rest as Crashed or
// TimedOut).
func (w *worker) run(job Job, lim Limits) (Result, error) {
	w.seq++
	b64 := base64.StdEncoding.EncodeToString
	wj := wireJob{ID: w.seq, Program: b64([]byte(job.Program)), Setup: b64([]byte(job.Setup)),
		Tests: make([]string, len(job.Tests)),
		Limits: wireLimits{Timeout: lim.Timeout.Seconds(), Memory: lim.Memory, FileSize: lim.FileSize,
			OpenFiles: lim.OpenFiles, Processes: lim.Processes, Output: lim.Output, ShareProcess: lim.ShareProcess}}
	for i, t := range job.Tests {
		wj.Tests[i] = b64([]byte(t))
	}
	start := time.Now()
	// The server enforces per-test timeouts itself; this deadline only
	// catches a server that stopped answering.
	deadline := start.Add(time.Duration(len(job.Tests)+1)*(lim.Timeout+2*time.Second) + 10*time.Second)
	var wr wireResult
	err := w.write(wj)
	if err == nil {
		err = w.read(&wr, deadline)
	}
	if err == nil && wr.ID != wj.ID {
		err = fmt.Errorf("sandbox: reply to job %d while waiting for %d", wr.ID, wj.ID)
	}
	if err == nil && wr.Error != "" {
		err = fmt.Errorf("sandbox: server error: %s", wr.Error)
	}
	res := Result{Tests: make([]TestResult, 0, len(job.Tests))}
	for _, t := range wr.Tests {
		res.Tests = append(res.Tests, TestResult{Outcome: t.Outcome, Message: t.Message, Stdout: t.Stdout,
			Stderr: t.Stderr, Truncated: t.Truncated, Wall: time.Duration(t.Seconds * float64(time.Second))})
	}
	if err != nil || len(res.Tests) != len(job.Tests) {
		if err == nil {
			err = fmt.Errorf("sandbox: server returned %d results for %d tests", len(res.Tests), len(job.Tests))
		}
		outcome := Crashed
		if errors.Is(err, os.ErrDeadlineExceeded) {
			outcome = TimedOut
		}
		w.kill()
		msg := fmt.Sprintf("the sandbox failed: %v%s", err, w.stderrNote())
		for len(res.Tests) < len(job.Tests) {
			res.Tests = append(res.Tests, TestResult{Outcome: outcome, Message: msg})
		}
	}
	res.Wall = time.Since(start)
	res.count()
	return res, err
}

func (w *worker) write(v any) error {
	payload, err := json.Marshal(v)
	if err != nil {
		return err
	}
	frame := make([]byte, 4+len(payload))
	binary.BigEndian.PutUint32(frame, uint32(len(payload)))
	copy(frame[4:], payload)
	w.req.SetWriteDeadline(time.Now().Add(30 * time.Second))
	_, err = w.req.Write(frame)
	return err
}

func (w *worker) read(v any, deadline time.Time) error {
	w.resp.SetReadDeadline(deadline)
	var hdr [4]byte
	if _, err := io.ReadFull(w.resp, hdr[:]); err != nil {
		return err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > 256<<20 {
		return fmt.Errorf("sandbox: reply of %d bytes is too large", n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(w.resp, buf); err != nil {
		return err
	}
	return json.Unmarshal(buf, v)
}

// kill stops the sandbox and everything in it. Killing its process group
// takes bwrap and the server (PID 1 of the namespace) down, and the kernel
// then kills every other process of that PID namespace.
func (w *worker) kill() {
	if w.cmd.Process != nil {
		syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
		w.cmd.Process.Kill()
	}
	<-w.done
	w.req.Close()
	w.resp.Close()
}

func (w *worker) stderrNote() string {
	if s := w.errs.String(); s != "" {
		return "; sandbox stderr: " + s
	}
	return ""
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
