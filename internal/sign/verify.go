package sign

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Verify checks path's signature with `osslsigncode verify`, trusting the
// certificates in caFile (PEM; "" means the system's trust store). It
// returns the tool's report.
func Verify(ctx context.Context, path, caFile string) (string, error) {
	return (&Signer{}).verify(ctx, path, caFile, "")
}

func (s *Signer) verify(ctx context.Context, path, caFile, tsaCAFile string) (string, error) {
	args := []string{"verify"}
	if caFile != "" {
		args = append(args, "-CAfile", caFile)
	}
	if tsaCAFile != "" {
		args = append(args, "-TSA-CAfile", tsaCAFile)
	}
	args = append(args, "-in", path)
	out, err := s.osslsigncode(ctx, args...)
	if err != nil {
		return out, fmt.Errorf("verify %s: %w: %s", filepath.Base(path), err, summary(out))
	}
	return out, nil
}

// Detached names the files of a release check (VerifyDetached).
type Detached struct {
	// Signature is the published detached signature (<file name>.p7s).
	Signature string
	// Unsigned is the file built locally, unsigned, from the same tag.
	Unsigned string
	// Signed is the signed file downloaded from the release.
	Signed string
	// CAFile is the PEM bundle the signature must chain to ("" means the
	// system's trust store); TSACAFile the same for its timestamp.
	CAFile, TSACAFile string
	// Tool is the osslsigncode executable (default "osslsigncode").
	Tool string
}

// VerifyDetached checks a downloaded signed file against an unsigned
// local build without rebuilding anything: it attaches the published
// signature to the unsigned file (osslsigncode attach-signature), requires
// the result to be byte for byte the downloaded file, then verifies the
// downloaded file's signature (osslsigncode verify). So the release is the
// local build plus the signature, nothing else. It returns verify's report.
func VerifyDetached(ctx context.Context, d Detached) (string, error) {
	for _, f := range []struct{ what, path string }{
		{"signature", d.Signature}, {"unsigned file", d.Unsigned}, {"signed file", d.Signed},
	} {
		if f.path == "" {
			return "", fmt.Errorf("verify: no %s given", f.what)
		}
		st, err := os.Stat(f.path)
		if err != nil {
			return "", fmt.Errorf("verify: %s: %w", f.what, err)
		}
		if !st.Mode().IsRegular() {
			return "", fmt.Errorf("verify: %s %s is not a regular file", f.what, f.path)
		}
	}
	if Kind(d.Unsigned) == "" {
		return "", fmt.Errorf("verify: unsigned file %s: not a file svcship signs (expected .exe, .dll, .sys, .msi, .ps1, .psm1 or .psd1)", d.Unsigned)
	}
	s := &Signer{Tool: d.Tool}
	if text, _ := s.osslsigncode(ctx, "verify", "-in", d.Unsigned); !noSignature(text) {
		return "", fmt.Errorf("verify: %s is already signed (expected the unsigned local build)", d.Unsigned)
	}
	tmp, err := os.MkdirTemp("", "svcship-verify-")
	if err != nil {
		return "", fmt.Errorf("verify: %w", err)
	}
	defer os.RemoveAll(tmp)
	attached := filepath.Join(tmp, filepath.Base(d.Unsigned))
	args := []string{"attach-signature", "-sigin", d.Signature}
	if d.CAFile != "" {
		args = append(args, "-CAfile", d.CAFile)
	}
	args = append(args, "-in", d.Unsigned, "-out", attached)
	// attach-signature also verifies the chain and exits non-zero on a
	// self-signed certificate without a CA file; what counts here is the
	// digest, and the verify step below judges the chain.
	text, _ := s.osslsigncode(ctx, args...)
	if strings.Contains(text, "MISMATCH") {
		return "", fmt.Errorf("verify: the signature %s was not made over %s: its digest differs (a different build, or the file changed)", d.Signature, d.Unsigned)
	}
	got, err := os.ReadFile(attached)
	if err != nil {
		return "", fmt.Errorf("verify: cannot attach %s to %s: %s", d.Signature, d.Unsigned, summary(text))
	}
	want, err := os.ReadFile(d.Signed)
	if err != nil {
		return "", fmt.Errorf("verify: signed file: %w", err)
	}
	if !bytes.Equal(got, want) {
		return "", fmt.Errorf("verify: %s with the signature attached is not %s: %s", d.Unsigned, d.Signed, firstDifference(got, want))
	}
	report, err := s.verify(ctx, d.Signed, d.CAFile, d.TSACAFile)
	if err != nil {
		return report, fmt.Errorf("verify: the signature of %s does not verify: %w", d.Signed, err)
	}
	return report, nil
}

func firstDifference(a, b []byte) string {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return fmt.Sprintf("they differ first at byte %d (%d and %d bytes)", i, len(a), len(b))
		}
	}
	return fmt.Sprintf("one is a prefix of the other (%d and %d bytes)", len(a), len(b))
}
