package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/cocos-go/cocos/sandbox"
)

func runExec(ctx context.Context, args []string) error {
	fs := newFlags("exec", "exec --code FILE --tests FILE [--setup FILE] [--timeout S]",
		"Judges a Python program against unit tests (one assert per line) in the sandbox and\nprints the result as JSON: top-level \"passed\" and \"total\", then each test's outcome.")
	code := fs.String("code", "", "the program to judge (required)")
	tests := fs.String("tests", "", "unit tests, one assert per line (required)")
	setup := fs.String("setup", "", "setup code run after the program, before the tests")
	timeout := fs.Float64("timeout", 3, "wall-clock seconds per test")
	unsafe := fs.Bool("unsafe-no-isolation", false, "run WITHOUT the bubblewrap sandbox (hosts without user namespaces; trusted code only)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *code == "" || *tests == "" {
		return fmt.Errorf("exec: --code and --tests are required (`cocos exec -h` lists the flags)")
	}
	job := sandbox.Job{Limits: sandbox.Limits{Timeout: time.Duration(*timeout * float64(time.Second))}}
	var err error
	if job.Program, err = readText(*code); err != nil {
		return err
	}
	if *setup != "" {
		if job.Setup, err = readText(*setup); err != nil {
			return err
		}
	}
	testText, err := readText(*tests)
	if err != nil {
		return err
	}
	for _, line := range strings.Split(testText, "\n") {
		if strings.TrimSpace(line) != "" {
			job.Tests = append(job.Tests, strings.TrimRight(line, "\r"))
		}
	}
	if len(job.Tests) == 0 {
		return fmt.Errorf("exec: %s holds no test (one assert per line)", *tests)
	}
	e, err := sandbox.New(sandbox.Config{Workers: 1, UnsafeNoIsolation: *unsafe})
	if err != nil {
		return err
	}
	defer e.Close()
	res, err := e.Run(ctx, job)
	if err != nil {
		return err
	}
	out, err := res.JSON()
	if err != nil {
		return err
	}
	fmt.Println(string(out))
	return nil
}

func readText(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("exec: %w", err)
	}
	return string(b), nil
}
