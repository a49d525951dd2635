package resources

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSysoRejectsANonIcon: a file that is not an icon is refused by name
// with what was expected, not with the encoder's "bad magic number".
func TestSysoRejectsANonIcon(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), `is not a .ico file (expected a Windows icon, which starts with 00 00 01 00; this file starts with 89 50 4e 47)`},
		{"cursor", []byte{0, 0, 2, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0, 4, 0, 0, 0, 22, 0, 0, 0}, `is not a .ico file (expected a Windows icon, which starts with 00 00 01 00; this file starts with 00 00 02 00)`},
		{"short", []byte{0, 0}, `is not a .ico file (expected a Windows icon, which starts with 00 00 01 00; this file has 2 bytes)`},
		{"no images", []byte{0, 0, 1, 0, 0, 0}, `is not a .ico file (its header lists no image)`},
		{"image outside the file", []byte{0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0, 40, 0, 0, 0, 22, 0, 0, 0, 1, 2, 3, 4}, `is not a .ico file (image 1 of 40 bytes at offset 22 lies outside the file of 26 bytes)`},
		{"truncated directory", []byte{0, 0, 1, 0, 2, 0, 16, 16, 0, 0, 1, 0, 32, 0}, `is not a .ico file (its header lists 2 images, but the file ends after 14 bytes)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, tt.name+".ico")
			if err := os.WriteFile(p, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			info := testInfo(t)
			info.IconPath = p
			_, err := Syso(info, "amd64")
			want := "resources: icon " + p + " " + tt.want
			if err == nil || err.Error() != want {
				t.Fatalf("err = %v\nwant  %s", err, want)
			}
		})
	}
	info := testInfo(t)
	info.IconPath = filepath.Join(dir, "missing.ico")
	if _, err := Syso(info, "amd64"); err == nil || !strings.HasPrefix(err.Error(), "resources: icon: open "+info.IconPath) {
		t.Fatalf("missing icon: err = %v", err)
	}
}
