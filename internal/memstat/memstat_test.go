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

func TestParseBytes(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		bad  bool
	}{
		{"", 0, false}, {"1048576", 1 << 20, false}, {"4GiB", 4 << 30, false}, {"512MB", 512e6, false},
		{"1.5G", 1.5e9, false}, {"2 kib", 2048, false}, {"12XB", 0, true}, {"-1GB", 0, true}, {"GB", 0, true},
	} {
		got, err := ParseBytes(c.in)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d (error %v)", c.in, got, err, c.want, c.bad)
		}
	}
}
