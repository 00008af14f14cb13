// Command dockerlint checks a Dockerfile without a Docker engine: BuildKit's
// lint rules (the checks `docker build --check` runs) for each value of
// the build arguments given, and that every local file COPY or ADD takes
// exists in the build context.
//
//	go run . -context ../.. -arg BACKEND=cuda -arg BACKEND=cpu ../../docker/Dockerfile
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerui"
	digest "github.com/opencontainers/go-digest"
)

// offline answers base-image lookups without a registry: a linux/amd64
// image whose environment has the usual PATH.
type offline struct{}

func (offline) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	cfg := `{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}}`
	return ref, digest.FromString(cfg), []byte(cfg), nil
}

type args []string

func (a *args) String() string     { return strings.Join(*a, ",") }
func (a *args) Set(v string) error { *a = append(*a, v); return nil }

func main() {
	contextDir := flag.String("context", ".", "build context directory")
	var variants args
	flag.Var(&variants, "arg", "NAME=VALUE build argument; each one is linted as its own variant")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: dockerlint [-context DIR] [-arg NAME=VALUE]... Dockerfile")
		os.Exit(2)
	}
	path := flag.Arg(0)
	dt, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	problems := 0
	if len(variants) == 0 {
		variants = args{""}
	}
	for _, v := range variants {
		problems += lint(path, dt, v)
	}
	problems += checkSources(path, dt, *contextDir)
	if problems > 0 {
		fmt.Fprintf(os.Stderr, "dockerlint: %s: %d problem(s)\n", path, problems)
		os.Exit(1)
	}
	fmt.Printf("dockerlint: %s: BuildKit's checks pass for %v; every COPY source exists in %s\n", path, variants, *contextDir)
}

// lint runs BuildKit's checks with one build argument set.
func lint(path string, dt []byte, arg string) int {
	buildArgs := map[string]string{}
	if name, value, ok := strings.Cut(arg, "="); ok {
		buildArgs[name] = value
	}
	ctx := context.Background()
	src := llb.Local("dockerfile")
	sm := llb.NewSourceMap(&src, path, "Dockerfile", dt)
	def, err := src.Marshal(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	sm.Definition = def
	opt := dockerfile2llb.ConvertOpt{Config: dockerui.Config{BuildArgs: buildArgs}, MetaResolver: offline{}, SourceMap: sm}
	res, err := dockerfile2llb.DockerfileLint(ctx, dt, opt)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s [%s]: %v\n", path, arg, err)
		return 1
	}
	for _, w := range res.Warnings {
		line := 0
		if w.Location != nil && len(w.Location.Ranges) > 0 {
			line = int(w.Location.Ranges[0].Start.Line)
		}
		fmt.Fprintf(os.Stderr, "%s:%d [%s]: %s: %s (%s)\n", path, line, arg, w.RuleName, w.Detail, w.URL)
	}
	if res.Error != nil {
		fmt.Fprintf(os.Stderr, "%s [%s]: %s\n", path, arg, res.Error.Message)
		return len(res.Warnings) + 1
	}
	return len(res.Warnings)
}

// checkSources reports COPY and ADD sources from the build context that
// do not exist (sources from other stages or images are not checked).
func checkSources(path string, dt []byte, contextDir string) int {
	ast, err := parser.Parse(strings.NewReader(string(dt)))
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
		return 1
	}
	missing := 0
	for _, n := range ast.AST.Children {
		cmd := strings.ToLower(n.Value)
		if cmd != "copy" && cmd != "add" {
			continue
		}
		if fromOtherStage(n.Flags) {
			continue
		}
		var words []string
		for w := n.Next; w != nil; w = w.Next {
			words = append(words, w.Value)
		}
		for _, src := range words[:max(len(words)-1, 0)] {
			if strings.Contains(src, "://") {
				continue
			}
			matches, _ := filepath.Glob(filepath.Join(contextDir, src))
			if len(matches) == 0 {
				fmt.Fprintf(os.Stderr, "%s:%d: %s %s: no such file in the build context %s\n", path, n.StartLine, n.Value, src, contextDir)
				missing++
			}
		}
	}
	return missing
}

func fromOtherStage(flags []string) bool {
	for _, f := range flags {
		if strings.HasPrefix(f, "--from") {
			return true
		}
	}
	return false
}
