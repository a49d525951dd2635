package sign

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/msipkg"
	"github.com/svcship/svcship/internal/version"
)

// pki is a test CA, a code-signing certificate it issued and a
// time-stamping authority, all made by openssl for one test.
type pki struct {
	caCert          string // PEM
	leafKey         string // PEM, unencrypted PKCS#8
	leafCert        string // PEM
	chain           string // leaf + CA, PEM
	pfx             string // leaf key + chain, PKCS#12
	tsaCert, tsaKey string
	leafDER, keyDER string
}

// newPKI makes the certificates in dir; the code-signing certificate is
// valid for days days.
func newPKI(t *testing.T, dir string, days int, pfxPassword string) pki {
	t.Helper()
	p := pki{
		caCert: filepath.Join(dir, "ca.pem"), leafKey: filepath.Join(dir, "leaf.key"), leafCert: filepath.Join(dir, "leaf.pem"),
		chain: filepath.Join(dir, "chain.pem"), pfx: filepath.Join(dir, "leaf.pfx"),
		tsaCert: filepath.Join(dir, "tsa.pem"), tsaKey: filepath.Join(dir, "tsa.key"),
		leafDER: filepath.Join(dir, "leaf.der"), keyDER: filepath.Join(dir, "leaf.key.der"),
	}
	caKey := filepath.Join(dir, "ca.key")
	run(t, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey, "-out", p.caCert,
		"-days", "365", "-subj", "/CN=svcship test CA/O=svcship project",
		"-addext", "basicConstraints=critical,CA:true", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
	issue := func(name, key, cert, subj, ext string, days int) {
		csr := filepath.Join(dir, name+".csr")
		extFile := filepath.Join(dir, name+".ext")
		put(t, extFile, ext)
		run(t, "openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", subj)
		run(t, "openssl", "x509", "-req", "-in", csr, "-CA", p.caCert, "-CAkey", caKey, "-CAcreateserial",
			"-out", cert, "-days", strconv.Itoa(days), "-extfile", extFile)
	}
	issue("leaf", p.leafKey, p.leafCert, "/CN=svcship test signing/O=svcship project",
		"basicConstraints=CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n", days)
	issue("tsa", p.tsaKey, p.tsaCert, "/CN=svcship test TSA/O=svcship project",
		"basicConstraints=CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n", 365)
	leaf, _ := os.ReadFile(p.leafCert)
	ca, _ := os.ReadFile(p.caCert)
	put(t, p.chain, string(leaf)+string(ca))
	run(t, "openssl", "pkcs12", "-export", "-inkey", p.leafKey, "-in", p.leafCert, "-certfile", p.caCert,
		"-out", p.pfx, "-passout", "pass:"+pfxPassword)
	run(t, "openssl", "pkcs8", "-topk8", "-nocrypt", "-in", p.leafKey, "-outform", "DER", "-out", p.keyDER)
	run(t, "openssl", "x509", "-in", p.leafCert, "-outform", "DER", "-out", p.leafDER)
	return p
}

func put(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// tinyExe builds a small Windows program with the Go toolchain.
func tinyExe(t *testing.T, dir, name string) string {
	t.Helper()
	src := filepath.Join(dir, "src-"+name)
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	put(t, filepath.Join(src, "go.mod"), "module example.com/"+name+"\n\ngo 1.22\n")
	put(t, filepath.Join(src, "main.go"), "package main\n\nfunc main() { println(\""+name+"\") }\n")
	exe := filepath.Join(dir, name+".exe")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", exe, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", name, err, out)
	}
	return exe
}

const msiYAML = `product:
  name: signtest
  display_name: Sign Test
  company: svcship project
  description: A program to sign
service:
  name: signtest
packaging:
  upgrade_code: "{6D3E2F10-8A4B-4C5D-9E6F-7A8B9C0D1E2F}"
`

// svcshipMSI builds a service MSI with svcship's own MSI writer.
func svcshipMSI(t *testing.T, dir, exe string) string {
	t.Helper()
	cfgPath := filepath.Join(dir, "svcship.yaml")
	put(t, cfgPath, msiYAML)
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	v, err := version.Parse("1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "signtest_1.2.3_windows_amd64.msi")
	err = msipkg.BuildFile(context.Background(), msipkg.Spec{
		Config: cfg, Arch: "amd64", Version: v, AppBinary: exe, Installer: exe,
		ConfigFile: cfgPath, Timestamp: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC),
	}, out)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// script writes a small PowerShell script (CRLF, as Windows keeps them).
func script(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	put(t, p, "param([string]$Name = 'svcship')\r\nWrite-Host \"hello $Name\"\r\n")
	return p
}

// ossl runs osslsigncode directly (not through package sign), so the
// checks do not depend on the code under test.
func ossl(args ...string) (string, error) {
	out, err := exec.Command("osslsigncode", args...).CombinedOutput()
	return string(out), err
}

// setMtime gives path a fixed mtime and returns it.
func setMtime(t *testing.T, path string) time.Time {
	t.Helper()
	mt := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	if err := os.Chtimes(path, mt, mt); err != nil {
		t.Fatal(err)
	}
	return mt
}

func assertMtime(t *testing.T, path string, want time.Time) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !st.ModTime().Equal(want) {
		t.Errorf("%s: mtime %v after signing, want %v", filepath.Base(path), st.ModTime(), want)
	}
}

// noLeftovers fails when a signing temporary is left in dir.
func noLeftovers(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".sign-") || strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary %s left in %s", e.Name(), dir)
		}
	}
}
