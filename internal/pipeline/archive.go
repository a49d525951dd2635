package pipeline

import (
	"archive/tar"
	"archive/zip"
	"compress/flate"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/svcship/svcship/internal/atomicfile"
)

// ArchiveFile is one entry of a zip or tarball.
type ArchiveFile struct {
	// Name is the slash-separated path inside the archive.
	Name string
	// Source is the file on disk.
	Source string
	// Executable selects mode 0755 instead of 0644.
	Executable bool
}

// Archives are deterministic: entries sorted by name, every mtime the
// given time (the commit time), fixed modes, no owner names, no
// compression timestamps. The same inputs always give the same bytes.

func sortedEntries(files []ArchiveFile) ([]ArchiveFile, error) {
	files = slices.Clone(files)
	slices.SortFunc(files, func(a, b ArchiveFile) int { return strings.Compare(a.Name, b.Name) })
	for i, f := range files {
		if f.Name == "" || strings.HasPrefix(f.Name, "/") || strings.Contains(f.Name, "\\") || path.Clean(f.Name) != f.Name || strings.HasPrefix(f.Name, "../") {
			return nil, fmt.Errorf("archive entry %q: want a clean relative slash path", f.Name)
		}
		if i > 0 && files[i-1].Name == f.Name {
			return nil, fmt.Errorf("archive entry %q appears twice", f.Name)
		}
	}
	return files, nil
}

func (f ArchiveFile) mode() os.FileMode {
	if f.Executable {
		return 0o755
	}
	return 0o644
}

// WriteZip writes a deterministic zip to dst (atomically).
func WriteZip(dst string, files []ArchiveFile, mtime time.Time) error {
	files, err := sortedEntries(files)
	if err != nil {
		return err
	}
	return atomicfile.Write(dst, 0o644, func(w io.Writer) error {
		zw := zip.NewWriter(w)
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(w, flate.DefaultCompression)
		})
		for _, f := range files {
			h := &zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: mtime.UTC()}
			h.SetMode(f.mode())
			if err := copyInto(zw, h, f.Source); err != nil {
				return err
			}
		}
		return zw.Close()
	})
}

func copyInto(zw *zip.Writer, h *zip.FileHeader, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	w, err := zw.CreateHeader(h)
	if err != nil {
		return fmt.Errorf("%s: %w", h.Name, err)
	}
	if _, err := io.Copy(w, in); err != nil {
		return fmt.Errorf("%s: %w", h.Name, err)
	}
	return nil
}

// WriteTarGz writes a deterministic gzip-compressed tarball to dst
// (atomically).
func WriteTarGz(dst string, files []ArchiveFile, mtime time.Time) error {
	files, err := sortedEntries(files)
	if err != nil {
		return err
	}
	return atomicfile.Write(dst, 0o644, func(w io.Writer) error {
		gz, err := gzip.NewWriterLevel(w, gzip.DefaultCompression)
		if err != nil {
			return err
		}
		// gzip's header mtime and name stay empty.
		tw := tar.NewWriter(gz)
		for _, f := range files {
			st, err := os.Stat(f.Source)
			if err != nil {
				return err
			}
			h := &tar.Header{
				Typeflag: tar.TypeReg,
				Name:     f.Name,
				Mode:     int64(f.mode()),
				Size:     st.Size(),
				ModTime:  mtime.UTC().Truncate(time.Second),
				Format:   tar.FormatUSTAR,
			}
			if err := tw.WriteHeader(h); err != nil {
				return fmt.Errorf("%s: %w", f.Name, err)
			}
			in, err := os.Open(f.Source)
			if err != nil {
				return err
			}
			_, err = io.Copy(tw, in)
			in.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", f.Name, err)
			}
		}
		if err := tw.Close(); err != nil {
			return err
		}
		return gz.Close()
	})
}
