package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/svcship/svcship/internal/testtool"
)

func TestCmdClean(t *testing.T) {
	testtool.Require(t, "git")
	dir := t.TempDir()
	write := func(rel, body string) {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(".goreleaser.yaml", "version: 2\ndist: out\n")
	write(".gitignore", "*.syso\n!cmd/keep/committed_windows_amd64.syso\n")
	write("out/app_windows_amd64_v1/app.exe", "exe")
	write("dist/mine.txt", "not GoReleaser's: this config's dist is out/")
	write("cmd/app/app_windows_amd64.syso", "stamped by a killed run")
	write("cmd/keep/committed_windows_amd64.syso", "committed")
	git := exec.Command("git", "init", "-q")
	git.Dir = dir
	if out, err := git.CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	t.Chdir(dir)
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"clean"}, &stdout, &stderr); code != 0 {
		t.Fatalf("svcship clean: exit %d\n%s", code, stderr.String())
	}
	for rel, want := range map[string]bool{
		"out":                                   false,
		"cmd/app/app_windows_amd64.syso":        false,
		"dist/mine.txt":                         true,
		"cmd/keep/committed_windows_amd64.syso": true,
		".goreleaser.yaml":                      true,
	} {
		_, err := os.Stat(filepath.Join(dir, rel))
		if got := err == nil; got != want {
			t.Errorf("after clean, %s exists = %v, want %v", rel, got, want)
		}
	}

	// A GoReleaser config svcship cannot read: nothing is removed.
	write(".goreleaser.yaml", "version: [2\n")
	write("out/x", "x")
	if code := run(context.Background(), []string{"clean"}, &stdout, &stderr); code != 2 {
		t.Fatalf("svcship clean on a broken config: exit %d, want 2", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "x")); err != nil {
		t.Errorf("clean removed out/ although it could not read the config: %v", err)
	}
}
