package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/cocos-go/cocos/data"
)

func runData(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("data: name a subcommand: cocos data stats [--data DIR] | cocos data fetch NAME [--data DIR]")
	}
	switch args[0] {
	case "stats":
		return runDataStats(args[1:])
	case "fetch":
		return runDataFetch(ctx, args[1:])
	}
	return fmt.Errorf("data: unknown subcommand %q (stats, fetch)", args[0])
}

func runDataStats(args []string) error {
	fs := newFlags("data stats", "data stats [--data DIR] [--suite]",
		"Prints the number of problems per source and split, one `source split count` per line.")
	dir := addDataFlag(fs)
	suite := fs.Bool("suite", false, "also count the built-in task suite (embedded, no download)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *suite {
		tasks := data.Suite(data.SuiteConfig{})
		for _, split := range []string{"train", "test"} {
			fmt.Printf("suite %s %d\n", split, len(data.SuiteProblems(tasks, split)))
		}
	}
	d, err := data.ResolveDir(*dir)
	if err != nil {
		if *suite {
			return nil
		}
		return err
	}
	return data.WriteStats(os.Stdout, os.Stderr, d)
}

func runDataFetch(ctx context.Context, args []string) error {
	var names []string
	for len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		names, args = append(names, args[0]), args[1:]
	}
	fs := newFlags("data fetch", "data fetch NAME... [--data DIR]",
		"Downloads data sets from their pinned sources into the data directory and verifies their sha256.")
	dir := addDataFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	names = append(names, fs.Args()...)
	if len(names) == 0 {
		return fmt.Errorf("data fetch: name a data set (mbpp, mbpp-sanitized, humaneval, odex)")
	}
	target := data.WriteDir(*dir)
	client := &http.Client{Timeout: 5 * time.Minute}
	for _, n := range names {
		d, err := data.FindDataset(n)
		if err != nil {
			return err
		}
		if err := data.Fetch(ctx, client, d, target); err != nil {
			return err
		}
		fmt.Printf("%s: %s/%s (sha256 verified)\n", n, target, d.Path)
	}
	return nil
}
