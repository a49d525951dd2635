package config

import (
	"fmt"
	"net/url"
	"strings"
	"text/template"
)

// Signing methods.
const (
	SignPFX     = "pfx"
	SignPKCS11  = "pkcs11"
	SignCommand = "command"
)

// Signing is how svcship Authenticode-signs exes, MSIs and scripts. Secrets
// never appear here: the keys ending in _env name environment variables
// that hold them.
type Signing struct {
	// Method is pfx (default), pkcs11 or command.
	Method string `yaml:"method"`
	// Required fails the build when the key's variable is unset, instead
	// of building unsigned with a notice.
	Required bool `yaml:"required"`
	// TimestampURL is an RFC 3161 time-stamping server (default: the
	// SVCSHIP_SIGN_TIMESTAMP_URL variable, else none).
	TimestampURL string `yaml:"timestamp_url"`
	// CAFile is a PEM bundle every signed file must chain to; checked after
	// each file is signed.
	CAFile string `yaml:"ca_file"`
	// Env names the variables handed to osslsigncode (pkcs11: what the
	// module needs, e.g. SOFTHSM2_CONF) or to the signer command.
	Env []string `yaml:"env"`

	// PFXEnv names the variable with the PKCS#12 file's path (pfx; default
	// SVCSHIP_SIGN_PFX); PasswordEnv the one with its password (default
	// SVCSHIP_SIGN_PASSWORD).
	PFXEnv      string `yaml:"pfx_env"`
	PasswordEnv string `yaml:"password_env"`

	// Module is the token's PKCS#11 module (pkcs11).
	Module string `yaml:"module"`
	// Engine is libp11's OpenSSL engine (default: searched).
	Engine string `yaml:"engine"`
	// Key is the private key's PKCS#11 URI.
	Key string `yaml:"key"`
	// Cert is the certificate file (PEM or DER, with the chain); CertURI
	// the certificate's PKCS#11 URI on the token. Exactly one is set.
	Cert    string `yaml:"cert"`
	CertURI string `yaml:"cert_uri"`
	// PINEnv names the variable with the token's PIN (default
	// SVCSHIP_SIGN_PIN).
	PINEnv string `yaml:"pin_env"`

	// Command is the signer command's argv (command); {{ .Path }} is the
	// file to sign.
	Command []string `yaml:"command"`
}

// Defaults fills the variable names the method uses when they are empty.
func (s *Signing) Defaults() {
	if s.Method == "" {
		s.Method = SignPFX
	}
	switch s.Method {
	case SignPFX:
		if s.PFXEnv == "" {
			s.PFXEnv = "SVCSHIP_SIGN_PFX"
		}
		if s.PasswordEnv == "" {
			s.PasswordEnv = "SVCSHIP_SIGN_PASSWORD"
		}
	case SignPKCS11:
		if s.PINEnv == "" {
			s.PINEnv = "SVCSHIP_SIGN_PIN"
		}
	}
}

// releaseTokens are variables no signer needs; naming one in signing.env
// would hand the release's credentials to the signing tool.
func releaseTokens() []string {
	return []string{"GITHUB_TOKEN", "GH_TOKEN", "GITHUB_ENTERPRISE_TOKEN", "GH_ENTERPRISE_TOKEN", "GITLAB_TOKEN", "GITEA_TOKEN", "GORELEASER_KEY"}
}

func (c *Config) validateSigning(errAt func(key, format string, args ...any) error) error {
	s := c.Signing
	if s == nil {
		return nil
	}
	method := s.Method
	if method == "" {
		method = SignPFX
	}
	switch method {
	case SignPFX, SignPKCS11, SignCommand:
	default:
		return errAt("signing.method", "%q is not a signing method (expected pfx, pkcs11 or command)", s.Method)
	}
	// Keys that belong to another method are mistakes, not silent no-ops.
	for _, k := range []struct {
		key, method string
		set         bool
	}{
		{"pfx_env", SignPFX, s.PFXEnv != ""},
		{"password_env", SignPFX, s.PasswordEnv != ""},
		{"module", SignPKCS11, s.Module != ""},
		{"engine", SignPKCS11, s.Engine != ""},
		{"key", SignPKCS11, s.Key != ""},
		{"cert", SignPKCS11, s.Cert != ""},
		{"cert_uri", SignPKCS11, s.CertURI != ""},
		{"pin_env", SignPKCS11, s.PINEnv != ""},
		{"command", SignCommand, len(s.Command) > 0},
	} {
		if k.set && k.method != method {
			return errAt("signing."+k.key, "is only used with method %s (method is %s)", k.method, method)
		}
	}
	if s.TimestampURL != "" {
		u, err := url.Parse(s.TimestampURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errAt("signing.timestamp_url", "%q is not an http(s) URL of an RFC 3161 time-stamping server", s.TimestampURL)
		}
		if u.User != nil {
			return errAt("signing.timestamp_url", "holds credentials (expected a URL without user:password@)")
		}
	}
	for _, k := range []struct{ key, name string }{
		{"pfx_env", s.PFXEnv}, {"password_env", s.PasswordEnv}, {"pin_env", s.PINEnv},
	} {
		if k.name != "" && !envNameRE.MatchString(k.name) {
			return errAt("signing."+k.key, "%q is not an environment variable name", k.name)
		}
	}
	// The password and the PIN reach osslsigncode through a 0600 file, never
	// its environment.
	resolved := *s
	resolved.Method = method
	resolved.Defaults()
	for i, name := range s.Env {
		key := fmt.Sprintf("signing.env[%d]", i)
		if !envNameRE.MatchString(name) {
			return errAt(key, "%q is not an environment variable name", name)
		}
		if (method == SignPFX && name == resolved.PasswordEnv) || (method == SignPKCS11 && name == resolved.PINEnv) {
			return errAt(key, "%s holds the key's secret, which svcship hands to osslsigncode in a 0600 file; it must not be in the tool's environment too", name)
		}
		for _, t := range releaseTokens() {
			if strings.EqualFold(name, t) {
				return errAt(key, "%s is a release token; no signer needs it, and svcship keeps it from the tools it starts", name)
			}
		}
	}
	switch method {
	case SignPKCS11:
		if s.Module == "" {
			return errAt("signing.module", "is empty (expected the path of the token's PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so)")
		}
		if err := checkPKCS11URI(s.Key); err != nil {
			return errAt("signing.key", "%v", err)
		}
		switch {
		case s.Cert == "" && s.CertURI == "":
			return errAt("signing.cert", "is empty, and so is cert_uri (expected the certificate file, or its PKCS#11 URI on the token)")
		case s.Cert != "" && s.CertURI != "":
			return errAt("signing.cert_uri", "is set together with cert (expected one of them)")
		case s.CertURI != "":
			if err := checkPKCS11URI(s.CertURI); err != nil {
				return errAt("signing.cert_uri", "%v", err)
			}
		}
	case SignCommand:
		if len(s.Command) == 0 {
			return errAt("signing.command", "is empty (expected the signer's argv, e.g. [jsign, --storetype, ..., \"{{ .Path }}\"])")
		}
		names := false
		for i, a := range s.Command {
			if _, err := template.New("arg").Parse(a); err != nil {
				return errAt(fmt.Sprintf("signing.command[%d]", i), "%q is not a valid template: %v", a, err)
			}
			names = names || strings.Contains(a, ".Path")
		}
		if strings.TrimSpace(s.Command[0]) == "" {
			return errAt("signing.command[0]", "is empty (expected the program to run)")
		}
		if !names {
			return errAt("signing.command", "no argument names the file (expected {{ .Path }} in one of them)")
		}
	}
	return nil
}

// checkPKCS11URI accepts an RFC 7512 URI that carries no PIN.
func checkPKCS11URI(u string) error {
	if u == "" {
		return fmt.Errorf("is empty (expected a PKCS#11 URI such as \"pkcs11:token=mytoken;object=signing-key;type=private\")")
	}
	if !strings.HasPrefix(u, "pkcs11:") {
		return fmt.Errorf("%q is not a PKCS#11 URI (expected pkcs11:token=...;object=...)", u)
	}
	low := strings.ToLower(u)
	if strings.Contains(low, "pin-value") || strings.Contains(low, "pin-source") {
		return fmt.Errorf("holds a PIN (pin-value/pin-source); put the PIN in the variable named by signing.pin_env instead")
	}
	return nil
}
