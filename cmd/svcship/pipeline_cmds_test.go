package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCmdZipDeterministic(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "app.exe")
	cfg := filepath.Join(dir, "svcship.yaml")
	os.WriteFile(exe, bytes.Repeat([]byte("MZ"), 1000), 0o644)
	os.WriteFile(cfg, []byte("product: {}\n"), 0o644)
	a, b := filepath.Join(dir, "a.zip"), filepath.Join(dir, "b.zip")
	var out, errb bytes.Buffer
	if code := cmdZip(context.Background(), []string{"-o", a, "--mtime", "2026-03-01T12:00:00Z", exe, "conf/svcship.yaml=" + cfg}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	t.Setenv("SOURCE_DATE_EPOCH", "1772366400") // the same instant
	if code := cmdZip(context.Background(), []string{"-o", b, "conf/svcship.yaml=" + cfg, exe}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	if len(da) == 0 || !bytes.Equal(da, db) {
		t.Fatal("same inputs and time gave different zips")
	}
}

func TestPipelineCmdsUsage(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		run  func(context.Context, []string, *bytes.Buffer, *bytes.Buffer) int
		args []string
		code int
		msg  string
	}{
		{"zip without output", wrap(cmdZip), []string{"x"}, 2, "usage"},
		{"zip bad extension", wrap(cmdZip), []string{"-o", filepath.Join(dir, "x.rar"), "--mtime", "0", "pipeline_cmds_test.go"}, 2, ".zip, .tar.gz"},
		{"zip missing file", wrap(cmdZip), []string{"-o", filepath.Join(dir, "x.zip"), "--mtime", "0", "nope"}, 2, "nope"},
		{"checksums without files", wrap(cmdChecksums), nil, 2, "usage"},
		{"resources without version", wrap(cmdResources), nil, 2, "usage"},
		{"sign without files", wrap(cmdSign), nil, 2, "usage"},
		{"build with stray argument", wrap(cmdBuild), []string{"extra"}, 2, "usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := tt.run(context.Background(), tt.args, &out, &errb); code != tt.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.code, errb.String())
			}
			if !strings.Contains(errb.String(), tt.msg) {
				t.Errorf("stderr lacks %q:\n%s", tt.msg, errb.String())
			}
		})
	}
}

func TestCmdChecksumsAndSignWithoutKey(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "a.zip")
	os.WriteFile(f, []byte("aaa"), 0o644)
	var out, errb bytes.Buffer
	if code := cmdChecksums(context.Background(), []string{f}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if want := "9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0  a.zip\n"; out.String() != want {
		t.Fatalf("checksums = %q, want %q", out.String(), want)
	}
	t.Setenv("SVCSHIP_SIGN_PFX", "")
	out.Reset()
	errb.Reset()
	// svcship sign takes what Authenticode covers (a zip is refused).
	f = filepath.Join(dir, "a.exe")
	os.WriteFile(f, []byte("MZ"), 0o644)
	if code := cmdSign(context.Background(), []string{f}, &out, &errb); code != 0 {
		t.Fatalf("unconfigured signing: exit %d", code)
	}
	if !strings.Contains(errb.String(), "not signing") {
		t.Errorf("no notice: %q", errb.String())
	}
	if code := cmdSign(context.Background(), []string{"--require", f}, &out, &errb); code != 2 {
		t.Errorf("--require without a key: exit %d, want 2", code)
	}
}

func TestCmdResources(t *testing.T) {
	dir := t.TempDir()
	icon, _ := filepath.Abs("../../assets/hellosvc.ico")
	cfg := filepath.Join(dir, "svcship.yaml")
	os.WriteFile(cfg, []byte("product:\n  name: hellosvc\n  company: svcship project\n  description: test\n  icon: "+icon+
		"\nservice:\n  name: hellosvc\npackaging:\n  upgrade_code: 6B0F4C3E-2D8A-4E59-9A71-3C5D8E2F1B64\n"), 0o644)
	var out, errb bytes.Buffer
	code := cmdResources(context.Background(), []string{"--config", cfg, "--version", "v1.2.3", "--dir", dir}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, arch := range []string{"386", "amd64", "arm64"} {
		if _, err := os.Stat(filepath.Join(dir, "hellosvc_windows_"+arch+".syso")); err != nil {
			t.Error(err)
		}
	}
	if code := cmdResources(context.Background(), []string{"--config", cfg, "--version", "1.2"}, &out, &errb); code != 2 {
		t.Errorf("bad version: exit %d, want 2", code)
	}
}

func wrap(f func(context.Context, []string, io.Writer, io.Writer) int) func(context.Context, []string, *bytes.Buffer, *bytes.Buffer) int {
	return func(ctx context.Context, args []string, out, errb *bytes.Buffer) int { return f(ctx, args, out, errb) }
}
