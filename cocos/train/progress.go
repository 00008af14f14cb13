package train

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// bar draws training progress: a bar redrawn in place on a terminal, or a
// plain line every twentieth of the run in a log.
type bar struct {
	w     io.Writer
	tty   bool
	steps int
	last  time.Time
}

func newBar(w io.Writer, steps int) *bar {
	b := &bar{w: w, steps: steps}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil {
			b.tty = st.Mode()&os.ModeCharDevice != 0
		}
	}
	return b
}

func (b *bar) update(p Progress) {
	if b == nil || b.w == nil {
		return
	}
	if b.tty {
		if time.Since(b.last) < 100*time.Millisecond && p.Step < p.Steps {
			return
		}
		b.last = time.Now()
		fmt.Fprintf(b.w, "\r%s", line(p, 24))
		return
	}
	every := max(1, b.steps/20)
	if p.Step%every == 0 || p.Step == p.Steps || p.Step == p.Resumed+1 {
		fmt.Fprintln(b.w, line(p, 0))
	}
}

func (b *bar) finish() {
	if b != nil && b.w != nil && b.tty {
		fmt.Fprintln(b.w)
	}
}

// line renders p, with a bar of width cells if width > 0.
func line(p Progress, width int) string {
	var s strings.Builder
	if width > 0 {
		done := width * p.Step / max(1, p.Steps)
		s.WriteString("[" + strings.Repeat("█", done) + strings.Repeat("·", width-done) + "] ")
	}
	fmt.Fprintf(&s, "step %d/%d  loss %.4f", p.Step, p.Steps, p.Loss)
	if p.Reward != 0 || p.KL != 0 {
		fmt.Fprintf(&s, "  reward %.3f  KL %.4f", p.Reward, p.KL)
	}
	fmt.Fprintf(&s, "  |g| %.3g  lr %.2g  %.2f steps/s", p.GradNorm, p.LR, p.StepsPerSec)
	if p.StepsPerSec > 0 && p.Step < p.Steps {
		eta := time.Duration(float64(p.Steps-p.Step) / p.StepsPerSec * float64(time.Second))
		fmt.Fprintf(&s, "  eta %s", eta.Round(time.Second))
	}
	return s.String()
}
