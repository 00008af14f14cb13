package model

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestHubDownload serves a sharded model from 127.0.0.1 as the hub's
// resolve endpoint does; tests never touch the network.
func TestHubDownload(t *testing.T) {
	cfg := tinyConfigs()["qwen2"]
	backend, _ := NewBackend("go")
	m, _ := New(backend, cfg, RandomWeights(cfg, 4, 0.2))
	src := t.TempDir()
	m.Save(src, false)
	// Serve the weights as two shards with an index, like large models.
	ws, _ := m.Weights()
	os.Remove(filepath.Join(src, "model.safetensors"))
	writeShards(ws, src)
	os.WriteFile(filepath.Join(src, "tokenizer.json"), []byte("{}"), 0o644)
	os.WriteFile(filepath.Join(src, "tokenizer_config.json"), []byte("{}"), 0o644)
	var requests, authorized atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.Header.Get("Authorization") == "Bearer secret" {
			authorized.Add(1)
		}
		const prefix = "/acme/tiny-qwen/resolve/main/"
		if !strings.HasPrefix(r.URL.Path, prefix) {
			http.NotFound(w, r)
			return
		}
		http.ServeFile(w, r, filepath.Join(src, strings.TrimPrefix(r.URL.Path, prefix)))
	}))
	defer srv.Close()
	hub := &Hub{BaseURL: srv.URL, CacheDir: t.TempDir(), Token: "secret", Client: srv.Client()}
	dir, err := hub.Resolve(context.Background(), "acme/tiny-qwen")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Load(backend, dir)
	if err != nil {
		t.Fatal(err)
	}
	ids, mask := paddedBatch(cfg.VocabSize)
	a, _ := m.Logits(ids, mask)
	b, _ := got.Logits(ids, mask)
	if d, _ := maxDiff(a, b, mask); d != 0 {
		t.Errorf("downloaded model differs: %g", d)
	}
	n := requests.Load()
	if authorized.Load() != n {
		t.Errorf("%d of %d requests carried the token", authorized.Load(), n)
	}
	if _, err := hub.Resolve(context.Background(), "acme/tiny-qwen"); err != nil || requests.Load() != n {
		t.Errorf("a cached model was downloaded again (%d -> %d requests, %v)", n, requests.Load(), err)
	}
	if _, err := hub.Resolve(context.Background(), "acme/missing"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("missing model: %v", err)
	}
	if _, err := hub.Resolve(context.Background(), "not an id"); err == nil {
		t.Error("a bad id was accepted")
	}
}
