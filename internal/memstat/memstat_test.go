package memstat

import (
	"runtime"
	"testing"
)

func TestRSSGrowsWithTouchedMemory(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/self/status")
	}
	before := PeakRSS()
	buf := make([]byte, 64<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	if RSS() <= 0 || PeakRSS() < before+60<<20 {
		t.Errorf("peak RSS %d after touching 64 MiB from %d", PeakRSS(), before)
	}
	runtime.KeepAlive(buf)
}
