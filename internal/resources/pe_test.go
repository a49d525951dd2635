package resources

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/svcship/svcship/internal/testtool"
)

// An executable linked without resources and given them afterwards is
// byte for byte the executable the Go linker writes with the .syso in the
// package folder, for every Windows arch.
func TestAddToExecutableMatchesTheLinker(t *testing.T) {
	goTool := testtool.Path(t, "go")
	info := Info{
		FileVersion: [4]uint16{1, 2, 3, 0}, ProductVersion: [4]uint16{1, 2, 3, 0}, Version: "1.2.3",
		CompanyName: "Acme", FileDescription: "pingd service", InternalName: "pingd",
		OriginalFilename: "pingd.exe", ProductName: "pingd", IconPath: filepath.Join("..", "..", "assets", "hellosvc.ico"),
	}
	if _, err := os.Stat(info.IconPath); err != nil {
		t.Fatalf("the test icon: %v", err)
	}
	for _, arch := range Arches() {
		t.Run(arch, func(t *testing.T) {
			dir := t.TempDir()
			src := filepath.Join(dir, "src")
			if err := os.MkdirAll(src, 0o755); err != nil {
				t.Fatal(err)
			}
			write := func(name, data string) {
				if err := os.WriteFile(filepath.Join(src, name), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write("go.mod", "module example.com/pingd\n\ngo 1.22\n")
			write("main.go", "package main\n\nfunc main() { println(\"pingd\") }\n")
			build := func(out string) []byte {
				t.Helper()
				cmd := exec.Command(goTool, "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", out, ".")
				cmd.Dir = src
				cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH="+arch, "CGO_ENABLED=0", "GOFLAGS=")
				if b, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("go build: %v\n%s", err, b)
				}
				data, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				return data
			}
			bare := build(filepath.Join(dir, "bare.exe"))
			obj, err := Syso(info, arch)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(src, FileName("pingd", arch)), obj, 0o644); err != nil {
				t.Fatal(err)
			}
			linked := build(filepath.Join(dir, "linked.exe"))

			got, err := AddToExecutable(bare, obj)
			if err != nil {
				t.Fatal(err)
			}
			// The build IDs differ (the .syso is one of the linker's
			// inputs); everything else must not.
			withoutBuildID(t, got)
			withoutBuildID(t, linked)
			if !bytes.Equal(got, linked) {
				i := 0
				for i < len(got) && i < len(linked) && got[i] == linked[i] {
					i++
				}
				var diffs []string
				for j := 0; j < len(got) && j < len(linked) && len(diffs) < 8; j++ {
					if got[j] != linked[j] {
						diffs = append(diffs, fmt.Sprintf("%#x: %#02x, linker %#02x", j, got[j], linked[j]))
					}
				}
				t.Fatalf("%d bytes, the linker's %d; first difference at %#x; %s", len(got), len(linked), i, strings.Join(diffs, "; "))
			}
			f, err := pe.NewFile(bytes.NewReader(got))
			if err != nil {
				t.Fatal(err)
			}
			if s := f.Sections[len(f.Sections)-1]; s.Name != ".rsrc" {
				t.Errorf("last section %q", s.Name)
			}
			// Resources only once: a second call is refused.
			if _, err := AddToExecutable(got, obj); err == nil || !strings.Contains(err.Error(), "already has resources") {
				t.Errorf("second AddToExecutable: %v", err)
			}
		})
	}
}

// withoutBuildID blanks the Go build ID the linker writes at the start of
// the text section.
func withoutBuildID(t *testing.T, b []byte) {
	t.Helper()
	start := bytes.Index(b, []byte("\xff Go build ID: \""))
	if start < 0 {
		t.Fatal("no Go build ID")
	}
	start += len("\xff Go build ID: \"")
	end := bytes.IndexByte(b[start:], '"')
	if end < 0 {
		t.Fatal("unterminated Go build ID")
	}
	clear(b[start : start+end])
}

// An executable that carries an image checksum gets one that is right
// for the new bytes, as osslsigncode computes it.
func TestAddToExecutableKeepsTheChecksumRight(t *testing.T) {
	tools := testtool.Require(t, "go", "osslsigncode")
	goTool, ossl := tools[0], tools[1]
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/pingd\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "pingd.exe")
	cmd := exec.Command(goTool, "build", "-trimpath", "-ldflags=-s -w", "-o", exe, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	bare, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	h, err := parsePE(bare)
	if err != nil {
		t.Fatal(err)
	}
	// The Go linker writes no checksum; give the file a wrong one.
	binary.LittleEndian.PutUint32(bare[h.optional+64:], 1)
	obj, err := Syso(Info{Version: "1.0.0", InternalName: "pingd"}, "amd64")
	if err != nil {
		t.Fatal(err)
	}
	got, err := AddToExecutable(bare, obj)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "stamped.exe")
	if err := os.WriteFile(out, got, 0o644); err != nil {
		t.Fatal(err)
	}
	// verify fails (the file is unsigned) but prints the checksum: one
	// "PE checksum" line when the file's is right, "Current" and
	// "Calculated" lines when it is not.
	b, _ := exec.Command(ossl, "verify", "-in", out).CombinedOutput()
	field := func(name string) string {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == name {
				return strings.TrimSpace(v)
			}
		}
		return ""
	}
	if sum := field("PE checksum"); sum == "" || sum == "00000001" || field("Calculated PE checksum") != "" {
		t.Fatalf("osslsigncode finds the checksum wrong:\n%s", b)
	}
}

func TestAddToExecutableRefuses(t *testing.T) {
	obj, err := Syso(Info{Version: "1.0.0", InternalName: "x"}, "amd64")
	if err != nil {
		t.Fatal(err)
	}
	exe := minimalPE(t)
	if _, err := AddToExecutable(exe, obj); err != nil {
		t.Fatalf("the minimal executable: %v", err)
	}
	tests := []struct {
		name    string
		edit    func([]byte) []byte
		obj     []byte
		wantErr string
	}{
		{"not an executable", func([]byte) []byte { return []byte("#!/bin/sh\n") }, obj, "not a Windows executable (no MZ header)"},
		{"no PE signature", func(b []byte) []byte { b[0x80] = 'X'; return b }, obj, "not a Windows executable (no PE signature)"},
		{"signed", func(b []byte) []byte { binary.LittleEndian.PutUint32(b[0x80+4+20+112+4*8+4:], 0x100); return b }, obj, "the executable is signed"},
		{"bytes after the last section", func(b []byte) []byte { return append(b, 0, 0) }, obj, "2 bytes after its last section"},
		{"no room for a section header", func(b []byte) []byte { binary.LittleEndian.PutUint32(b[0x80+4+20+60:], 0x80+4+20+240+40); return b }, obj, "no room for another section header"},
		{"object without resources", func(b []byte) []byte { return b }, []byte("garbage"), "resources: object:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := AddToExecutable(tt.edit(minimalPE(t)), tt.obj)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// minimalPE is a PE32+ header with one 0x200-byte section, laid out as the
// Go linker lays out its executables (PE header at 0x80, headers 0x400).
func minimalPE(t *testing.T) []byte {
	t.Helper()
	le := binary.LittleEndian
	b := make([]byte, 0x600)
	copy(b, "MZ")
	le.PutUint32(b[0x3c:], 0x80)
	copy(b[0x80:], "PE\x00\x00")
	coff := 0x84
	le.PutUint16(b[coff:], pe.IMAGE_FILE_MACHINE_AMD64)
	le.PutUint16(b[coff+2:], 1)
	le.PutUint16(b[coff+16:], 240)
	opt := coff + 20
	le.PutUint16(b[opt:], 0x20b)
	le.PutUint32(b[opt+32:], 0x1000) // SectionAlignment
	le.PutUint32(b[opt+36:], 0x200)  // FileAlignment
	le.PutUint32(b[opt+56:], 0x2000) // SizeOfImage
	le.PutUint32(b[opt+60:], 0x400)  // SizeOfHeaders
	le.PutUint32(b[opt+108:], 16)    // NumberOfRvaAndSizes
	sec := opt + 240
	copy(b[sec:], ".text")
	le.PutUint32(b[sec+8:], 0x10)
	le.PutUint32(b[sec+12:], 0x1000)
	le.PutUint32(b[sec+16:], 0x200)
	le.PutUint32(b[sec+20:], 0x400)
	return b
}
