package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/svcship/svcship/internal/atomicfile"
)

// ChecksumsFile is the name of the checksum list in dist.
const ChecksumsFile = "checksums.txt"

// SHA256File returns the hex sha256 of a file.
func SHA256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("sha256 %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Checksums renders GoReleaser's checksum format, "<hex>  <name>" per line
// sorted by name, which `sha256sum -c` verifies from the files' folder.
func Checksums(files []string) (string, error) {
	type line struct{ name, sum string }
	var lines []line
	for _, f := range files {
		sum, err := SHA256File(f)
		if err != nil {
			return "", err
		}
		lines = append(lines, line{filepath.Base(f), sum})
	}
	slices.SortFunc(lines, func(a, b line) int { return strings.Compare(a.name, b.name) })
	var b strings.Builder
	for i, l := range lines {
		if i > 0 && lines[i-1].name == l.name {
			return "", fmt.Errorf("checksums: two files named %s", l.name)
		}
		fmt.Fprintf(&b, "%s  %s\n", l.sum, l.name)
	}
	return b.String(), nil
}

// WriteChecksums writes Checksums(files) to dst atomically.
func WriteChecksums(dst string, files []string) error {
	s, err := Checksums(files)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(dst, []byte(s), 0o644)
}
