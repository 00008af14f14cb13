package tokenizer

// Byte-level BPE (GPT-2 and its descendants) works on bytes, each shown as
// a printable rune: printable Latin-1 bytes stand for themselves, the other
// 68 are shifted to U+0100 and up, in byte order.
var byteToRune, runeToByte = func() ([256]rune, map[rune]byte) {
	var b2r [256]rune
	r2b := make(map[rune]byte, 256)
	next := rune(256)
	for b := 0; b < 256; b++ {
		printable := b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE && b <= 0xFF
		r := rune(b)
		if !printable {
			r = next
			next++
		}
		b2r[b] = r
		r2b[r] = byte(b)
	}
	return b2r, r2b
}()

// byteLevel maps raw bytes to their byte-level runes.
func byteLevel(s string) string {
	out := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		out[i] = byteToRune[s[i]]
	}
	return string(out)
}

// fromByteLevel maps byte-level runes back to raw bytes; runes outside the
// table (they cannot come from our encoder) are kept as UTF-8.
func fromByteLevel(dst []byte, s string) []byte {
	for _, r := range s {
		if b, ok := runeToByte[r]; ok {
			dst = append(dst, b)
		} else {
			dst = append(dst, string(r)...)
		}
	}
	return dst
}
