package ico

import (
	"os"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, tt := range []struct {
		name string
		data []byte
		want string // "" means valid
	}{
		{"one image", []byte{0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0, 4, 0, 0, 0, 22, 0, 0, 0, 1, 2, 3, 4}, ""},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "expected a Windows icon, which starts with 00 00 01 00; this file starts with 89 50 4e 47"},
		{"cursor", []byte{0, 0, 2, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0, 4, 0, 0, 0, 22, 0, 0, 0, 1, 2, 3, 4}, "expected a Windows icon, which starts with 00 00 01 00; this file starts with 00 00 02 00"},
		{"empty", nil, "expected a Windows icon, which starts with 00 00 01 00; this file has 0 bytes"},
		{"no images", []byte{0, 0, 1, 0, 0, 0}, "its header lists no image"},
		{"truncated directory", []byte{0, 0, 1, 0, 2, 0, 16, 16, 0, 0, 1, 0, 32, 0}, "its header lists 2 images, but the file ends after 14 bytes"},
		{"image past the end", []byte{0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0, 40, 0, 0, 0, 22, 0, 0, 0, 1, 2, 3, 4}, "image 1 of 40 bytes at offset 22 lies outside the file of 26 bytes"},
		{"empty image", []byte{0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0, 0, 0, 0, 0, 22, 0, 0, 0}, "image 1 of 0 bytes at offset 22 lies outside the file of 22 bytes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.data)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Check: %v", err)
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Fatalf("Check = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestRepositoryIcon: the icon svcship ships for its reference service is
// accepted.
func TestRepositoryIcon(t *testing.T) {
	data, err := os.ReadFile("../../assets/hellosvc.ico")
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(data); err != nil {
		t.Fatal(err)
	}
}
