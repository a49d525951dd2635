// Package rotate is a log file writer that rotates by size and/or at day
// change, keeps a fixed number of old files and never splits a line between
// two files.
//
// The current file is Path; older files are Path.1 (newest) to Path.N
// (oldest). Opening an existing Path appends to it, so a restarted service
// continues its log instead of replacing it.
package rotate

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultKeep is the number of rotated files kept when Options.Keep is 0.
const DefaultKeep = 5

// maxPartial bounds the memory used for a trailing line that has no newline
// yet; beyond it the partial line is written out as is.
const maxPartial = 1 << 20

// Options configures a Writer.
type Options struct {
	// Path is the current log file. Its folder is created if missing.
	Path string
	// MaxBytes rotates before a write that would make the file larger than
	// this. 0 disables size rotation.
	MaxBytes int64
	// Keep is how many rotated files are kept (0 means DefaultKeep).
	Keep int
	// Daily also rotates on the first write of a new local day.
	Daily bool
	// Now is the clock (default time.Now); tests pass a fake.
	Now func() time.Time
}

// Writer is an io.WriteCloser safe for concurrent use.
type Writer struct {
	opts Options

	mu      sync.Mutex
	f       *os.File
	size    int64
	day     string // yyyy-mm-dd of the data in the current file
	partial []byte // trailing bytes without a newline yet
	closed  bool
}

// New opens (or creates) opts.Path for appending.
func New(opts Options) (*Writer, error) {
	if opts.Path == "" {
		return nil, errors.New("rotate: empty path")
	}
	if opts.MaxBytes < 0 {
		return nil, fmt.Errorf("rotate: negative MaxBytes %d", opts.MaxBytes)
	}
	if opts.Keep < 0 {
		return nil, fmt.Errorf("rotate: negative Keep %d", opts.Keep)
	}
	if opts.Keep == 0 {
		opts.Keep = DefaultKeep
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := os.MkdirAll(filepath.Dir(opts.Path), 0o755); err != nil {
		return nil, fmt.Errorf("rotate: create log folder: %w", err)
	}
	w := &Writer{opts: opts}
	if err := w.open(); err != nil {
		return nil, err
	}
	return w, nil
}

func dayOf(t time.Time) string { return t.Format("2006-01-02") }

func (w *Writer) open() error {
	f, err := os.OpenFile(w.opts.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("rotate: open %s: %w", w.opts.Path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("rotate: stat %s: %w", w.opts.Path, err)
	}
	w.f = f
	w.size = st.Size()
	// An existing non-empty file belongs to the day it was last written.
	if w.size > 0 {
		w.day = dayOf(st.ModTime())
	} else {
		w.day = dayOf(w.opts.Now())
	}
	return nil
}

// Write appends p. Complete lines are written at once; a trailing partial
// line is held until its newline arrives or Close. It always reports
// len(p) written unless the file cannot be written at all.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0, errors.New("rotate: write after close")
	}
	data := p
	if len(w.partial) > 0 {
		data = append(w.partial, p...)
		w.partial = nil
	}
	cut := bytes.LastIndexByte(data, '\n') + 1
	rest := data[cut:]
	if len(rest) > maxPartial {
		cut = len(data)
		rest = nil
	}
	if len(rest) > 0 {
		w.partial = append([]byte(nil), rest...)
	}
	if err := w.writeLines(data[:cut]); err != nil {
		return 0, err
	}
	return len(p), nil
}

// writeLines writes whole lines, rotating between lines as needed. Lines
// that fit together are written in one call.
func (w *Writer) writeLines(data []byte) error {
	var firstErr error
	force := false // set after a failed rotation so a line never loops
	for len(data) > 0 {
		if w.f == nil {
			return fmt.Errorf("rotate: %s is not open: %w", w.opts.Path, firstErr)
		}
		if w.opts.Daily && w.size > 0 && dayOf(w.opts.Now()) != w.day && !force {
			if err := w.rotate(); err != nil {
				force = true
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
		}
		// Take as many whole lines as fit in the current file.
		n := 0
		for n < len(data) {
			end := bytes.IndexByte(data[n:], '\n')
			if end < 0 {
				end = len(data)
			} else {
				end += n + 1
			}
			if w.opts.MaxBytes > 0 && w.size+int64(end) > w.opts.MaxBytes && (n > 0 || w.size > 0) && !force {
				break
			}
			n = end
		}
		if n == 0 {
			// The next line does not fit: start a new file for it.
			if err := w.rotate(); err != nil {
				force = true
				if firstErr == nil {
					firstErr = err
				}
			}
			continue
		}
		m, err := w.f.Write(data[:n])
		w.size += int64(m)
		if err != nil {
			return fmt.Errorf("rotate: write %s: %w", w.opts.Path, err)
		}
		w.day = dayOf(w.opts.Now())
		data = data[n:]
		force = false
	}
	return firstErr
}

// rotate closes the current file, shifts Path.k to Path.k+1, drops what is
// beyond Keep and opens a fresh Path. If renaming fails it reopens Path so
// that logging continues in the old file.
func (w *Writer) rotate() error {
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("rotate: close %s: %w", w.opts.Path, err)
	}
	w.f = nil
	var shiftErr error
	keep := w.opts.Keep
	if err := os.Remove(w.name(keep)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		shiftErr = err
	}
	for k := keep - 1; k >= 1 && shiftErr == nil; k-- {
		if err := os.Rename(w.name(k), w.name(k+1)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			shiftErr = err
		}
	}
	if shiftErr == nil {
		if err := os.Rename(w.opts.Path, w.name(1)); err != nil {
			shiftErr = err
		}
	}
	w.removeBeyondKeep()
	if err := w.open(); err != nil {
		return err
	}
	if shiftErr != nil {
		return fmt.Errorf("rotate: rotate %s: %w", w.opts.Path, shiftErr)
	}
	w.day = dayOf(w.opts.Now())
	return nil
}

func (w *Writer) name(k int) string { return w.opts.Path + "." + strconv.Itoa(k) }

// removeBeyondKeep deletes Path.k for k > Keep, left over when Keep was
// lowered between runs.
func (w *Writer) removeBeyondKeep() {
	matches, _ := filepath.Glob(globEscape(w.opts.Path) + ".*")
	for _, m := range matches {
		k, err := strconv.Atoi(strings.TrimPrefix(m, w.opts.Path+"."))
		if err == nil && k > w.opts.Keep {
			os.Remove(m)
		}
	}
}

func globEscape(s string) string {
	r := strings.NewReplacer("*", `\*`, "?", `\?`, "[", `\[`)
	if filepath.Separator == '\\' {
		// Backslash is the separator on Windows and cannot escape there.
		r = strings.NewReplacer("*", "[*]", "?", "[?]", "[", "[[]")
	}
	return r.Replace(s)
}

// Rotate forces a rotation (for example on an admin's request).
func (w *Writer) Rotate() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return errors.New("rotate: rotate after close")
	}
	return w.rotate()
}

// Close writes a pending partial line and closes the file.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	var err error
	if len(w.partial) > 0 {
		err = w.writeLines(w.partial)
		w.partial = nil
	}
	if w.f != nil {
		if cerr := w.f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("rotate: close %s: %w", w.opts.Path, cerr)
		}
	}
	return err
}
