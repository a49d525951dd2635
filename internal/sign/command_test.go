package sign

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/testtool"
)

const cmdPassword = "cmd-Secret-0815!"

// signerScript writes a signer of the test's own: a shell script that
// signs $1 in place with osslsigncode and the test PFX, after doing what
// mode says, and records its environment.
func signerScript(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "signer.sh")
	put(t, p, `#!/bin/sh
set -e
env > "$SIGNER_ENV_DUMP"
case "$SIGNER_MODE" in
  noop) exit 0 ;;
  fail) echo "signer: quota exceeded for $SIGNER_PASSWORD" >&2; exit 3 ;;
esac
pass=$(mktemp)
printf '%s' "$SIGNER_PASSWORD" > "$pass"
osslsigncode sign -pkcs12 "$SIGNER_PFX" -readpass "$pass" -h sha256 -time 1764590400 -in "$1" -out "$1.signed" >/dev/null
rm -f "$pass"
mv "$1.signed" "$1"
if [ "$SIGNER_MODE" = tamper ]; then sed -i 's/hello/HELLO/' "$1"; fi
`)
	return p
}

func commandConfig(t *testing.T, scriptPath, extra string) *config.Config {
	t.Helper()
	yaml := msiYAML + `signing:
  method: command
  command: [sh, ` + scriptPath + `, "{{ .Path }}"]
  env: [SIGNER_PFX, SIGNER_PASSWORD, SIGNER_MODE, SIGNER_ENV_DUMP]
` + extra
	c, err := config.Parse("svcship.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCommandSigner(t *testing.T) {
	testtool.Require(t, "osslsigncode", "openssl", "go", "sh")
	dir := t.TempDir()
	p := newPKI(t, mkdir(t, dir, "pki"), 200, cmdPassword)
	work := mkdir(t, dir, "work")
	scriptPath := signerScript(t, dir)
	dump := filepath.Join(dir, "env.txt")
	exe := tinyExe(t, work, "app")

	// What the hook environment of a release holds: none of it may reach
	// the signer command, except what the configuration names.
	t.Setenv("GITHUB_TOKEN", "ghs_release_token_123")
	t.Setenv("GORELEASER_GITHUB_TOKEN", "ghs_goreleaser_token_456")
	t.Setenv("UNNAMED_SECRET", "not-for-the-signer")
	t.Setenv("SIGNER_PFX", p.pfx)
	t.Setenv("SIGNER_PASSWORD", cmdPassword)
	t.Setenv("SIGNER_ENV_DUMP", dump)

	ctx := context.Background()
	t.Run("signs and passes only the named variables", func(t *testing.T) {
		t.Setenv("SIGNER_MODE", "sign")
		s, err := New(commandConfig(t, scriptPath, "  ca_file: "+p.caCert+"\n"), os.Getenv)
		if err != nil {
			t.Fatal(err)
		}
		ps1 := script(t, work, "install.ps1")
		for _, f := range []string{exe, ps1} {
			mt := setMtime(t, f)
			if err := s.Sign(ctx, f); err != nil {
				t.Fatal(err)
			}
			out, err := ossl("verify", "-CAfile", p.caCert, "-in", f)
			if err != nil || !strings.Contains(out, "Signature verification: ok") {
				t.Fatalf("%s: osslsigncode verify: %v\n%s", f, err, out)
			}
			assertMtime(t, f, mt)
			noLeftovers(t, work)
		}
		envText, err := os.ReadFile(dump)
		if err != nil {
			t.Fatal(err)
		}
		for _, absent := range []string{"GITHUB_TOKEN", "GORELEASER_GITHUB_TOKEN", "UNNAMED_SECRET", "ghs_"} {
			if strings.Contains(string(envText), absent) {
				t.Errorf("the signer command saw %s:\n%s", absent, envText)
			}
		}
		for _, present := range []string{"SIGNER_PFX=" + p.pfx, "SIGNER_MODE=sign", "PATH="} {
			if !strings.Contains(string(envText), present) {
				t.Errorf("the signer command lacks %s:\n%s", present, envText)
			}
		}
	})

	failures := []struct {
		mode string
		want []string
	}{
		{"noop", []string{"the signer command [sh " + scriptPath + " {{ .Path }}] exited 0 but the file carries no Authenticode signature"}},
		{"tamper", []string{"exited 0 but the file's signature does not match its content", "was the file changed after signing?"}},
		{"fail", []string{"the signer command [sh " + scriptPath + " {{ .Path }}] failed: sh: exit status 3", "quota exceeded for [REDACTED]"}},
	}
	for _, tt := range failures {
		t.Run(tt.mode, func(t *testing.T) {
			t.Setenv("SIGNER_MODE", tt.mode)
			s, err := New(commandConfig(t, scriptPath, ""), os.Getenv)
			if err != nil {
				t.Fatal(err)
			}
			f := script(t, work, "unsigned-"+tt.mode+".ps1")
			before, _ := os.ReadFile(f)
			err = s.Sign(ctx, f)
			if err == nil {
				t.Fatal("the step succeeded")
			}
			msg := err.Error()
			if tt.mode != "fail" && !strings.Contains(msg, "sign "+f+":") {
				t.Errorf("the message does not name the file %s: %s", f, msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q\nlacks %q", msg, w)
				}
			}
			if strings.Contains(msg, cmdPassword) {
				t.Errorf("message shows the password: %s", msg)
			}
			after, _ := os.ReadFile(f)
			if !bytes.Equal(before, after) {
				t.Error("a failed signing changed the file")
			}
			noLeftovers(t, work)
		})
	}

	t.Run("wrong CA", func(t *testing.T) {
		t.Setenv("SIGNER_MODE", "sign")
		other := newPKI(t, mkdir(t, dir, "other"), 200, cmdPassword)
		s, err := New(commandConfig(t, scriptPath, "  ca_file: "+other.caCert+"\n"), os.Getenv)
		if err != nil {
			t.Fatal(err)
		}
		err = s.Sign(ctx, script(t, work, "wrong-ca.ps1"))
		if err == nil || !strings.Contains(err.Error(), "the signature does not verify against "+other.caCert) {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestTimestampWithBuiltInTSA takes the timestamp path with osslsigncode's
// own time-stamping authority (no server is reachable here).
func TestTimestampWithBuiltInTSA(t *testing.T) {
	testtool.Require(t, "osslsigncode", "openssl")
	dir := t.TempDir()
	p := newPKI(t, dir, 200, cmdPassword)
	env := map[string]string{EnvPFX: p.pfx, EnvPassword: cmdPassword}
	s, err := New(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	tsaChain := filepath.Join(dir, "tsa-chain.pem")
	tsa, _ := os.ReadFile(p.tsaCert)
	ca, _ := os.ReadFile(p.caCert)
	put(t, tsaChain, string(tsa)+string(ca))
	s.TSACerts, s.TSAKey = tsaChain, p.tsaKey
	s.CAFile, s.TSACAFile = p.caCert, p.caCert
	// After the certificates' notBefore (now), as a commit time would be.
	s.Time = time.Now().Add(2 * time.Second).Truncate(time.Second)
	f := script(t, dir, "ts.ps1")
	if err := s.Sign(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	out, err := ossl("verify", "-CAfile", p.caCert, "-TSA-CAfile", p.caCert, "-in", f)
	if err != nil {
		t.Fatalf("verify: %v\n%s", err, out)
	}
	for _, want := range []string{"Timestamp Server Signature verification: ok", "Signature verification: ok", "CN=svcship test TSA"} {
		if !strings.Contains(out, want) {
			t.Errorf("verify report lacks %q:\n%s", want, out)
		}
	}

	// A timestamped release still checks against an unsigned build: the
	// detached signature carries the timestamp.
	unsigned := script(t, mkdir(t, dir, "unsigned"), "ts.ps1")
	signed := script(t, mkdir(t, dir, "signed"), "ts.ps1")
	s.Signatures = mkdir(t, dir, "sigs")
	if err := s.Sign(context.Background(), signed); err != nil {
		t.Fatal(err)
	}
	report, err := VerifyDetached(context.Background(), Detached{
		Signature: filepath.Join(s.Signatures, "ts.ps1.p7s"), Unsigned: unsigned, Signed: signed,
		CAFile: p.caCert, TSACAFile: p.caCert,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(report, "Timestamp Server Signature verification: ok") {
		t.Errorf("verify report:\n%s", report)
	}
}
