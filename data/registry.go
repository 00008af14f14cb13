package data

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
)

// Dataset is a published data set: where it lives under a data directory,
// where to download it, and the sha256 of the file as stored.
type Dataset struct {
	Name string
	// Path is the file's place under the data directory.
	Path string
	// URL is a pinned source (a fixed commit), so SHA256 stays true.
	URL string
	// SHA256 is the hex digest of the stored file (after decompression
	// when Gzip is set).
	SHA256 string
	// Gzip says the URL serves the file gzip-compressed.
	Gzip bool
	// Load reads the stored file.
	Load func(path string) ([]Problem, error)
}

// Datasets lists the data sets the project reads, in the order stats
// prints them. Sources and checksums: ../shared/data/README.md.
func Datasets() []Dataset {
	return []Dataset{
		{Name: "mbpp", Path: "mbpp/mbpp.jsonl",
			URL:    "https://raw.githubusercontent.com/OckBench/OckBench/b72752a0ba5989d3c212675ec60d3eedcd838628/data/mbpp.jsonl",
			SHA256: "ccf64ceae9c5403bf50a044cb6d505bfd2a2963ee58338ba268fd65beab92a9f", Load: LoadMBPP},
		{Name: "mbpp-sanitized", Path: "mbpp/sanitized-mbpp.jsonl",
			URL:    "https://raw.githubusercontent.com/mohammedEbdah/ticoder-soft-scoring/59132dcf2eaa06a12bed6f14fc4315c3cb2470d3/data/mbpp.jsonl",
			SHA256: "2bd0fe8c81ce55b06d993a75841ea950c25015bdd941a9696049daf6b9cb863a", Load: LoadMBPP},
		{Name: "humaneval", Path: "humaneval/HumanEval.jsonl",
			URL:    "https://raw.githubusercontent.com/openai/human-eval/6d43fb980f9fee3c892a914eda09951f772ad10d/data/HumanEval.jsonl.gz",
			SHA256: "1d49078ba3e2b196b9344535bef34a43021f038fad9561d6ee7c53450609a6a2", Gzip: true, Load: LoadHumanEval},
		{Name: "odex", Path: "odex/en_test.jsonl",
			URL:    "https://raw.githubusercontent.com/zorazrw/odex/21308ea6d474a078d5a85c61c2b5ca228d1fd167/data/en_test.jsonl",
			SHA256: "1ed71a3d47143f9a6e61877994d2403dd63fcdcea2db5ec328a2884410c8abc2", Load: LoadODEX},
	}
}

// FindDataset returns the registered data set called name.
func FindDataset(name string) (Dataset, error) {
	var names []string
	for _, d := range Datasets() {
		if d.Name == name {
			return d, nil
		}
		names = append(names, d.Name)
	}
	return Dataset{}, fmt.Errorf("unknown data set %q (known: %v)", name, names)
}

// Load reads the named data set from dir, with an error that says how to
// get it when it is missing.
func Load(dir, name string) ([]Problem, error) {
	d, err := FindDataset(name)
	if err != nil {
		return nil, err
	}
	p := filepath.Join(dir, d.Path)
	if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("data set %s not found at %s: run `cocos data fetch %s --data %s`, or point --data / COCOS_DATA at a folder that has it", name, p, name, dir)
	}
	return d.Load(p)
}

// LoadSplit reads one split of the named data set from dir (ResolveDir
// picks dir when it is empty).
func LoadSplit(dir, name, split string) ([]Problem, error) {
	dir, err := ResolveDir(dir)
	if err != nil {
		return nil, err
	}
	all, err := Load(dir, name)
	if err != nil {
		return nil, err
	}
	return Splits(all, split), nil
}

// Fetch downloads d into dir, verifies its sha256 and only then moves it
// into place, so a failed or tampered download leaves nothing behind and
// never replaces a good file.
func Fetch(ctx context.Context, client *http.Client, d Dataset, dir string) error {
	dst := filepath.Join(dir, d.Path)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("fetch %s: %w", d.Name, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.URL, nil)
	if err != nil {
		return fmt.Errorf("fetch %s: %w", d.Name, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("fetch %s: %w", d.Name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetch %s: %s answered %s", d.Name, d.URL, resp.Status)
	}
	body := io.Reader(resp.Body)
	if d.Gzip {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return fmt.Errorf("fetch %s: %s is not gzip: %w", d.Name, d.URL, err)
		}
		body = zr
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".fetch-*")
	if err != nil {
		return fmt.Errorf("fetch %s: %w", d.Name, err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(tmp, h), body); err != nil {
		tmp.Close()
		return fmt.Errorf("fetch %s: download: %w", d.Name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("fetch %s: %w", d.Name, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != d.SHA256 {
		return fmt.Errorf("fetch %s: sha256 mismatch: got %s, want %s; the download was discarded", d.Name, got, d.SHA256)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return fmt.Errorf("fetch %s: %w", d.Name, err)
	}
	return nil
}
