// Package memstat reads the process's memory as the kernel counts it: the
// resident set now and at its peak (what a benchmark must report beside
// the Go heap, which misses the backend's buffers outside it).
package memstat

import (
	"bufio"
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
)

// PeakRSS is the process's peak resident set in bytes (VmHWM), or 0 where
// /proc is absent.
func PeakRSS() int64 { return status("VmHWM:") }

// RSS is the process's resident set now in bytes (VmRSS), or 0 where
// /proc is absent.
func RSS() int64 { return status("VmRSS:") }

func status(key string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, key) {
			continue
		}
		fields := strings.Fields(strings.TrimPrefix(line, key))
		if len(fields) == 0 {
			return 0
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0
		}
		return kb << 10
	}
	return 0
}

// GB formats bytes in GB (10⁹), as the benchmarks report them.
func GB(b int64) string { return fmt.Sprintf("%.2f GB", float64(b)/1e9) }

// HeapAtPeak writes a pprof heap profile to path each time the resident
// set passes its highest level so far by 2 %, checking every interval,
// until stop is called: the file left holds the heap as it was near the
// process's peak, which a profile taken at exit misses.
func HeapAtPeak(path string, interval time.Duration) (stop func() error) {
	done, finished := make(chan struct{}), make(chan error, 1)
	go func() {
		var best int64
		var err error
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				finished <- err
				return
			case <-tick.C:
				if rss := RSS(); rss > best+best/50 {
					best = rss
					if werr := writeHeap(path); werr != nil && err == nil {
						err = werr
					}
				}
			}
		}
	}()
	return func() error {
		close(done)
		return <-finished
	}
}

func writeHeap(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ParseBytes reads a size such as "4GiB", "512MB", "1.5G" or "1048576":
// B, K/KB, M/MB, G/GB, T/TB are powers of 1000, KiB… TiB of 1024. "" is 0.
func ParseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, nil
	}
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := t, ""
	if i >= 0 {
		num, unit = t[:i], strings.ToUpper(strings.TrimSpace(t[i:]))
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("size %q: want a number of bytes with an optional unit (e.g. 4GiB, 512MB)", s)
	}
	scale := map[string]float64{"": 1, "B": 1, "K": 1e3, "KB": 1e3, "M": 1e6, "MB": 1e6, "G": 1e9, "GB": 1e9, "T": 1e12, "TB": 1e12,
		"KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30, "TIB": 1 << 40}
	f, ok := scale[unit]
	if !ok {
		return 0, fmt.Errorf("size %q: unknown unit %q (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)", s, t[i:])
	}
	return int64(v * f), nil
}
