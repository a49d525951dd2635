package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestSigningSectionParses(t *testing.T) {
	tests := []struct {
		name    string
		section string
		want    Signing
	}{
		{"pfx defaults", "signing:\n  method: pfx\n", Signing{Method: "pfx", PFXEnv: "SVCSHIP_SIGN_PFX", PasswordEnv: "SVCSHIP_SIGN_PASSWORD"}},
		{"empty method is pfx", "signing:\n  required: true\n", Signing{Method: "pfx", Required: true, PFXEnv: "SVCSHIP_SIGN_PFX", PasswordEnv: "SVCSHIP_SIGN_PASSWORD"}},
		{"pkcs11", `signing:
  method: pkcs11
  module: /usr/lib/softhsm/libsofthsm2.so
  key: "pkcs11:token=t;object=k;type=private"
  cert_uri: "pkcs11:token=t;object=k;type=cert"
  env: [SOFTHSM2_CONF]
  timestamp_url: http://timestamp.example.com/rfc3161
`, Signing{Method: "pkcs11", Module: "/usr/lib/softhsm/libsofthsm2.so", Key: "pkcs11:token=t;object=k;type=private",
			CertURI: "pkcs11:token=t;object=k;type=cert", PINEnv: "SVCSHIP_SIGN_PIN", TimestampURL: "http://timestamp.example.com/rfc3161"}},
		{"command", "signing:\n  method: command\n  command: [jsign, --storetype, TRUSTEDSIGNING, \"{{ .Path }}\"]\n  env: [AZURE_TOKEN]\n",
			Signing{Method: "command"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("svcship.yaml", []byte(minimal+tt.section))
			if err != nil {
				t.Fatal(err)
			}
			got := *c.Signing
			got.Env, got.Command = nil, nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("signing = %+v\nwant      %+v", got, tt.want)
			}
		})
	}
	c, err := Parse("svcship.yaml", []byte(minimal+tests[3].section))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Signing.Command, " "); got != "jsign --storetype TRUSTEDSIGNING {{ .Path }}" {
		t.Errorf("command = %q", got)
	}
	if got := strings.Join(c.Signing.Env, " "); got != "AZURE_TOKEN" {
		t.Errorf("env = %q", got)
	}
}

func TestSigningSectionErrors(t *testing.T) {
	// minimal has 8 lines, so "signing:" is line 9.
	tests := []struct {
		name, section, want string
	}{
		{"unknown method", "signing:\n  method: hsm\n", `svcship.yaml:10: signing.method: "hsm" is not a signing method (expected pfx, pkcs11 or command)`},
		{"key of another method", "signing:\n  method: pfx\n  pin_env: PIN\n", "svcship.yaml:11: signing.pin_env: is only used with method pkcs11 (method is pfx)"},
		{"pkcs11 without module", "signing:\n  method: pkcs11\n  key: \"pkcs11:object=k\"\n  cert: c.pem\n", "signing.module: is empty (expected the path of the token's PKCS#11 module"},
		{"key not a URI", "signing:\n  method: pkcs11\n  module: /m.so\n  key: mykey\n  cert: c.pem\n", `svcship.yaml:12: signing.key: "mykey" is not a PKCS#11 URI`},
		{"PIN in the URI", "signing:\n  method: pkcs11\n  module: /m.so\n  key: \"pkcs11:object=k;pin-value=1234\"\n  cert: c.pem\n", "signing.key: holds a PIN (pin-value/pin-source); put the PIN in the variable named by signing.pin_env instead"},
		{"no certificate", "signing:\n  method: pkcs11\n  module: /m.so\n  key: \"pkcs11:object=k\"\n", "signing.cert: is empty, and so is cert_uri"},
		{"two certificates", "signing:\n  method: pkcs11\n  module: /m.so\n  key: \"pkcs11:object=k\"\n  cert: c.pem\n  cert_uri: \"pkcs11:object=k;type=cert\"\n", "signing.cert_uri: is set together with cert (expected one of them)"},
		{"command without the file", "signing:\n  method: command\n  command: [sign-it, --all]\n", "signing.command: no argument names the file (expected {{ .Path }} in one of them)"},
		{"command bad template", "signing:\n  method: command\n  command: [sign-it, \"{{ .Path \"]\n", `signing.command[1]: "{{ .Path " is not a valid template`},
		{"command empty", "signing:\n  method: command\n", "signing.command: is empty"},
		{"token passed on", "signing:\n  method: command\n  command: [s, \"{{ .Path }}\"]\n  env: [GITHUB_TOKEN]\n", "signing.env[0]: GITHUB_TOKEN is a release token; no signer needs it"},
		{"PIN in the environment", "signing:\n  method: pkcs11\n  module: /m.so\n  key: \"pkcs11:object=k\"\n  cert: c.pem\n  env: [SOFTHSM2_CONF, SVCSHIP_SIGN_PIN]\n", "signing.env[1]: SVCSHIP_SIGN_PIN holds the key's secret"},
		{"password in the environment", "signing:\n  password_env: PFXPASS\n  env: [PFXPASS]\n", "signing.env[0]: PFXPASS holds the key's secret"},
		{"bad env name", "signing:\n  env: [\"A-B\"]\n", `signing.env[0]: "A-B" is not an environment variable name`},
		{"timestamp not a URL", "signing:\n  timestamp_url: timestamp.example.com\n", `signing.timestamp_url: "timestamp.example.com" is not an http(s) URL`},
		{"timestamp with password", "signing:\n  timestamp_url: https://u:p@ts.example.com/\n", "signing.timestamp_url: holds credentials"},
		{"unknown key", "signing:\n  pin: 1234\n", "signing.pin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("svcship.yaml", []byte(minimal+tt.section))
			if err == nil {
				t.Fatal("parsed")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestSigningFilesMustExist(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "svcship.yaml")
	if err := os.WriteFile(path, []byte(minimal+"signing:\n  ca_file: certs/ca.pem\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), `signing.ca_file: "certs/ca.pem" does not exist`) {
		t.Fatalf("err = %v", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "certs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "certs", "ca.pem"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Resolve(c.Signing.CAFile), filepath.Join(dir, "certs", "ca.pem"); got != want {
		t.Errorf("ca_file resolves to %s, want %s", got, want)
	}
}

// TestSigningDocExamples parses every YAML example in docs/config.md's
// signing section, so the reference never shows a file svcship refuses.
func TestSigningDocExamples(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "docs", "config.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i := strings.Index(doc, "\n## signing\n")
	if i < 0 {
		t.Fatal("docs/config.md has no signing section")
	}
	section := doc[i+1:]
	if j := strings.Index(section[3:], "\n## "); j >= 0 {
		section = section[:j+3]
	}
	blocks := strings.Split(section, "```yaml\n")[1:]
	if len(blocks) < 2 {
		t.Fatalf("%d examples in the signing section, want 2 or more", len(blocks))
	}
	methods := map[string]bool{}
	for n, b := range blocks {
		yaml := b[:strings.Index(b, "```")]
		c, err := Parse("docs/config.md", []byte(minimal+yaml))
		if err != nil {
			t.Errorf("example %d: %v\n%s", n+1, err, yaml)
			continue
		}
		methods[c.Signing.Method] = true
	}
	if !methods[SignPKCS11] || !methods[SignCommand] {
		t.Errorf("examples cover %v, want pkcs11 and command", methods)
	}
}
