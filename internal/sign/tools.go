package sign

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/svcship/svcship/internal/atomicfile"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// baseEnv names the variables every child process keeps: what programs
// need to run and find their files, nothing that authenticates anyone.
func baseEnv() []string {
	return []string{
		"PATH", "HOME", "USER", "LOGNAME", "TMPDIR", "TEMP", "TMP",
		"LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ",
		// Windows: processes do not start without these.
		"SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "PATHEXT",
	}
}

// opensslEnv names what osslsigncode additionally keeps: OpenSSL's own
// configuration and trust store, and the proxy for timestamp requests.
func opensslEnv() []string {
	return []string{
		"OPENSSL_CONF", "OPENSSL_ENGINES", "OPENSSL_MODULES", "SSL_CERT_FILE", "SSL_CERT_DIR",
		"http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
	}
}

// childEnv is the scrubbed environment of a child: the allowed names from
// this process's environment, then the variables the configuration named.
func childEnv(allowed []string, named []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		if slices.ContainsFunc(allowed, func(a string) bool { return envNameEqual(a, k) }) {
			env = append(env, kv)
		}
	}
	return append(env, named...)
}

func envNameEqual(a, b string) bool {
	if runtime.GOOS == "windows" {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// redact removes every secret from text that may be shown to a user.
func (s *Signer) redact(text string) string {
	secrets := append([]string{s.Password, s.PIN}, s.secrets...)
	// Longest first, so a secret containing another is removed whole.
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	for _, sec := range secrets {
		if sec != "" {
			text = strings.ReplaceAll(text, sec, "[REDACTED]")
		}
	}
	return text
}

// osslsigncode runs the tool with a scrubbed environment and no standard
// input (so a missing PIN fails instead of prompting). The output comes
// back redacted.
func (s *Signer) osslsigncode(ctx context.Context, args ...string) (string, error) {
	return runTool(ctx, s.tool(), childEnv(append(baseEnv(), opensslEnv()...), s.env), s.redact, args...)
}

func runTool(ctx context.Context, tool string, env []string, redact func(string) string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, tool, args...)
	cmd.Env = env
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	out := buf.String()
	if redact != nil {
		out = redact(out)
	}
	if err != nil {
		return out, fmt.Errorf("%s: %w", filepath.Base(tool), err)
	}
	return out, nil
}

// signOsslsigncode signs in into out with the pfx or pkcs11 method.
func (s *Signer) signOsslsigncode(ctx context.Context, tmp, in, out string) error {
	passFile := filepath.Join(tmp, "pass")
	args := []string{"sign"}
	switch s.method() {
	case MethodPFX:
		if s.PFX == "" {
			return errors.New("no PKCS#12 file (Signer.PFX)")
		}
		if err := os.WriteFile(passFile, []byte(s.Password), 0o600); err != nil {
			return err
		}
		args = append(args, "-pkcs12", s.PFX, "-readpass", passFile)
	case MethodPKCS11:
		engine := s.Engine
		if engine == "" {
			var err error
			if engine, err = FindEngine(ctx); err != nil {
				return err
			}
		}
		if s.Module == "" || s.Key == "" {
			return errors.New("pkcs11 needs a module and a key URI (signing.module, signing.key)")
		}
		args = append(args, "-pkcs11engine", engine, "-pkcs11module", s.Module)
		switch {
		case s.Cert != "":
			args = append(args, "-certs", s.Cert)
		case s.CertURI != "":
			args = append(args, "-pkcs11cert", s.CertURI)
		default:
			return errors.New("pkcs11 needs a certificate (signing.cert or signing.cert_uri)")
		}
		if err := os.WriteFile(passFile, []byte(s.PIN), 0o600); err != nil {
			return err
		}
		args = append(args, "-key", s.Key, "-readpass", passFile)
	default:
		return fmt.Errorf("method %q does not sign with osslsigncode", s.method())
	}
	// Remove the secret as soon as osslsigncode has read it, even when the
	// temporary folder outlives this call.
	defer os.Remove(passFile)
	args = append(args, "-h", "sha256")
	if s.Description != "" {
		args = append(args, "-n", s.Description)
	}
	if s.URL != "" {
		args = append(args, "-i", s.URL)
	}
	switch {
	case s.TSACerts != "" && s.TSAKey != "":
		args = append(args, "-TSA-certs", s.TSACerts, "-TSA-key", s.TSAKey)
		if !s.Time.IsZero() {
			args = append(args, "-TSA-time", strconv.FormatInt(s.Time.Unix(), 10))
		}
	case s.TimestampURL != "":
		args = append(args, "-ts", s.TimestampURL)
	}
	if !s.Time.IsZero() {
		args = append(args, "-time", strconv.FormatInt(s.Time.Unix(), 10))
	}
	args = append(args, "-in", in, "-out", out)
	if text, err := s.osslsigncode(ctx, args...); err != nil {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(text))
	}
	return nil
}

// signCommand copies in to out and runs the signer command on out.
func (s *Signer) signCommand(ctx context.Context, in, out string) error {
	if err := atomicfile.CopyNew(in, out, 0o600); err != nil {
		return err
	}
	args, err := s.commandArgs(CommandData{
		Path: out, Name: filepath.Base(out), Dir: filepath.Dir(out), Ext: filepath.Ext(out),
		Description: s.Description, URL: s.URL,
	})
	if err != nil {
		return err
	}
	text, err := runTool(ctx, args[0], childEnv(baseEnv(), s.env), s.redact, args[1:]...)
	if err != nil {
		return fmt.Errorf("the signer command [%s] failed: %w: %s", s.redact(strings.Join(s.Command, " ")), err, strings.TrimSpace(text))
	}
	return nil
}

// check makes sure path carries an Authenticode signature whose digest
// matches its content, and, with CAFile, that it chains to that CA.
func (s *Signer) check(ctx context.Context, path string) error {
	args := []string{"verify"}
	if s.CAFile != "" {
		args = append(args, "-CAfile", s.CAFile)
		if s.TSACAFile != "" {
			args = append(args, "-TSA-CAfile", s.TSACAFile)
		}
	}
	args = append(args, "-in", path)
	text, err := s.osslsigncode(ctx, args...)
	if s.CAFile != "" {
		if err != nil {
			return fmt.Errorf("the signature does not verify against %s: %s", s.CAFile, summary(text))
		}
		return nil
	}
	if msg := digestProblem(text); msg != "" {
		return errors.New(msg)
	}
	return nil
}

// digestProblem reads `osslsigncode verify` output and says what is wrong
// with the file's signature as such (chain trust aside): "" when every
// digest the signature records ("Current message digest" for PE files and
// scripts, "Current DigitalSignature" for MSIs) equals the one computed
// over the file.
func digestProblem(text string) string {
	type pair struct{ current, calculated string }
	var pairs []*pair
	open := map[string]*pair{}
	for _, line := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(line, ":")
		fields := strings.Fields(v)
		if !ok || len(fields) == 0 {
			continue
		}
		k = strings.TrimSpace(k)
		// The PE checksum is not part of the signature (Windows ignores it
		// for programs); other signers may leave it stale.
		if !strings.Contains(k, "digest") && !strings.Contains(k, "DigitalSignature") && !strings.Contains(k, "page hash") {
			continue
		}
		switch {
		case strings.HasPrefix(k, "Current "):
			p := &pair{current: fields[0]}
			pairs = append(pairs, p)
			open[strings.TrimPrefix(k, "Current ")] = p
		case strings.HasPrefix(k, "Calculated "):
			if p := open[strings.TrimPrefix(k, "Calculated ")]; p != nil {
				p.calculated = fields[0]
				delete(open, strings.TrimPrefix(k, "Calculated "))
			}
		}
	}
	if noSignature(text) || len(pairs) == 0 {
		return "the file carries no Authenticode signature (osslsigncode verify: " + summary(text) + ")"
	}
	for _, p := range pairs {
		if p.calculated == "" {
			return "the file's signature is not well-formed (osslsigncode verify: " + summary(text) + ")"
		}
		if p.current != p.calculated || strings.Contains(text, "MISMATCH") {
			return "the file's signature does not match its content: digest " + strings.ToLower(p.current) +
				" recorded, " + strings.ToLower(p.calculated) + " computed (was the file changed after signing?)"
		}
	}
	return ""
}

// noSignature reports osslsigncode saying a file carries no signature
// ("No signature found" for PE files and scripts, "MSI file has no
// signature" for MSIs).
func noSignature(text string) bool {
	return strings.Contains(text, "No signature found") || strings.Contains(text, "has no signature")
}

// summary keeps the lines of osslsigncode's report that say what failed.
func summary(text string) string {
	var keep []string
	for _, line := range strings.Split(text, "\n") {
		l := strings.TrimSpace(line)
		low := strings.ToLower(l)
		if l == "" || l == "Failed" {
			continue
		}
		for _, w := range []string{"error", "mismatch", "no signature", "failed", "unable", "unsupported", "cannot", "not found", "invalid"} {
			if strings.Contains(low, w) {
				keep = append(keep, l)
				break
			}
		}
	}
	if len(keep) > 6 {
		keep = keep[:6]
	}
	if len(keep) == 0 {
		return strings.TrimSpace(text)
	}
	return strings.Join(keep, "; ")
}

// extract writes path's signature (DER PKCS#7) to dst and returns it.
func (s *Signer) extract(ctx context.Context, path, dst string) ([]byte, error) {
	if text, err := s.osslsigncode(ctx, "extract-signature", "-in", path, "-out", dst); err != nil {
		return nil, fmt.Errorf("extract signature: %w: %s", err, summary(text))
	}
	data, err := os.ReadFile(dst)
	if err != nil {
		return nil, fmt.Errorf("extract signature: %w", err)
	}
	return data, nil
}

// FindEngine returns the path of libp11's OpenSSL engine (Debian
// libengine-pkcs11-openssl, Fedora openssl-pkcs11, Homebrew libp11):
// first in the engines folder the installed OpenSSL reports, then in the
// usual places of OpenSSL 3 and 1.1.
func FindEngine(ctx context.Context) (string, error) {
	var candidates []string
	if out, err := runTool(ctx, "openssl", childEnv(append(baseEnv(), opensslEnv()...), nil), nil, "version", "-e"); err == nil {
		// ENGINESDIR: "/usr/lib/x86_64-linux-gnu/engines-3"
		if _, v, ok := strings.Cut(out, ":"); ok {
			dir := strings.Trim(strings.TrimSpace(v), `"`)
			for _, n := range []string{"pkcs11.so", "libpkcs11.so", "pkcs11.dylib", "libpkcs11.dylib", "pkcs11.dll", "libpkcs11.dll"} {
				candidates = append(candidates, filepath.Join(dir, n))
			}
		}
	}
	var globs []string
	for _, v := range []string{"engines-3", "engines-1.1"} {
		for _, base := range []string{"/usr/lib/*", "/usr/lib64", "/usr/lib", "/usr/local/lib", "/opt/homebrew/lib", "/usr/local/opt/libp11/lib"} {
			globs = append(globs, base+"/"+v+"/pkcs11.so", base+"/"+v+"/libpkcs11.so", base+"/"+v+"/pkcs11.dylib")
		}
	}
	for _, g := range globs {
		m, _ := filepath.Glob(g)
		slices.Sort(m)
		candidates = append(candidates, m...)
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && st.Mode().IsRegular() {
			return c, nil
		}
	}
	return "", errors.New("libp11's pkcs11 engine not found (install Debian libengine-pkcs11-openssl, or set signing.engine to its path)")
}
