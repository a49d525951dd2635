// Package sign adds Authenticode signatures to Windows executables and
// MSIs with osslsigncode.
//
// The certificate and key come from a PKCS#12 (.pfx) file named by
// SVCSHIP_SIGN_PFX, its password from SVCSHIP_SIGN_PASSWORD. The password is
// handed to osslsigncode through a 0600 temporary file (-readpass), never on
// a command line, and is scrubbed from any tool output svcship reports.
// SVCSHIP_SIGN_TIMESTAMP_URL adds an RFC 3161 timestamp.
//
// Reproducibility: with a fixed signing time (Signer.Time, the commit time
// in the pipeline), an RSA key and no timestamp server, signing the same
// file twice gives the same bytes. A timestamp server answers differently
// every time, so timestamped outputs are not byte-reproducible.
package sign

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Environment variables read by FromEnv.
const (
	EnvPFX          = "SVCSHIP_SIGN_PFX"
	EnvPassword     = "SVCSHIP_SIGN_PASSWORD"
	EnvTimestampURL = "SVCSHIP_SIGN_TIMESTAMP_URL"
)

// Signer signs files in place.
type Signer struct {
	// PFX is the PKCS#12 file with the certificate chain and key.
	PFX string
	// Password unlocks PFX. Never logged.
	Password string
	// TimestampURL is an RFC 3161 time-stamping server (optional).
	TimestampURL string
	// Description and URL are shown by Windows in the UAC prompt (-n, -i).
	Description string
	URL         string
	// Time is the signing time recorded in the signature; zero means now.
	Time time.Time
	// Tool is the osslsigncode executable (default "osslsigncode").
	Tool string
}

// ErrNotConfigured means SVCSHIP_SIGN_PFX is not set.
var ErrNotConfigured = errors.New("sign: no signing key configured (set " + EnvPFX + " and " + EnvPassword + ")")

// FromEnv builds a Signer from the environment. It returns ErrNotConfigured
// when no PFX is set, and an error when the PFX file cannot be read.
func FromEnv(getenv func(string) string) (*Signer, error) {
	pfx := getenv(EnvPFX)
	if pfx == "" {
		return nil, ErrNotConfigured
	}
	if _, err := os.Stat(pfx); err != nil {
		return nil, fmt.Errorf("sign: %s: %w", EnvPFX, err)
	}
	return &Signer{PFX: pfx, Password: getenv(EnvPassword), TimestampURL: getenv(EnvTimestampURL)}, nil
}

func (s *Signer) tool() string {
	if s.Tool != "" {
		return s.Tool
	}
	return "osslsigncode"
}

// Sign signs path in place: osslsigncode writes a temporary file beside it,
// which then replaces path, so a failure never leaves a half-written file.
// An existing signature is replaced.
func (s *Signer) Sign(ctx context.Context, path string) error {
	dir := filepath.Dir(path)
	tmp, err := os.MkdirTemp(dir, ".sign-")
	if err != nil {
		return fmt.Errorf("sign %s: %w", path, err)
	}
	defer os.RemoveAll(tmp)

	passFile := filepath.Join(tmp, "pass")
	if err := os.WriteFile(passFile, []byte(s.Password), 0o600); err != nil {
		return fmt.Errorf("sign %s: %w", path, err)
	}
	out := filepath.Join(tmp, "signed"+filepath.Ext(path))
	args := []string{"sign", "-pkcs12", s.PFX, "-readpass", passFile, "-h", "sha256"}
	if s.Description != "" {
		args = append(args, "-n", s.Description)
	}
	if s.URL != "" {
		args = append(args, "-i", s.URL)
	}
	if s.TimestampURL != "" {
		args = append(args, "-ts", s.TimestampURL)
	}
	if !s.Time.IsZero() {
		args = append(args, "-time", strconv.FormatInt(s.Time.Unix(), 10))
	}
	args = append(args, "-in", path, "-out", out)
	if err := s.run(ctx, args); err != nil {
		return fmt.Errorf("sign %s: %w", filepath.Base(path), err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("sign %s: %w", path, err)
	}
	if err := os.Chmod(out, st.Mode().Perm()); err != nil {
		return fmt.Errorf("sign %s: %w", path, err)
	}
	// Keep the input's mtime (the commit time in the pipeline).
	if err := os.Chtimes(out, st.ModTime(), st.ModTime()); err != nil {
		return fmt.Errorf("sign %s: %w", path, err)
	}
	if err := os.Rename(out, path); err != nil {
		return fmt.Errorf("sign %s: %w", path, err)
	}
	return nil
}

func (s *Signer) run(ctx context.Context, args []string) error {
	cmd := exec.CommandContext(ctx, s.tool(), args...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("osslsigncode: %w: %s", err, s.redact(strings.TrimSpace(buf.String())))
	}
	return nil
}

// redact removes the password from text that may be shown to a user.
func (s *Signer) redact(text string) string {
	if s.Password == "" {
		return text
	}
	return strings.ReplaceAll(text, s.Password, "[REDACTED]")
}

// Verify checks path's signature with `osslsigncode verify`, trusting the
// certificates in caFile (PEM). It returns the tool's report.
func Verify(ctx context.Context, path, caFile string) (string, error) {
	args := []string{"verify"}
	if caFile != "" {
		args = append(args, "-CAfile", caFile)
	}
	args = append(args, "-in", path)
	out, err := exec.CommandContext(ctx, "osslsigncode", args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("verify %s: %w\n%s", filepath.Base(path), err, out)
	}
	return string(out), nil
}
