package echarts

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestEmbedded: the embedded library is the vendored release.
func TestEmbedded(t *testing.T) {
	sum := sha256.Sum256(Source())
	if got := hex.EncodeToString(sum[:]); got != "b66b25aeb4df84e33199dc21694014d336d222cbd9deb0e5a7c14bd6aa0d0fd0" {
		t.Errorf("echarts.min.js sha256 %s; see assets/README.md", got)
	}
}

// TestSameAsNPM: the embedded copy is byte for byte the file npm installs
// (scripts/setup.sh puts echarts in tools/node at the same version).
func TestSameAsNPM(t *testing.T) {
	dir := filepath.Join("..", "..", "tools", "node", "node_modules", "echarts")
	pkg, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		t.Skipf("npm's echarts is not installed (run scripts/setup.sh): %v", err)
	}
	var meta struct{ Version string }
	if err := json.Unmarshal(pkg, &meta); err != nil {
		t.Fatal(err)
	}
	if meta.Version != Version {
		t.Fatalf("tools/node has echarts %s, the embedded copy is %s", meta.Version, Version)
	}
	npm, err := os.ReadFile(filepath.Join(dir, "dist", "echarts.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(npm, Source()) {
		t.Error("embedded echarts.min.js differs from npm's dist/echarts.min.js")
	}
}
