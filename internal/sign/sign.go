// Package sign adds Authenticode signatures to Windows executables, MSIs
// and PowerShell scripts. It is svcship's only signer: the release
// pipeline, `svcship sign` and GoReleaser build hooks all go through it.
//
// Three methods, chosen by the signing section of svcship.yaml:
//
//   - pfx: a PKCS#12 file named by an environment variable (default
//     SVCSHIP_SIGN_PFX) and its password (SVCSHIP_SIGN_PASSWORD), signed
//     with osslsigncode. For self-signed and internal certificates.
//   - pkcs11: a key in an HSM, a USB token or a cloud key service reached
//     through its PKCS#11 module, signed with osslsigncode and the libp11
//     engine. The PIN comes from an environment variable (default
//     SVCSHIP_SIGN_PIN).
//   - command: a signer of its own (jsign, signtool, an in-house service),
//     run once per file; svcship then checks that the file carries a
//     signature whose digest matches it.
//
// Secrets reach osslsigncode through a 0600 temporary file (-readpass),
// never a command line, and are scrubbed from every message. Every child
// process gets a scrubbed environment: a neutral base (PATH, HOME, temp
// folders, locale) plus the variables its configuration names, so a
// GitHub token that GoReleaser hands to its hooks goes no further.
//
// Reproducibility: with a fixed signing time (Signer.Time, the commit time
// in the pipeline), an RSA key and no timestamp server, signing the same
// file twice gives the same bytes, and a signed file keeps its mtime. A
// timestamp server answers differently every time, so timestamped outputs
// are reproducible only up to the signature: the detached signatures
// (Signer.Signatures, VerifyDetached) let anyone check that.
package sign

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/atomicfile"
)

// Environment variables read when svcship.yaml does not name others.
const (
	EnvPFX          = "SVCSHIP_SIGN_PFX"
	EnvPassword     = "SVCSHIP_SIGN_PASSWORD"
	EnvPIN          = "SVCSHIP_SIGN_PIN"
	EnvTimestampURL = "SVCSHIP_SIGN_TIMESTAMP_URL"
)

// Method is how a Signer signs.
type Method string

const (
	MethodPFX     Method = config.SignPFX
	MethodPKCS11  Method = config.SignPKCS11
	MethodCommand Method = config.SignCommand
)

// ExpiryWarning is how close to its end a signing certificate must be for
// Sign to warn.
const ExpiryWarning = 30 * 24 * time.Hour

// ErrNotConfigured means there is no key to sign with: the variable that
// names the PFX, or the one that holds the PIN, is unset. Callers build
// unsigned with a notice unless signing.required is set.
var ErrNotConfigured = errors.New("sign: no signing key configured")

// Signer signs files in place. Build one with New (or FromEnv); the zero
// value is not usable.
type Signer struct {
	// Method is pfx (the default when empty), pkcs11 or command.
	Method Method

	// PFX is the PKCS#12 file with the certificate chain and key (pfx).
	PFX string
	// Password unlocks PFX. Never logged.
	Password string

	// Module is the PKCS#11 module (.so, .dll) of the token (pkcs11).
	Module string
	// Engine is libp11's OpenSSL engine; empty means search the usual
	// places (FindEngine).
	Engine string
	// Key is the private key's PKCS#11 URI.
	Key string
	// Cert is a certificate file (PEM or DER, with the chain), or CertURI a
	// PKCS#11 URI of the certificate on the token. One of them is set.
	Cert    string
	CertURI string
	// PIN logs in to the token. Never logged.
	PIN string

	// Command is the signer command's argv (command). Each element is a
	// text/template executed with CommandData.
	Command []string

	// TimestampURL is an RFC 3161 time-stamping server (optional).
	TimestampURL string
	// TSACerts and TSAKey make osslsigncode act as its own time-stamping
	// authority instead of asking a server (-TSA-certs, -TSA-key): for
	// tests and offline checks of the timestamp path.
	TSACerts, TSAKey string
	// TSACAFile is the PEM bundle that timestamps must chain to when CAFile
	// is checked (default: the system's trust store).
	TSACAFile string
	// CAFile, when set, is a PEM bundle every signed file must chain to.
	CAFile string
	// Description and URL are shown by Windows in the UAC prompt (-n, -i).
	Description string
	URL         string
	// Time is the signing time recorded in the signature; zero means now.
	Time time.Time
	// Signatures, when set, is a folder that receives each signed file's
	// detached signature as <file name>.p7s.
	Signatures string
	// Tool is the osslsigncode executable (default "osslsigncode").
	Tool string
	// Log receives notices such as a certificate that expires soon
	// (default: discard).
	Log *slog.Logger
	// Now is the clock for the expiry warning only (default time.Now).
	Now func() time.Time

	// env is the child environment beyond the neutral base: the values of
	// the variables the configuration names (signing.env).
	env []string
	// secrets are scrubbed from every message.
	secrets []string

	mu     sync.Mutex
	warned bool
}

// CommandData is what a signer command's arguments can use:
// {{ .Path }} is the file to sign (a copy beside the original, with the
// same name; svcship puts it in place once it is checked), {{ .Name }} its
// base name, {{ .Dir }} its folder, {{ .Ext }} its extension, and
// {{ .Description }} and {{ .URL }} come from the product.
type CommandData struct {
	Path, Name, Dir, Ext string
	Description, URL     string
}

// New builds the Signer that cfg's signing section describes, reading
// secrets and the variables it names through getenv. Without a signing
// section it is the pfx method with the SVCSHIP_SIGN_* variables. The
// product's display name and homepage become the description and URL.
//
// It returns an error wrapping ErrNotConfigured when the key's variable is
// unset and signing.required is false; with required, that is a plain
// error naming the variable.
func New(cfg *config.Config, getenv func(string) string) (*Signer, error) {
	var sc config.Signing
	if cfg != nil && cfg.Signing != nil {
		sc = *cfg.Signing
	}
	sc.Defaults()
	resolve := func(p string) string { return p }
	if cfg != nil {
		resolve = cfg.Resolve
	}
	s := &Signer{
		Method:       Method(sc.Method),
		TimestampURL: sc.TimestampURL,
		CAFile:       resolve(sc.CAFile),
	}
	if s.TimestampURL == "" {
		s.TimestampURL = getenv(EnvTimestampURL)
	}
	if cfg != nil {
		s.Description, s.URL = cfg.Product.DisplayName, cfg.Product.Homepage
	}
	missing := func(key, name, what string) error {
		if sc.Required {
			return fmt.Errorf("sign: signing.required is true but %s is not set (expected %s)", name, what)
		}
		return fmt.Errorf("%w (set %s to %s, see signing.%s)", ErrNotConfigured, name, what, key)
	}
	for _, name := range sc.Env {
		if v, ok := lookup(getenv, name); ok {
			s.env = append(s.env, name+"="+v)
			if len(v) >= 4 {
				s.secrets = append(s.secrets, v)
			}
		}
	}
	switch s.Method {
	case MethodPFX:
		s.PFX = getenv(sc.PFXEnv)
		if s.PFX == "" {
			return nil, missing("pfx_env", sc.PFXEnv, "the path of the PKCS#12 file")
		}
		if _, err := os.Stat(s.PFX); err != nil {
			return nil, fmt.Errorf("sign: %s: %w", sc.PFXEnv, err)
		}
		s.Password = getenv(sc.PasswordEnv)
		s.secrets = append(s.secrets, s.Password)
	case MethodPKCS11:
		s.Module, s.Engine, s.Key = resolve(sc.Module), resolve(sc.Engine), sc.Key
		s.Cert, s.CertURI = resolve(sc.Cert), sc.CertURI
		pin, ok := lookup(getenv, sc.PINEnv)
		if !ok || pin == "" {
			return nil, missing("pin_env", sc.PINEnv, "the token's PIN")
		}
		s.PIN = pin
		s.secrets = append(s.secrets, pin)
		if _, err := os.Stat(s.Module); err != nil {
			return nil, fmt.Errorf("sign: signing.module: %w", err)
		}
	case MethodCommand:
		s.Command = append([]string(nil), sc.Command...)
		if _, err := s.commandArgs(CommandData{Path: "x.exe", Name: "x.exe", Dir: ".", Ext: ".exe"}); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("sign: signing.method: %q is not a method (expected pfx, pkcs11 or command)", s.Method)
	}
	return s, nil
}

// FromEnv builds a pfx Signer from the SVCSHIP_SIGN_* variables alone, as
// New does without a signing section.
func FromEnv(getenv func(string) string) (*Signer, error) { return New(nil, getenv) }

// lookup reads an environment variable; getenv cannot tell unset from
// empty, and an empty secret is as good as none.
func lookup(getenv func(string) string, name string) (string, bool) {
	if name == "" {
		return "", false
	}
	v := getenv(name)
	return v, v != ""
}

func (s *Signer) tool() string {
	if s.Tool != "" {
		return s.Tool
	}
	return "osslsigncode"
}

func (s *Signer) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func (s *Signer) method() Method {
	if s.Method == "" {
		return MethodPFX
	}
	return s.Method
}

// Kind is the kind of file a name denotes for signing: "pe", "msi" or
// "script"; "" for a file svcship does not sign.
func Kind(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".exe", ".dll", ".sys":
		return "pe"
	case ".msi":
		return "msi"
	case ".ps1", ".psm1", ".psd1":
		return "script"
	}
	return ""
}

// Sign signs each path in place, in order, and stops at the first error.
// Each file is signed into a copy in a temporary folder beside it, checked
// (its signature's digest must match it, and it must chain to CAFile when
// set), given the original's mode and mtime and renamed over the original,
// so a failure never leaves a half-signed file. An existing signature is
// replaced. With Signatures set, each file's detached signature is written
// there too.
func (s *Signer) Sign(ctx context.Context, paths ...string) error {
	for _, p := range paths {
		if err := s.signOne(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

func (s *Signer) signOne(ctx context.Context, path string) error {
	name := filepath.Base(path)
	if Kind(name) == "" {
		return fmt.Errorf("sign %s: not a file svcship signs (expected .exe, .dll, .sys, .msi, .ps1, .psm1 or .psd1)", path)
	}
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("sign %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("sign %s: not a regular file", path)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(path), ".sign-")
	if err != nil {
		return fmt.Errorf("sign %s: %w", path, err)
	}
	defer os.RemoveAll(tmp)

	out := filepath.Join(tmp, name)
	switch s.method() {
	case MethodCommand:
		err = s.signCommand(ctx, path, out)
	default:
		err = s.signOsslsigncode(ctx, tmp, path, out)
	}
	if err != nil {
		return fmt.Errorf("sign %s: %w", name, err)
	}
	if err := s.check(ctx, out); err != nil {
		if s.method() == MethodCommand {
			return fmt.Errorf("sign %s: the signer command [%s] exited 0 but %w", path, s.redact(strings.Join(s.Command, " ")), err)
		}
		return fmt.Errorf("sign %s: %w", name, err)
	}
	sig, err := s.extract(ctx, out, filepath.Join(tmp, name+".p7s"))
	if err != nil {
		return fmt.Errorf("sign %s: %w", name, err)
	}
	// A signing service's certificates are short-lived by design (Azure
	// Artifact Signing issues them for 72 hours): only a certificate the
	// project renews itself gets the warning.
	if s.method() != MethodCommand {
		s.warnExpiry(path, sig)
	}
	if err := os.Chmod(out, st.Mode().Perm()); err != nil {
		return fmt.Errorf("sign %s: %w", path, err)
	}
	// Keep the input's mtime: GoReleaser's archives take it from the file
	// (mod_timestamp, the commit time).
	if err := os.Chtimes(out, st.ModTime(), st.ModTime()); err != nil {
		return fmt.Errorf("sign %s: %w", path, err)
	}
	if err := os.Rename(out, path); err != nil {
		return fmt.Errorf("sign %s: %w", path, err)
	}
	if s.Signatures != "" {
		dst := filepath.Join(s.Signatures, name+".p7s")
		if err := writeFile(dst, sig, st.ModTime()); err != nil {
			return fmt.Errorf("sign %s: detached signature: %w", name, err)
		}
	}
	return nil
}

// commandArgs renders the signer command's argv for one file.
func (s *Signer) commandArgs(d CommandData) ([]string, error) {
	if len(s.Command) == 0 {
		return nil, errors.New("sign: signing.command is empty (expected the signer's argv, e.g. [jsign, ..., \"{{ .Path }}\"])")
	}
	args := make([]string, len(s.Command))
	for i, a := range s.Command {
		t, err := template.New("arg").Option("missingkey=error").Parse(a)
		if err != nil {
			return nil, fmt.Errorf("sign: signing.command[%d]: %w", i, err)
		}
		var b strings.Builder
		if err := t.Execute(&b, d); err != nil {
			return nil, fmt.Errorf("sign: signing.command[%d]: %w (expected fields .Path, .Name, .Dir, .Ext, .Description, .URL)", i, err)
		}
		args[i] = b.String()
	}
	return args, nil
}

// warnExpiry warns once per Signer when the signing certificate in sig (a
// DER PKCS#7 signature) ends within ExpiryWarning.
func (s *Signer) warnExpiry(path string, sig []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.warned {
		return
	}
	cert, err := signerCert(sig)
	if err != nil {
		s.log().Warn("cannot read the signing certificate from the signature", "file", filepath.Base(path), "error", err)
		s.warned = true
		return
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	left := cert.NotAfter.Sub(now())
	if left >= ExpiryWarning {
		return
	}
	s.warned = true
	if left <= 0 {
		s.log().Warn("the signing certificate has expired", "subject", cert.Subject.String(), "not_after", cert.NotAfter.UTC().Format(time.RFC3339))
		return
	}
	s.log().Warn("the signing certificate expires soon: renew it", "subject", cert.Subject.String(),
		"not_after", cert.NotAfter.UTC().Format(time.RFC3339), "days_left", int(left.Hours()/24))
}

// writeFile writes data to path through internal/atomicfile and gives it
// mtime, so that archives of the signatures are reproducible.
func writeFile(path string, data []byte, mtime time.Time) error {
	if err := atomicfile.WriteFile(path, data, 0o644); err != nil {
		return err
	}
	return os.Chtimes(path, mtime, mtime)
}
