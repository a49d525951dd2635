package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestCheckRefusesFilesOutsideTheProject: svcship check stops a path that
// leaves the project at the line and key that name it, before any build
// step could meet it.
func TestCheckRefusesFilesOutsideTheProject(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "proj")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "outside.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "svcship.yaml")
	yaml := "product:\n  name: hellosvc\n  company: Example Ltd\n  description: test\nservice:\n  name: hellosvc\npackaging:\n  upgrade_code: 6B0F4C3E-2D8A-4E59-9A71-3C5D8E2F1B64\n  extra_files: [../outside.txt]\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"check", "--config", cfg}, &out, &errb)
	want := "svcship check: " + cfg + `:9: packaging.extra_files[0]: "../outside.txt" is outside the project folder (expected a path inside the folder of svcship.yaml)` + "\n"
	if code != 2 || errb.String() != want {
		t.Fatalf("exit %d, stderr:\n%s\nwant exit 2 and:\n%s", code, errb.String(), want)
	}
}
