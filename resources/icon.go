package resources

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
)

// ErrNotIcon marks a file given as an icon that is not a .ico file.
var ErrNotIcon = errors.New("not a .ico file")

// CheckIcon reports whether path is a Windows icon file: an ICONDIR header
// (reserved 0, type 1, a count of images), one 16-byte ICONDIRENTRY per
// image, and image data that lies inside the file. The layout is the one
// of "Icons" in Microsoft's Win32 documentation
// (https://learn.microsoft.com/en-us/previous-versions/ms997538(v=msdn.10)).
// The error names the file and says what was expected; it wraps
// ErrNotIcon when the file is readable but no icon.
func CheckIcon(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("resources: icon: %w", err)
	}
	notIcon := func(format string, args ...any) error {
		return fmt.Errorf("resources: icon %s is %w (%s)", path, ErrNotIcon, fmt.Sprintf(format, args...))
	}
	const expected = "expected a Windows icon, which starts with 00 00 01 00"
	switch {
	case len(data) < 6:
		return notIcon("%s; this file has %d bytes", expected, len(data))
	case binary.LittleEndian.Uint16(data[0:]) != 0 || binary.LittleEndian.Uint16(data[2:]) != 1:
		return notIcon("%s; this file starts with % x", expected, data[:4])
	}
	n := int(binary.LittleEndian.Uint16(data[4:]))
	if n == 0 {
		return notIcon("its header lists no image")
	}
	if len(data) < 6+16*n {
		return notIcon("its header lists %d images, but the file ends after %d bytes", n, len(data))
	}
	for i := range n {
		e := data[6+16*i:]
		size, off := binary.LittleEndian.Uint32(e[8:]), binary.LittleEndian.Uint32(e[12:])
		if size == 0 || uint64(off)+uint64(size) > uint64(len(data)) {
			return notIcon("image %d of %d bytes at offset %d lies outside the file of %d bytes", i+1, size, off, len(data))
		}
	}
	return nil
}
