package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/svcship/svcship/internal/testtool"
)

const verifyPassword = "verify-Secret-2718!"

// svcship runs the real command line and returns exit code and outputs.
func svcship(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func sh(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// releaseFiles builds what a Windows release signs: an exe (Go), an MSI
// (`svcship msi`) and a PowerShell script, unsigned, into dir.
func releaseFiles(t *testing.T, dir string) []string {
	t.Helper()
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(src, "go.mod"), []byte("module example.com/relcheck\n\ngo 1.22\n"), 0o644)
	os.WriteFile(filepath.Join(src, "main.go"), []byte("package main\n\nfunc main() { println(\"relcheck\") }\n"), 0o644)
	exe := filepath.Join(dir, "relcheck.exe")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", exe, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cfg := filepath.Join(dir, "svcship.yaml")
	os.WriteFile(cfg, []byte(`product:
  name: relcheck
  company: svcship project
  description: A release to check
service:
  name: relcheck
packaging:
  upgrade_code: "{0B6C2E4A-1D3F-4A5B-8C7D-9E0F1A2B3C4D}"
`), 0o644)
	msi := filepath.Join(dir, "relcheck_1.0.0_windows_amd64.msi")
	t.Setenv("SOURCE_DATE_EPOCH", "1764590400")
	if code, _, errOut := svcship(t, "msi", "--config", cfg, "--arch", "amd64", "--version", "1.0.0",
		"--binary", exe, "--installer", exe, "--output", msi); code != 0 {
		t.Fatalf("svcship msi: %d\n%s", code, errOut)
	}
	ps1 := filepath.Join(dir, "install.ps1")
	os.WriteFile(ps1, []byte("param([string]$Dir)\r\nWrite-Host \"installing to $Dir\"\r\n"), 0o644)
	return []string{exe, msi, ps1}
}

// TestVerifyDetachedSignatures signs copies of release files, extracts
// their signatures, and checks each downloaded-style signed file against
// the unsigned originals with `svcship verify`; a one-byte change in an
// unsigned file, a wrong pairing or a wrong CA fails it.
func TestVerifyDetachedSignatures(t *testing.T) {
	testtool.Require(t, "osslsigncode", "openssl", "go")
	dir := t.TempDir()
	ca, key, pfx := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "key.pem"), filepath.Join(dir, "sign.pfx")
	sh(t, dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", ca,
		"-days", "90", "-subj", "/CN=svcship release check/O=svcship project",
		"-addext", "extendedKeyUsage=codeSigning", "-addext", "keyUsage=digitalSignature")
	sh(t, dir, "openssl", "pkcs12", "-export", "-inkey", key, "-in", ca, "-out", pfx, "-passout", "pass:"+verifyPassword)

	unsignedDir := filepath.Join(dir, "unsigned")
	signedDir := filepath.Join(dir, "signed")
	sigDir := filepath.Join(dir, "signatures")
	for _, d := range []string{unsignedDir, signedDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := releaseFiles(t, unsignedDir)
	var toSign []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(signedDir, filepath.Base(f))
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
		toSign = append(toSign, dst)
	}
	t.Setenv("SVCSHIP_SIGN_PFX", pfx)
	t.Setenv("SVCSHIP_SIGN_PASSWORD", verifyPassword)
	args := append([]string{"sign", "--config", filepath.Join(unsignedDir, "svcship.yaml"), "--time", "1764590400", "--signatures", sigDir}, toSign...)
	code, out, errOut := svcship(t, args...)
	if code != 0 {
		t.Fatalf("svcship sign: %d\n%s%s", code, out, errOut)
	}
	if strings.Contains(out+errOut, verifyPassword) {
		t.Fatal("svcship sign shows the password")
	}

	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			sig := filepath.Join(sigDir, name+".p7s")
			signed := filepath.Join(signedDir, name)
			code, out, errOut := svcship(t, "verify", "--signature", sig, "--unsigned", f, "--signed", signed, "--ca", ca)
			if code != 0 || !strings.Contains(out, "ok: "+signed+" is "+f+" with the signature "+sig+" attached") {
				t.Fatalf("verify: %d\n%s%s", code, out, errOut)
			}

			// One byte changed in the unsigned build.
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			changed := filepath.Join(t.TempDir(), name)
			data[len(data)/2] ^= 0x01
			if err := os.WriteFile(changed, data, 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errOut = svcship(t, "verify", "--signature", sig, "--unsigned", changed, "--signed", signed, "--ca", ca)
			if code != 1 || !strings.Contains(errOut, "svcship verify: the signature "+sig+" was not made over "+changed+": its digest differs") {
				t.Fatalf("one byte changed: code %d\n%s%s", code, out, errOut)
			}

			// The wrong CA: bytes match, the signature does not verify.
			other := filepath.Join(t.TempDir(), "other.pem")
			sh(t, dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", filepath.Join(filepath.Dir(other), "k.pem"),
				"-out", other, "-days", "9", "-subj", "/CN=someone else")
			code, _, errOut = svcship(t, "verify", "--signature", sig, "--unsigned", f, "--signed", signed, "--ca", other)
			if code != 1 || !strings.Contains(errOut, "svcship verify: the signature of "+signed+" does not verify") {
				t.Fatalf("wrong CA: code %d\n%s", code, errOut)
			}
		})
	}

	t.Run("signed file changed after the release", func(t *testing.T) {
		exe := files[0]
		signed, err := os.ReadFile(filepath.Join(signedDir, filepath.Base(exe)))
		if err != nil {
			t.Fatal(err)
		}
		tampered := filepath.Join(t.TempDir(), filepath.Base(exe))
		os.WriteFile(tampered, append(signed, 0), 0o644)
		code, _, errOut := svcship(t, "verify", "--signature", filepath.Join(sigDir, filepath.Base(exe)+".p7s"), "--unsigned", exe, "--signed", tampered, "--ca", ca)
		if code != 1 || !strings.Contains(errOut, "with the signature attached is not "+tampered) {
			t.Fatalf("code %d\n%s", code, errOut)
		}
	})
	t.Run("signature of another file", func(t *testing.T) {
		code, _, errOut := svcship(t, "verify", "--signature", filepath.Join(sigDir, "install.ps1.p7s"), "--unsigned", files[0],
			"--signed", filepath.Join(signedDir, filepath.Base(files[0])), "--ca", ca)
		if code != 1 || !strings.Contains(errOut, "with the signature attached is not") {
			t.Fatalf("code %d\n%s", code, errOut)
		}
	})
	t.Run("bad usage", func(t *testing.T) {
		tests := []struct {
			args []string
			code int
			want string
		}{
			{[]string{"verify", "--signature", "x.p7s", "--unsigned", "a.exe"}, 2, "--signed is required"},
			{[]string{"verify", "--signature", filepath.Join(dir, "none.p7s"), "--unsigned", files[0], "--signed", files[0]}, 1, "svcship verify: signature: stat "},
			{[]string{"verify", "--signature", filepath.Join(sigDir, "install.ps1.p7s"), "--unsigned", filepath.Join(signedDir, "install.ps1"), "--signed", files[2]}, 1, "is already signed (expected the unsigned local build)"},
			{[]string{"sign", "notes.txt"}, 2, "notes.txt: not a file svcship signs"},
		}
		for _, tt := range tests {
			code, _, errOut := svcship(t, tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Errorf("%v: code %d, stderr %q; want %d and %q", tt.args, code, errOut, tt.code, tt.want)
			}
		}
	})
}
