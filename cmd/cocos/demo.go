package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/cocos-go/cocos/cocos/demo"
	"github.com/cocos-go/cocos/cocos/metrics"
)

func runDemo(ctx context.Context, args []string) error {
	fs := newFlags("demo", "demo [--dir DIR] [--seed N] [--reduced]",
		"The whole CoCoS pipeline on the built-in task suite, on a CPU, with no download: a tiny model from\n"+
			"scratch → boost SFT → CoCoS and Turn-RL → greedy evaluation over 5 turns → the paper's tables and\n"+
			"DIR/report.html. Ctrl-C stops it; the same command resumes.")
	dir := fs.String("dir", "runs/demo", "run directory")
	var seed uint64
	addSeedFlag(fs, &seed)
	reduced := fs.Bool("reduced", false, "a few steps and problems only (the CI check of the same code path)")
	quiet := addQuietFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg := demo.Default()
	if *reduced {
		cfg = demo.Reduced()
	}
	cfg.Dir, cfg.Seed = *dir, seed
	if !*quiet {
		cfg.Progress = os.Stderr
	}
	start := time.Now()
	res, err := demo.Run(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Print(demoSummary(res, time.Since(start)))
	return nil
}

// demoSummary is the tables, the accuracy per turn and the stage times.
func demoSummary(res demo.Result, wall time.Duration) string {
	var b strings.Builder
	b.WriteString("\nTurn 1 → turn 2 (suite test split, %)\n")
	b.WriteString(metrics.Table(res.TwoTurn))
	if len(res.AllTurns) > 0 {
		_, last := res.AllTurns[0].Turns()
		fmt.Fprintf(&b, "\nTurn 1 → turn %d\n", last)
	}
	b.WriteString(metrics.Table(res.AllTurns))
	if len(res.LastPair) > 0 {
		from, to := res.LastPair[0].Turns()
		fmt.Fprintf(&b, "\nTurn %d → turn %d\n", from, to)
		b.WriteString(metrics.Table(res.LastPair))
	}
	b.WriteString(metrics.TableNote + "\n")
	b.WriteString("\nDiagnostics (%)\n")
	b.WriteString(metrics.DiagnosticsTable(res.Diagnostics))
	b.WriteString("\nAcc@t per turn (%)\n")
	for _, r := range res.TwoTurn {
		fmt.Fprintf(&b, "%-10s", r.Method)
		for _, a := range res.Turns[r.Method] {
			fmt.Fprintf(&b, " %6.1f", 100*a)
		}
		b.WriteString("\n")
	}
	names := make([]string, 0, len(res.Stages))
	for n := range res.Stages {
		names = append(names, n)
	}
	sort.Strings(names)
	b.WriteString("\nwall time:")
	for _, n := range names {
		fmt.Fprintf(&b, " %s %v,", n, res.Stages[n].Round(time.Second))
	}
	fmt.Fprintf(&b, " total %v\nreport: %s\nexplorer: %s (every trajectory: code, diffs, test verdicts, flags)\n", wall.Round(time.Second), res.Report, res.Explorer)
	return b.String()
}

func runReport(_ context.Context, args []string) error {
	fs := newFlags("report", "report DIR", "Writes DIR/report.html (offline, ECharts inlined) and DIR/explorer.html (every trajectory,\n"+
		"filterable, linked from the report) from a demo run directory.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("report: name the run directory: cocos report DIR")
	}
	reportPath, explorerPath, err := demo.WriteReport(fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Println(reportPath)
	fmt.Println(explorerPath)
	return nil
}
