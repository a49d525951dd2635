package installer

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
)

// The file-system and probe parts of the real Inspector (portable code,
// used only by the Windows Inspector).

// osExists is Inspector.Exists on the local file system.
func osExists(path string) (bool, error) {
	_, err := os.Stat(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case errors.Is(err, fs.ErrPermission):
		return false, fmt.Errorf("%s: %w", path, ErrAccessDenied)
	}
	return false, err
}

func osReadDir(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrPermission) {
		return nil, fmt.Errorf("%s: %w", dir, ErrAccessDenied)
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

func osTail(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrPermission) {
		return nil, fmt.Errorf("%s: %w", path, ErrAccessDenied)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	off := max64(0, st.Size()-max)
	b := make([]byte, st.Size()-off)
	n, err := f.ReadAt(b, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return b[:n], nil
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}
