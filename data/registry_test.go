package data

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const tinyMBPP = `{"task_id": 11, "text": "Write f.", "code": "def f():\n    return 1", "test_list": ["assert f() == 1"], "test_setup_code": "", "challenge_test_list": []}` + "\n"

func sum(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

// TestFetch runs the downloader against a server on 127.0.0.1: tests never
// touch the network.
func TestFetch(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(tinyMBPP))
	zw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/mbpp.jsonl":
			w.Write([]byte(tinyMBPP))
		case "/mbpp.jsonl.gz":
			w.Write(gz.Bytes())
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	good := Dataset{Name: "mbpp", Path: "mbpp/mbpp.jsonl", URL: srv.URL + "/mbpp.jsonl", SHA256: sum([]byte(tinyMBPP)), Load: LoadMBPP}
	cases := []struct {
		name string
		d    Dataset
		want string // error substring; "" = success
	}{
		{"plain", good, ""},
		{"gzip", Dataset{Name: "mbpp", Path: "mbpp/mbpp.jsonl", URL: srv.URL + "/mbpp.jsonl.gz", SHA256: good.SHA256, Gzip: true}, ""},
		{"tampered", Dataset{Name: "mbpp", Path: "mbpp/mbpp.jsonl", URL: good.URL, SHA256: strings.Repeat("0", 64)}, "sha256 mismatch"},
		{"missing", Dataset{Name: "mbpp", Path: "mbpp/mbpp.jsonl", URL: srv.URL + "/nope", SHA256: good.SHA256}, "404"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			err := Fetch(context.Background(), srv.Client(), c.d, dir)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				ps, err := Load(dir, "mbpp")
				if err != nil || len(ps) != 1 {
					t.Fatalf("load after fetch: %v %v", ps, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			left, _ := filepath.Glob(filepath.Join(dir, "mbpp", "*"))
			if len(left) != 0 {
				t.Errorf("a failed fetch left files behind: %v", left)
			}
		})
	}
}

func TestLoadMissingSaysHowToFetch(t *testing.T) {
	_, err := Load(t.TempDir(), "humaneval")
	if err == nil || !strings.Contains(err.Error(), "cocos data fetch humaneval") {
		t.Errorf("%v", err)
	}
	if _, err := Load(t.TempDir(), "nope"); err == nil || !strings.Contains(err.Error(), "unknown data set") {
		t.Errorf("%v", err)
	}
}

func TestRegistryMatchesSharedData(t *testing.T) {
	for _, d := range Datasets() {
		b, err := os.ReadFile(sharedData(t, d.Path))
		if err != nil {
			t.Fatal(err)
		}
		if got := sum(b); got != d.SHA256 {
			t.Errorf("%s: sha256 of ../shared/data/%s is %s, registry says %s", d.Name, d.Path, got, d.SHA256)
		}
	}
}
