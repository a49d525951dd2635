package pipeline

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// LogHandler writes records the way GoReleaser prints its own progress:
// a bullet, the message padded to a column, then key=value fields. Inside
// a GoReleaser hook (output: true) the lines appear under the hook that
// ran them, so svcship's steps read like GoReleaser's.
type LogHandler struct {
	mu     *sync.Mutex
	w      io.Writer
	level  slog.Level
	indent string
	attrs  []slog.Attr
}

// NewLogHandler writes records at level or above to w.
func NewLogHandler(w io.Writer, level slog.Level) *LogHandler {
	return &LogHandler{mu: &sync.Mutex{}, w: w, level: level}
}

// Indented returns a handler whose lines start n levels deeper (two
// spaces each), as GoReleaser nests a pipe's details under it.
func (h *LogHandler) Indented(n int) *LogHandler {
	c := *h
	c.indent = strings.Repeat("  ", n)
	return &c
}

func (h *LogHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *LogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return &c
}

// WithGroup is not used by svcship; groups are flattened.
func (h *LogHandler) WithGroup(string) slog.Handler { return h }

func (h *LogHandler) Handle(_ context.Context, r slog.Record) error {
	bullet := "•"
	switch {
	case r.Level >= slog.LevelError:
		bullet = "⨯"
	case r.Level >= slog.LevelWarn:
		bullet = "!"
	}
	var b strings.Builder
	b.WriteString(h.indent)
	b.WriteString(bullet)
	b.WriteByte(' ')
	b.WriteString(r.Message)
	var fields []string
	add := func(a slog.Attr) bool {
		v := a.Value.Resolve()
		s := v.String()
		if v.Kind() == slog.KindDuration {
			s = v.Duration().Round(time.Millisecond).String()
		}
		if strings.ContainsAny(s, " \t\"") {
			s = fmt.Sprintf("%q", s)
		}
		fields = append(fields, a.Key+"="+s)
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	if len(fields) > 0 {
		// GoReleaser pads messages to a fixed column before the fields.
		if pad := 44 - len([]rune(r.Message)) - len(h.indent); pad > 0 {
			b.WriteString(strings.Repeat(" ", pad))
		} else {
			b.WriteByte(' ')
		}
		b.WriteString(strings.Join(fields, " "))
	}
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, b.String())
	return err
}
