package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestResourcesNamesANonIcon: svcship resources with a product.icon that is
// not an icon says so, naming the file and the key, like svcship msi.
func TestResourcesNamesANonIcon(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "app.ico"), []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "svcship.yaml")
	yaml := "product:\n  name: hellosvc\n  company: Example Ltd\n  description: test\n  icon: app.ico\nservice:\n  name: hellosvc\npackaging:\n  upgrade_code: 6B0F4C3E-2D8A-4E59-9A71-3C5D8E2F1B64\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := cmdResources(context.Background(), []string{"--config", cfg, "--version", "v1.2.3", "--dir", dir}, &out, &errb)
	want := "svcship resources: " + cfg + ": product.icon: " + filepath.Join(dir, "app.ico") +
		" is not a .ico file (expected a Windows icon, which starts with 00 00 01 00; this file starts with 89 50 4e 47)\n"
	if code != 2 || errb.String() != want {
		t.Fatalf("exit %d, stderr:\n%s\nwant exit 2 and:\n%s", code, errb.String(), want)
	}
	if matches, err := filepath.Glob(filepath.Join(dir, "*.syso")); err != nil || len(matches) != 0 {
		t.Errorf("wrote %v (err %v) despite the bad icon", matches, err)
	}
}
