// Command cocos drives the cocos research environment: judging programs,
// data sets, models, training and evaluation.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/cocos-go/cocos/cocos/model"
	"github.com/cocos-go/cocos/internal/memstat"
)

// command is one subcommand: its one-line summary and its entry point.
type command struct {
	summary string
	run     func(ctx context.Context, args []string) error
}

var commands = map[string]command{
	"exec":     {"judge one program against unit tests in the sandbox; prints JSON", runExec},
	"data":     {"data sets: `cocos data stats`, `cocos data fetch NAME`", runData},
	"generate": {"complete a prompt with a model directory", runGenerate},
	"bench":    {"benchmarks: `cocos bench sandbox|model|generate|rloo`", runBench},
	"init":     {"make a model directory with random weights: a tiny one to train (suite tokenizer), or a paper model's shape (npm tokenizer)", runInit},
	"train":    {"train: `cocos train sft|cocos|score|turn-rl --model DIR --out RUN`; the same command resumes", runTrain},
	"demo":     {"the whole pipeline on the built-in suite, about 5 min on 2 CPU cores: tables and report.html", runDemo},
	"serve":    {"an OpenAI-compatible HTTP server for a model (/v1/completions, /v1/chat/completions)", runServe},
	"report":   {"write a demo run directory's report.html and explorer.html", runReport},
	"pjrt":     {"install the XLA backend's PJRT plugin (cpu, cuda12, cuda13) at the pinned version", runPJRT},
	"eval":     {"multi-turn evaluation: Acc@t, Δ, unit-level changes, edit ratios, pass@k; Arrow rows", runEval},
}

// computes lists the commands that run a model, on the Go backend unless
// told otherwise: they warn when built without its SIMD kernels.
var computes = map[string]bool{"generate": true, "bench": true, "init": true, "train": true, "demo": true, "serve": true, "eval": true}

// onXLA reports whether the command runs on an XLA backend ($GOMLX_BACKEND
// or --backend), where the Go backend's kernels do not matter.
func onXLA(args []string) bool {
	if strings.HasPrefix(os.Getenv("GOMLX_BACKEND"), "xla") {
		return true
	}
	for i, a := range args {
		if strings.HasPrefix(a, "--backend=xla") || strings.HasPrefix(a, "-backend=xla") ||
			((a == "--backend" || a == "-backend") && i+1 < len(args) && strings.HasPrefix(args[i+1], "xla")) {
			return true
		}
	}
	return false
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := profiled(func() error { return dispatch(ctx, os.Args[1:]) })
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(os.Stderr, "cocos: stopped; run the same command again to resume from the last checkpoint")
			os.Exit(130)
		}
		fmt.Fprintln(os.Stderr, "cocos:", err)
		if hint := hintFor(err); hint != "" {
			fmt.Fprintln(os.Stderr, "cocos:", hint)
		}
		os.Exit(1)
	}
}

// hintFor says what to do about errors a newcomer meets whatever the
// command: a full disk or a directory they cannot write.
func hintFor(err error) string {
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return "the disk is full: free space (or point --dir/--out elsewhere) and run the same command again; it resumes"
	case errors.Is(err, os.ErrPermission):
		return "permission denied: choose a directory you can write (--dir/--out)"
	}
	return ""
}

// profiled runs f under the CPU profiler when $COCOS_CPUPROFILE names a
// file (an environment variable, so every subcommand has it); the profile
// is complete even when f is interrupted. $COCOS_MEMPROFILE names a file
// for the heap profile at the peak resident set.
func profiled(f func() error) error {
	if heap := os.Getenv("COCOS_MEMPROFILE"); heap != "" {
		// The heap near the peak RSS (memstat.HeapAtPeak), for what a
		// benchmark's memory is made of.
		stop := memstat.HeapAtPeak(heap, 200*time.Millisecond)
		defer func() {
			if err := stop(); err != nil {
				fmt.Fprintln(os.Stderr, "cocos: COCOS_MEMPROFILE:", err)
			}
		}()
	}
	path := os.Getenv("COCOS_CPUPROFILE")
	if path == "" {
		return f()
	}
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("COCOS_CPUPROFILE: %w", err)
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		out.Close()
		return fmt.Errorf("COCOS_CPUPROFILE: %w", err)
	}
	err = f()
	pprof.StopCPUProfile()
	if cerr := out.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("COCOS_CPUPROFILE: %w", cerr)
	}
	return err
}

func dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage()
		return nil
	}
	c, ok := commands[args[0]]
	if ok && computes[args[0]] && !onXLA(args) {
		if w := model.SIMDWarning(); w != "" {
			fmt.Fprintln(os.Stderr, w)
		}
	}
	if !ok {
		usage()
		return fmt.Errorf("unknown command %q", args[0])
	}
	return c.run(ctx, args[1:])
}

func usage() {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("cocos: self-correcting code generation with small language models\n\nUsage: cocos COMMAND [flags]\n\nCommands:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-8s %s\n", n, commands[n].summary)
	}
	b.WriteString("\nRun `cocos COMMAND -h` for a command's flags.\n")
	fmt.Fprint(os.Stderr, b.String())
}

// newFlags returns a flag set whose usage names the command and its summary.
func newFlags(name, synopsis, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet("cocos "+name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: cocos %s\n\n%s\n\nFlags:\n", synopsis, summary)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses a command's flags. A bad flag is one line that says
// where to look, not the whole usage; -h prints the usage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	var usage strings.Builder
	fs.SetOutput(&usage)
	err := fs.Parse(args)
	fs.SetOutput(nil)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(os.Stderr, usage.String())
		return err
	}
	if err != nil {
		return fmt.Errorf("%v (`%s -h` lists the flags)", err, fs.Name())
	}
	return nil
}
