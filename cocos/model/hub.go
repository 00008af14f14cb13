package model

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Hub downloads model directories from a Hugging Face-compatible hub:
// GET {BaseURL}/{id}/resolve/{revision}/{file}.
type Hub struct {
	// BaseURL defaults to https://huggingface.co.
	BaseURL string
	// Token is sent as a bearer token (gated models); default $HF_TOKEN.
	Token string
	// CacheDir holds downloaded models, one folder per id; default
	// $COCOS_CACHE/models, else the user cache directory/cocos/models.
	CacheDir string
	// Revision defaults to "main".
	Revision string
	Client   *http.Client
}

var hfID = regexp.MustCompile(`^[A-Za-z0-9][\w.-]*/[\w.-]+$`)

// LooksLikeHFID reports whether s has the owner/name form of a hub id.
func LooksLikeHFID(s string) bool { return hfID.MatchString(s) }

func (h *Hub) fill() error {
	if h.BaseURL == "" {
		h.BaseURL = "https://huggingface.co"
	}
	if h.Token == "" {
		h.Token = os.Getenv("HF_TOKEN")
	}
	if h.Revision == "" {
		h.Revision = "main"
	}
	if h.Client == nil {
		h.Client = http.DefaultClient
	}
	if h.CacheDir == "" {
		if c := os.Getenv("COCOS_CACHE"); c != "" {
			h.CacheDir = filepath.Join(c, "models")
		} else {
			dir, err := os.UserCacheDir()
			if err != nil {
				return fmt.Errorf("model: no cache directory: set COCOS_CACHE (%w)", err)
			}
			h.CacheDir = filepath.Join(dir, "cocos", "models")
		}
	}
	return nil
}

// Resolve returns a local model directory for dirOrID: the directory
// itself when it exists, else the hub id downloaded into the cache (once).
func (h *Hub) Resolve(ctx context.Context, dirOrID string) (string, error) {
	if st, err := os.Stat(dirOrID); err == nil && st.IsDir() {
		return dirOrID, nil
	}
	if !LooksLikeHFID(dirOrID) {
		return "", fmt.Errorf("model: %s is neither a directory nor a Hugging Face id (owner/name)", dirOrID)
	}
	return h.Download(ctx, dirOrID)
}

// Download fetches a model's config, tokenizer and weights (one file, or
// the index and its shards) into CacheDir/owner--name, skipping files
// already there. Each file lands under its name only once complete.
func (h *Hub) Download(ctx context.Context, id string) (string, error) {
	if err := h.fill(); err != nil {
		return "", err
	}
	dir := filepath.Join(h.CacheDir, strings.ReplaceAll(id, "/", "--"))
	complete := filepath.Join(dir, ".complete") // written last: the download finished
	if _, err := os.Stat(complete); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("model: %w", err)
	}
	if err := h.fetchAll(ctx, id, dir); err != nil {
		return "", err
	}
	return dir, os.WriteFile(complete, []byte(h.Revision+"\n"), 0o644)
}

func (h *Hub) fetchAll(ctx context.Context, id, dir string) error {
	for _, f := range []string{"config.json", "tokenizer.json", "tokenizer_config.json"} {
		if err := h.fetch(ctx, id, f, dir, true); err != nil {
			return err
		}
	}
	if err := h.fetch(ctx, id, "generation_config.json", dir, false); err != nil {
		return err
	}
	err := h.fetch(ctx, id, "model.safetensors.index.json", dir, false)
	if err != nil {
		return err
	}
	index := filepath.Join(dir, "model.safetensors.index.json")
	if _, statErr := os.Stat(index); statErr != nil {
		return h.fetch(ctx, id, "model.safetensors", dir, true)
	}
	b, err := os.ReadFile(index)
	if err != nil {
		return err
	}
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		return fmt.Errorf("model: %s: %w", index, err)
	}
	shards := map[string]bool{}
	for _, f := range idx.WeightMap {
		if !shards[f] {
			shards[f] = true
			if err := h.fetch(ctx, id, f, dir, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// fetch downloads one file unless present; a missing optional file is fine.
func (h *Hub) fetch(ctx context.Context, id, file, dir string, required bool) error {
	dst := filepath.Join(dir, file)
	if _, err := os.Stat(dst); err == nil {
		return nil
	}
	url := fmt.Sprintf("%s/%s/resolve/%s/%s", strings.TrimRight(h.BaseURL, "/"), id, h.Revision, file)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if h.Token != "" {
		req.Header.Set("Authorization", "Bearer "+h.Token)
	}
	resp, err := h.Client.Do(req)
	if err != nil {
		return fmt.Errorf("model: download %s: %w", url, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound && !required:
		return nil
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("model: %s answered %s: a gated model needs HF_TOKEN with access granted", url, resp.Status)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("model: download %s: %s", url, resp.Status)
	}
	tmp, err := os.CreateTemp(dir, ".download-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, resp.Body); err != nil {
		tmp.Close()
		return fmt.Errorf("model: download %s: %w", url, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}
