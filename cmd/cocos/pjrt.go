package main

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/gomlx/go-xla/installer"
)

// pjrtPins are the plugin versions cocos installs: the XLA CPU plugin
// release go-xla v0.4.13 defaults to (its PJRT headers are XLA v0.114's),
// and the JAX release whose CUDA PJRT wheels (and the NVIDIA library wheels
// they depend on) go-xla's installer fetches from PyPI, checking their
// sha256. The CUDA pin is not verified here (no PyPI, no GPU: see
// docs/model.md); --version overrides it.
var pjrtPins = map[string]string{"cpu": "v0.114.0", "cuda12": "0.9.0", "cuda13": "0.9.0"}

func runPJRT(_ context.Context, args []string) error {
	if len(args) == 0 || args[0] != "install" {
		return fmt.Errorf("pjrt: the subcommand is install (cocos pjrt install -h)")
	}
	plugins := make([]string, 0, len(pjrtPins))
	for p := range pjrtPins {
		plugins = append(plugins, p)
	}
	sort.Strings(plugins)
	fs := newFlags("pjrt install", "pjrt install [--plugin cpu|cuda12|cuda13] [--path DIR]",
		"Installs a PJRT plugin for GoMLX's XLA backend with go-xla's installer, at the version cocos pins\n"+
			"(needs internet). The plugin lands in PATH/go-xla, where GoMLX looks for it.")
	plugin := fs.String("plugin", "cuda12", "plugin: "+strings.Join(plugins, ", "))
	version := fs.String("version", "", "override the pinned version")
	path := fs.String("path", "", "lib directory to install under (default ~/.local/lib)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	v, ok := pjrtPins[*plugin]
	if !ok {
		return fmt.Errorf("pjrt install: --plugin is one of %s, not %q", strings.Join(plugins, ", "), *plugin)
	}
	if *version != "" {
		v = *version
	}
	lib := *path
	if lib == "" {
		var err error
		if lib, err = installer.DefaultHomeLibPath(); err != nil {
			return fmt.Errorf("pjrt install: %w", err)
		}
	}
	dir := filepath.Join(lib, "go-xla")
	var err error
	if *plugin == "cpu" {
		err = installer.CPUInstall(runtime.GOOS+"_"+runtime.GOARCH, v, dir, true, installer.Normal)
	} else {
		err = installer.CudaInstall(*plugin, v, dir, true, installer.Normal)
	}
	if err != nil {
		return fmt.Errorf("pjrt install %s %s: %w", *plugin, v, err)
	}
	fmt.Printf("installed the %s PJRT plugin %s in %s\n", *plugin, v, dir)
	return nil
}
