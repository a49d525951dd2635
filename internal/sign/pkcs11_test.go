package sign

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/testtool"
)

// The token's PIN. It must appear in nothing the signer writes.
const testPIN = "4711-svcship-PIN"

// softHSMModule finds SoftHSM2's PKCS#11 module (Debian softhsm2).
func softHSMModule(t *testing.T) string {
	t.Helper()
	candidates := []string{"/usr/lib/softhsm/libsofthsm2.so"}
	m, _ := filepath.Glob("/usr/lib/*/softhsm/libsofthsm2.so")
	candidates = append(candidates, m...)
	for _, c := range candidates {
		if _, err := os.Stat(c); err == nil {
			return c
		}
	}
	testtool.Missing(t, "libsofthsm2.so not found (Debian package softhsm2)")
	return ""
}

// softToken makes a SoftHSM2 token in dir holding p's code-signing key and
// certificate (label "svcship-sign", id 01) and returns the module path and
// the SOFTHSM2_CONF value.
func softToken(t *testing.T, dir string, p pki) (module, conf string) {
	t.Helper()
	testtool.Require(t, "softhsm2-util", "pkcs11-tool")
	module = softHSMModule(t)
	if _, err := FindEngine(context.Background()); err != nil {
		testtool.Missing(t, "libp11's engine pkcs11.so not found (Debian package libengine-pkcs11-openssl)")
	}
	tokens := filepath.Join(dir, "tokens")
	if err := os.MkdirAll(tokens, 0o700); err != nil {
		t.Fatal(err)
	}
	conf = filepath.Join(dir, "softhsm2.conf")
	put(t, conf, "directories.tokendir = "+tokens+"\nobjectstore.backend = file\nlog.level = ERROR\n")
	env := append(os.Environ(), "SOFTHSM2_CONF="+conf)
	setup := func(name string, args ...string) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	setup("softhsm2-util", "--init-token", "--free", "--label", "svcship-test", "--pin", testPIN, "--so-pin", "so-"+testPIN)
	for _, obj := range []struct{ file, typ string }{{p.keyDER, "privkey"}, {p.leafDER, "cert"}} {
		setup("pkcs11-tool", "--module", module, "--token-label", "svcship-test", "--login", "--pin", testPIN,
			"--write-object", obj.file, "--type", obj.typ, "--id", "01", "--label", "svcship-sign")
	}
	return module, conf
}

func pkcs11Config(t *testing.T, module, extra string) *config.Config {
	t.Helper()
	yaml := msiYAML + `signing:
  method: pkcs11
  module: ` + module + `
  key: "pkcs11:token=svcship-test;object=svcship-sign;type=private"
  pin_env: SVCSHIP_TEST_PIN
  env: [SOFTHSM2_CONF]
` + extra
	c, err := config.Parse("svcship.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPKCS11SignsExeMSIAndScript signs through SoftHSM2, libp11 and
// osslsigncode; osslsigncode verify with the test CA accepts each file,
// and the PIN appears in no output.
func TestPKCS11SignsExeMSIAndScript(t *testing.T) {
	testtool.Require(t, "osslsigncode", "openssl", "go")
	dir := t.TempDir()
	// Valid for 20 days: the signer must warn (expiry within 30 days), and
	// it can only learn that from the token's certificate in the signature.
	p := newPKI(t, mkdir(t, dir, "pki"), 20, "unused")
	module, conf := softToken(t, mkdir(t, dir, "hsm"), p)
	work := mkdir(t, dir, "work")
	exe := tinyExe(t, work, "app")
	msi := svcshipMSI(t, mkdir(t, dir, "msi"), tinyExe(t, work, "payload"))
	ps1 := script(t, work, "install.ps1")

	getenv := func(k string) string {
		return map[string]string{"SVCSHIP_TEST_PIN": testPIN, "SOFTHSM2_CONF": conf}[k]
	}
	var logs bytes.Buffer
	tests := []struct {
		name, file, cert string
	}{
		{"exe, certificate from the token", exe, `  cert_uri: "pkcs11:token=svcship-test;object=svcship-sign;type=cert"` + "\n"},
		{"msi, certificate from the token", msi, `  cert_uri: "pkcs11:token=svcship-test;object=svcship-sign;type=cert"` + "\n"},
		{"ps1, certificate from a file", ps1, "  cert: " + p.chain + "\n"},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(pkcs11Config(t, module, tt.cert), getenv)
			if err != nil {
				t.Fatal(err)
			}
			s.Log = slog.New(slog.NewTextHandler(&logs, nil))
			s.Time = time.Now().Add(-time.Hour).Truncate(time.Second)
			mt := setMtime(t, tt.file)
			if out, err := ossl("verify", "-CAfile", p.caCert, "-in", tt.file); err == nil {
				t.Fatalf("unsigned file verifies:\n%s", out)
			}
			unsigned, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			twin := filepath.Join(t.TempDir(), filepath.Base(tt.file))
			put(t, twin, string(unsigned))
			if err := s.Sign(ctx, tt.file); err != nil {
				if strings.Contains(err.Error(), testPIN) {
					t.Fatal("the error shows the PIN")
				}
				t.Fatal(err)
			}
			out, err := ossl("verify", "-CAfile", p.caCert, "-in", tt.file)
			if err != nil || !strings.Contains(out, "Signature verification: ok") {
				t.Fatalf("osslsigncode verify -CAfile: %v\n%s", err, out)
			}
			if !strings.Contains(out, "Subject: /CN=svcship test signing/O=svcship project") {
				t.Errorf("signed by someone else:\n%s", out)
			}
			// Not trusted without the test CA: the check above means something.
			if _, err := ossl("verify", "-in", tt.file); err == nil {
				t.Error("verifies against the system trust store too")
			}
			assertMtime(t, tt.file, mt)
			noLeftovers(t, filepath.Dir(tt.file))
			// Same file, key and signing time: the same bytes, as a
			// reproducible release needs.
			if err := s.Sign(ctx, twin); err != nil {
				t.Fatal(err)
			}
			a, _ := os.ReadFile(tt.file)
			b, _ := os.ReadFile(twin)
			if !bytes.Equal(a, b) || bytes.Equal(a, unsigned) {
				t.Error("signing the same file twice through the token gave different bytes")
			}
		})
	}
	if !strings.Contains(logs.String(), "the signing certificate expires soon") || !strings.Contains(logs.String(), "days_left=19") {
		t.Errorf("no expiry warning for a certificate valid 20 days:\n%s", logs.String())
	}

	// Failures whose tool output carries the PIN (here: inside an object
	// name osslsigncode echoes back) must still not show it.
	t.Run("PIN scrubbed from failures", func(t *testing.T) {
		bad := pkcs11Config(t, module, `  cert_uri: "pkcs11:token=svcship-test;object=svcship-sign;type=cert"`+"\n")
		bad.Signing.Key = "pkcs11:token=svcship-test;object=" + testPIN + ";type=private"
		s, err := New(bad, getenv)
		if err != nil {
			t.Fatal(err)
		}
		s.Log = slog.New(slog.NewTextHandler(&logs, nil))
		err = s.Sign(ctx, script(t, work, "other.ps1"))
		if err == nil {
			t.Fatal("signed with a key that does not exist")
		}
		if !strings.Contains(err.Error(), "[REDACTED]") {
			t.Errorf("the tool's report lost the redacted object name: %v", err)
		}
		if strings.Contains(err.Error(), testPIN) {
			t.Errorf("error shows the PIN: %v", err)
		}
		wrong := func(k string) string {
			return map[string]string{"SVCSHIP_TEST_PIN": "wrong-" + testPIN, "SOFTHSM2_CONF": conf}[k]
		}
		s, err = New(pkcs11Config(t, module, "  cert: "+p.chain+"\n"), wrong)
		if err != nil {
			t.Fatal(err)
		}
		err = s.Sign(ctx, script(t, work, "third.ps1"))
		if err == nil || !strings.Contains(err.Error(), "PIN incorrect") {
			t.Fatalf("wrong PIN: err = %v", err)
		}
		if strings.Contains(err.Error(), testPIN) {
			t.Errorf("error shows the PIN: %v", err)
		}
	})
	if strings.Contains(logs.String(), testPIN) {
		t.Errorf("the log shows the PIN:\n%s", logs.String())
	}

	// What osslsigncode receives: a wrapper records its arguments, its
	// environment and the -readpass file's mode, then runs the real tool.
	t.Run("PIN only in a 0600 file", func(t *testing.T) {
		t.Setenv("GITHUB_TOKEN", "ghs_release_token_789")
		record := filepath.Join(dir, "osslsigncode.log")
		wrapper := filepath.Join(dir, "osslsigncode-wrapper")
		put(t, wrapper, `#!/bin/sh
{
  echo "ARGS: $*"
  prev=""
  for a in "$@"; do
    if [ "$prev" = "-readpass" ]; then echo "PASSFILE: $a $(stat -c %a "$a")"; fi
    prev="$a"
  done
  env | sed 's/^/ENV: /'
} >> "`+"${SIGN_RECORD}"+`"
exec osslsigncode "$@"
`)
		if err := os.Chmod(wrapper, 0o755); err != nil {
			t.Fatal(err)
		}
		env := func(k string) string {
			return map[string]string{"SVCSHIP_TEST_PIN": testPIN, "SOFTHSM2_CONF": conf, "SIGN_RECORD": record}[k]
		}
		c := pkcs11Config(t, module, `  cert_uri: "pkcs11:token=svcship-test;object=svcship-sign;type=cert"`+"\n")
		c.Signing.Env = append(c.Signing.Env, "SIGN_RECORD")
		s, err := New(c, env)
		if err != nil {
			t.Fatal(err)
		}
		s.Tool = wrapper
		f := script(t, work, "recorded.ps1")
		if err := s.Sign(ctx, f); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(record)
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		if strings.Contains(text, testPIN) {
			t.Errorf("osslsigncode saw the PIN in its arguments or environment:\n%s", text)
		}
		if strings.Contains(text, "GITHUB_TOKEN") || strings.Contains(text, "ghs_") {
			t.Errorf("osslsigncode saw the GitHub token:\n%s", text)
		}
		if !strings.Contains(text, "ENV: SOFTHSM2_CONF="+conf) {
			t.Errorf("osslsigncode lacks the variable signing.env names:\n%s", text)
		}
		var passFile string
		for _, line := range strings.Split(text, "\n") {
			if rest, ok := strings.CutPrefix(line, "PASSFILE: "); ok {
				fields := strings.Fields(rest)
				if len(fields) != 2 || fields[1] != "600" {
					t.Errorf("-readpass file: %q, want mode 600", rest)
				}
				passFile = fields[0]
			}
		}
		if passFile == "" {
			t.Fatalf("osslsigncode got no -readpass file:\n%s", text)
		}
		if _, err := os.Stat(passFile); !os.IsNotExist(err) {
			t.Errorf("the PIN file %s is still there (%v)", passFile, err)
		}
	})
}

func TestPKCS11WithoutPINIsNotConfigured(t *testing.T) {
	c := pkcs11Config(t, "/usr/lib/softhsm/libsofthsm2.so", "  cert: /nonexistent.pem\n")
	_, err := New(c, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "set SVCSHIP_TEST_PIN to the token's PIN") {
		t.Fatalf("err = %v", err)
	}
	c.Signing.Required = true
	_, err = New(c, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "signing.required is true but SVCSHIP_TEST_PIN is not set") {
		t.Fatalf("required: err = %v", err)
	}
}

func mkdir(t *testing.T, parent, name string) string {
	t.Helper()
	d := filepath.Join(parent, name)
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}
