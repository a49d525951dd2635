// Package ico checks that bytes are a Windows icon (.ico) file, for the
// places svcship takes one: svcship.yaml's product.icon (config), the
// VERSIONINFO resources (resources) and the MSI (msipkg).
package ico

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Check returns nil if data is an icon file: an ICONDIR header (reserved
// 0, type 1, a count of images), one 16-byte ICONDIRENTRY per image, and
// image data inside the file, as "Icons" in Microsoft's Win32
// documentation lays them out
// (https://learn.microsoft.com/en-us/previous-versions/ms997538(v=msdn.10)).
// The error says what was expected and what the data holds instead.
func Check(data []byte) error {
	const expected = "expected a Windows icon, which starts with 00 00 01 00"
	switch {
	case len(data) < 6:
		return fmt.Errorf("%s; this file has %d bytes", expected, len(data))
	case binary.LittleEndian.Uint16(data[0:]) != 0 || binary.LittleEndian.Uint16(data[2:]) != 1:
		return fmt.Errorf("%s; this file starts with % x", expected, data[:4])
	}
	n := int(binary.LittleEndian.Uint16(data[4:]))
	if n == 0 {
		return errors.New("its header lists no image")
	}
	if len(data) < 6+16*n {
		return fmt.Errorf("its header lists %d images, but the file ends after %d bytes", n, len(data))
	}
	for i := range n {
		e := data[6+16*i:]
		size, off := binary.LittleEndian.Uint32(e[8:]), binary.LittleEndian.Uint32(e[12:])
		if size == 0 || uint64(off)+uint64(size) > uint64(len(data)) {
			return fmt.Errorf("image %d of %d bytes at offset %d lies outside the file of %d bytes", i+1, size, off, len(data))
		}
	}
	return nil
}
