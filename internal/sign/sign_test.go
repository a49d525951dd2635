package sign

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/testtool"
)

const testPassword = "pfx-Secret-4711!"

func needTools(t *testing.T, tools ...string) {
	t.Helper()
	testtool.Require(t, tools...)
}

// testCert makes a self-signed code-signing certificate and its PKCS#12
// bundle; it returns the PEM certificate path and the PFX path.
func testCert(t *testing.T, dir string) (string, string) {
	t.Helper()
	key, cert, pfx := filepath.Join(dir, "key.pem"), filepath.Join(dir, "cert.pem"), filepath.Join(dir, "cert.pfx")
	run(t, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
		"-days", "30", "-subj", "/CN=svcship test signing/O=svcship project",
		"-addext", "extendedKeyUsage=codeSigning", "-addext", "keyUsage=digitalSignature")
	run(t, "openssl", "pkcs12", "-export", "-inkey", key, "-in", cert, "-out", pfx, "-passout", "pass:"+testPassword)
	return cert, pfx
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

func testExe(t *testing.T, dir string) string {
	t.Helper()
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(src, "go.mod"), []byte("module example.com/s\n\ngo 1.22\n"), 0o644)
	os.WriteFile(filepath.Join(src, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644)
	exe := filepath.Join(dir, "app.exe")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", exe, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return exe
}

// testMSI makes a small Windows Installer database with msibuild
// (msitools), a writer nobody here wrote.
func testMSI(t *testing.T, dir string) string {
	t.Helper()
	payload := filepath.Join(dir, "payload.txt")
	os.WriteFile(payload, bytes.Repeat([]byte("hello svcship\n"), 600), 0o644)
	msi := filepath.Join(dir, "t.msi")
	run(t, "msibuild", msi, "-s", "Sign Test", "svcship project", "x64;1033", "{8C3A8C1E-6F0E-4D5C-9A53-0A2F1D3B7E11}")
	run(t, "msibuild", msi, "-a", "Payload", payload)
	return msi
}

func TestSignAndVerify(t *testing.T) {
	needTools(t, "osslsigncode", "openssl", "msibuild")
	dir := t.TempDir()
	cert, pfx := testCert(t, dir)
	env := map[string]string{EnvPFX: pfx, EnvPassword: testPassword}
	s, err := FromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	s.Description, s.URL = "Hello Service", "https://example.com/hellosvc"
	// A fixed signing time, after the certificate's notBefore.
	s.Time = time.Now().Truncate(time.Second).Add(time.Minute)

	files := map[string]string{"exe": testExe(t, dir), "msi": testMSI(t, dir)}
	ctx := context.Background()
	for kind, path := range files {
		t.Run(kind, func(t *testing.T) {
			if _, err := Verify(ctx, path, cert); err == nil {
				t.Fatal("unsigned file verifies")
			}
			orig, _ := os.ReadFile(path)
			copyPath := path + ".copy" + filepath.Ext(path)
			os.WriteFile(copyPath, orig, 0o644)

			if err := s.Sign(ctx, path); err != nil {
				t.Fatal(err)
			}
			report, err := Verify(ctx, path, cert)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(report, "Signature verification: ok") {
				t.Fatalf("verify report:\n%s", report)
			}
			// Same input, key and time: same bytes (no timestamp server).
			if err := s.Sign(ctx, copyPath); err != nil {
				t.Fatal(err)
			}
			a, _ := os.ReadFile(path)
			b, _ := os.ReadFile(copyPath)
			if !bytes.Equal(a, b) {
				t.Error("signing the same file twice gave different bytes")
			}
			if bytes.Equal(a, orig) {
				t.Error("signed file equals the unsigned one")
			}
			// A different certificate must not verify.
			other, _ := testCert(t, t.TempDir())
			if _, err := Verify(ctx, path, other); err == nil {
				t.Error("signature verifies against an unrelated CA")
			}
			entries, _ := os.ReadDir(filepath.Dir(path))
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), ".sign-") {
					t.Errorf("temporary %s left behind", e.Name())
				}
			}
		})
	}
}

func TestPasswordNeverShown(t *testing.T) {
	needTools(t, "osslsigncode", "openssl")
	dir := t.TempDir()
	_, pfx := testCert(t, dir)
	exe := filepath.Join(dir, "x.exe")
	os.WriteFile(exe, []byte("MZ not really a program"), 0o644)
	tests := []struct {
		name     string
		password string
	}{
		{"wrong password", "wrong-" + testPassword},
		{"right password, broken input", testPassword},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Signer{PFX: pfx, Password: tt.password}
			err := s.Sign(context.Background(), exe)
			if err == nil {
				t.Fatal("signing succeeded")
			}
			if strings.Contains(err.Error(), tt.password) || strings.Contains(err.Error(), testPassword) {
				t.Fatalf("error shows the password: %v", err)
			}
		})
	}
	// The redaction itself, with output that does contain the password.
	s := &Signer{Password: testPassword}
	if got := s.redact("bad pass " + testPassword + "!"); strings.Contains(got, testPassword) {
		t.Fatalf("redact kept the password: %q", got)
	}
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr error
		errText string
	}{
		{"nothing set", map[string]string{}, ErrNotConfigured, ""},
		{"missing pfx", map[string]string{EnvPFX: "/nonexistent/key.pfx"}, nil, "SVCSHIP_SIGN_PFX"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromEnv(func(k string) string { return tt.env[k] })
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.errText != "" && (err == nil || !strings.Contains(err.Error(), tt.errText)) {
				t.Fatalf("err = %v, want mention of %s", err, tt.errText)
			}
		})
	}
}
