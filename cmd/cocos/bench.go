package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cocos-go/cocos/data"
	"github.com/cocos-go/cocos/sandbox"
)

func runBench(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "sandbox" {
		return fmt.Errorf("bench: name a benchmark: cocos bench sandbox")
	}
	fs := newFlags("bench sandbox", "bench sandbox [--data DIR] [--workers N]",
		"Judges every MBPP canonical solution twice, through the sandbox and through a reference\nexecutor (one fresh python process per test), and prints tests/s and their ratio.")
	dir := fs.String("data", "", "data directory holding mbpp/mbpp.jsonl (default $COCOS_DATA or ../shared/data)")
	workers := fs.Int("workers", 0, "parallel workers for both executors (default: number of CPUs)")
	share := fs.Bool("share-process", false, "run a job's tests in one process (faster; see sandbox.Limits.ShareProcess)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	d, err := data.ResolveDir(*dir)
	if err != nil {
		return err
	}
	ps, err := data.LoadMBPP(filepath.Join(d, "mbpp", "mbpp.jsonl"))
	if err != nil {
		return err
	}
	jobs := make([]sandbox.Job, len(ps))
	for i, p := range ps {
		jobs[i] = sandbox.Job{Program: p.Code, Setup: p.SetupCode, Tests: p.Tests}
	}
	e, err := sandbox.New(sandbox.Config{Workers: *workers, Limits: sandbox.Limits{ShareProcess: *share}})
	if err != nil {
		return err
	}
	defer e.Close()
	fmt.Printf("cocos bench sandbox: all %d MBPP canonical solutions, isolation on (bubblewrap), share-process=%v\n", len(ps), *share)
	_, err = sandbox.Bench(ctx, e, jobs, os.Stdout)
	return err
}
