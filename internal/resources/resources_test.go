package resources

import (
	"bytes"
	"debug/pe"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/svcship/svcship/internal/testtool"
)

func testInfo(t *testing.T) Info {
	icon, err := filepath.Abs("../../assets/hellosvc.ico")
	if err != nil {
		t.Fatal(err)
	}
	return Info{
		FileVersion:      [4]uint16{1, 2, 3, 0},
		ProductVersion:   [4]uint16{1, 2, 3, 0},
		Version:          "1.2.3-rc.1",
		CompanyName:      "svcship project",
		FileDescription:  "Reference service",
		LegalCopyright:   "Copyright 2026 svcship project",
		InternalName:     "hellosvc",
		OriginalFilename: "hellosvc.exe",
		ProductName:      "Hello Service",
		IconPath:         icon,
	}
}

func TestSysoMachineAndFlags(t *testing.T) {
	tests := []struct {
		arch    string
		machine uint16
		is32    bool
	}{
		{"386", pe.IMAGE_FILE_MACHINE_I386, true},
		{"amd64", pe.IMAGE_FILE_MACHINE_AMD64, false},
		{"arm64", pe.IMAGE_FILE_MACHINE_ARM64, false},
	}
	for _, tt := range tests {
		t.Run(tt.arch, func(t *testing.T) {
			data, err := Syso(testInfo(t), tt.arch)
			if err != nil {
				t.Fatal(err)
			}
			f, err := pe.NewFile(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("not a COFF object: %v", err)
			}
			if f.Machine != tt.machine {
				t.Errorf("machine %#x, want %#x", f.Machine, tt.machine)
			}
			if got := f.Characteristics&pe.IMAGE_FILE_32BIT_MACHINE != 0; got != tt.is32 {
				t.Errorf("32-bit flag %v, want %v", got, tt.is32)
			}
			if f.Section(".rsrc") == nil {
				t.Error("no .rsrc section")
			}
			again, err := Syso(testInfo(t), tt.arch)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, again) {
				t.Error("two encodings of the same info differ")
			}
		})
	}
}

func TestSysoRejectsUnknownArch(t *testing.T) {
	if _, err := Syso(testInfo(t), "mips"); err == nil || !strings.Contains(err.Error(), "mips") {
		t.Fatalf("err = %v, want unsupported arch", err)
	}
	info := testInfo(t)
	info.IconPath = filepath.Join(t.TempDir(), "missing.ico")
	if _, err := Syso(info, "amd64"); err == nil || !strings.Contains(err.Error(), "icon") {
		t.Fatalf("err = %v, want icon error", err)
	}
}

func TestDefaultManifest(t *testing.T) {
	m := string(DefaultManifest("hello svc!", [4]uint16{1, 2, 3, 4}))
	for _, want := range []string{`name="hello-svc-"`, `version="1.2.3.4"`, `level="asInvoker"`, "UTF-8"} {
		if !strings.Contains(m, want) {
			t.Errorf("manifest lacks %s:\n%s", want, m)
		}
	}
}

// TestLinkedVersionInfo links the .syso into a real program for every arch
// and reads it back with exiftool, a reader nobody here wrote.
func TestLinkedVersionInfo(t *testing.T) {
	if testing.Short() {
		t.Skip("links three programs")
	}
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/rsrc\n\ngo 1.22\n"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644))
	info := testInfo(t)
	if _, err := WriteAll(info, dir, "hellosvc", Arches()); err != nil {
		t.Fatal(err)
	}
	// The Linux build must ignore every .syso.
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "linux.bin"), ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("linux build with .syso files present: %v\n%s", err, out)
	}
	for _, arch := range Arches() {
		t.Run(arch, func(t *testing.T) {
			exe := filepath.Join(dir, "hellosvc_"+arch+".exe")
			cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", exe, ".")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=windows", "GOARCH="+arch)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("build: %v\n%s", err, out)
			}
			f, err := pe.Open(exe)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.Section(".rsrc") == nil {
				t.Fatal("linked exe has no .rsrc section")
			}
			// The links above run without exiftool; reading them needs it
			// (testtool skips on a dev machine, fails with CI=true, and
			// leaves it to the Linux job on Windows).
			exiftool := testtool.Path(t, "exiftool")
			out, err := exec.Command(exiftool, "-s", "-FileVersionNumber", "-ProductVersionNumber",
				"-CompanyName", "-ProductName", "-ProductVersion", "-FileVersion", "-OriginalFileName", exe).CombinedOutput()
			if err != nil {
				t.Fatalf("exiftool: %v\n%s", err, out)
			}
			got := parseExif(string(out))
			want := map[string]string{
				"FileVersionNumber":    "1.2.3.0",
				"ProductVersionNumber": "1.2.3.0",
				"CompanyName":          info.CompanyName,
				"ProductName":          info.ProductName,
				"ProductVersion":       info.Version,
				"FileVersion":          info.Version,
				"OriginalFileName":     info.OriginalFilename,
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
			// exiftool's verbose listing names each resource type it finds.
			out, err = exec.Command(exiftool, "-v2", exe).CombinedOutput()
			if err != nil {
				t.Fatalf("exiftool -v2: %v\n%s", err, out)
			}
			for _, want := range []string{"Icon resource:", "Group Icon resource:", "Manifest resource:"} {
				if !strings.Contains(string(out), want) {
					t.Errorf("exiftool lists no %q", want)
				}
			}
		})
	}
}

func parseExif(s string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m
}
