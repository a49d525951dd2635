package host

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"

	"github.com/svcship/svcship/internal/rotate"
)

// maxLine bounds a line held back while waiting for its newline.
const maxLine = 64 << 10

// outputs are the destinations of the child's stdout and stderr; they live
// as long as the host, across child restarts.
type outputs struct {
	stdout, stderr io.Writer
	closers        []io.Closer
}

func openOutputs(o Options) (*outputs, error) {
	out := &outputs{}
	open := func(path string) (io.Writer, error) {
		w, err := rotate.New(rotate.Options{Path: path, MaxBytes: o.LogMaxBytes, Keep: o.LogKeep, Daily: o.LogDaily})
		if err != nil {
			return nil, fmt.Errorf("host: open output log: %w", err)
		}
		out.closers = append(out.closers, w)
		return w, nil
	}
	var err error
	switch {
	case o.StdoutPath != "" && filepath.Clean(o.StdoutPath) == filepath.Clean(o.StderrPath):
		if out.stdout, err = open(o.StdoutPath); err != nil {
			return nil, err
		}
		out.stderr = out.stdout
	default:
		if o.StdoutPath != "" {
			if out.stdout, err = open(o.StdoutPath); err != nil {
				out.close()
				return nil, err
			}
		}
		if o.StderrPath != "" {
			if out.stderr, err = open(o.StderrPath); err != nil {
				out.close()
				return nil, err
			}
		}
	}
	if out.stdout == nil {
		out.stdout = logLines{log: o.Logger, stream: "stdout"}
	}
	if out.stderr == nil {
		out.stderr = logLines{log: o.Logger, stream: "stderr"}
	}
	return out, nil
}

func (o *outputs) close() {
	for _, c := range o.closers {
		_ = c.Close()
	}
}

// logLines turns each written line into a log record.
type logLines struct {
	log    *slog.Logger
	stream string
}

func (l logLines) Write(p []byte) (int, error) {
	for _, line := range bytes.Split(bytes.TrimRight(p, "\r\n"), []byte("\n")) {
		l.log.Info("host: child output", "stream", l.stream, "line", string(bytes.TrimRight(line, "\r")))
	}
	return len(p), nil
}

// lineWriter passes only whole lines on, so that lines of stdout and
// stderr sharing one file never interleave and a line is never split
// between two rotated files.
type lineWriter struct {
	mu  sync.Mutex
	dst io.Writer
	buf []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if i := bytes.LastIndexByte(w.buf, '\n'); i >= 0 {
		// A failing log file must not block the child on a full pipe, so
		// write errors are dropped (package rotate reports them itself).
		_, _ = w.dst.Write(w.buf[:i+1])
		w.buf = append(w.buf[:0], w.buf[i+1:]...)
	}
	if len(w.buf) > maxLine {
		// A runaway line: cut it rather than hold unbounded memory.
		w.buf = append(w.buf, '\n')
		_, _ = w.dst.Write(w.buf)
		w.buf = w.buf[:0]
	}
	return len(p), nil
}

// flush writes a last line that never got its newline.
func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		_, _ = w.dst.Write(append(w.buf, '\n'))
		w.buf = w.buf[:0]
	}
}
