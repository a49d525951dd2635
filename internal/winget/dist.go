package winget

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/atomicfile"
	"github.com/svcship/svcship/version"
)

// MSI is one MSI the release ships, as the pipeline knows it.
type MSI struct {
	// Arch is the GOARCH: amd64, 386 or arm64.
	Arch string
	// Path is the MSI in dist/; its bytes are hashed here, so the manifest
	// always matches the file that is uploaded.
	Path string
	// URL is the MSI's download URL on the release (see GitHubDownloadURL).
	URL string
	// ProductCode is the MSI's ProductCode, in braces.
	ProductCode string
}

// Release is what the pipeline knows about a release when its MSIs exist.
type Release struct {
	Config  *config.Config
	Version version.V
	MSIs    []MSI
}

// PackageIdentifier returns release.winget_id if set, or Publisher.Package
// built from product.company and product.name: the company without the
// characters winget does not allow in an identifier part (spaces, '.',
// punctuation), e.g. "Acme Corp." and "widget" give AcmeCorp.widget.
func PackageIdentifier(c *config.Config) (string, error) {
	if id := c.Release.WingetID; id != "" {
		return id, nil
	}
	var pub strings.Builder
	for _, r := range c.Product.Company {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' {
			pub.WriteRune(r)
		}
	}
	id := pub.String() + "." + c.Product.Name
	if !idRE.MatchString(id) || len(id) > 128 {
		return "", fmt.Errorf("winget: cannot make a package identifier from product.company %q and product.name %q (got %q; set release.winget_id, e.g. Acme.Widget)", c.Product.Company, c.Product.Name, id)
	}
	return id, nil
}

// FromConfig returns the manifest of release r, hashing each MSI's file.
func FromConfig(r Release) (Manifest, error) {
	c := r.Config
	id, err := PackageIdentifier(c)
	if err != nil {
		return Manifest{}, err
	}
	if c.Product.License == "" {
		return Manifest{}, fmt.Errorf("winget: product.license is empty (winget manifests need a license, e.g. MIT, Apache-2.0 or Proprietary)")
	}
	msiVersion, err := r.Version.MSI()
	if err != nil {
		return Manifest{}, fmt.Errorf("winget: %w", err)
	}
	m := Manifest{
		PackageIdentifier: id,
		PackageVersion:    r.Version.String(),
		Publisher:         c.Product.Company,
		PackageName:       c.Product.DisplayName,
		ShortDescription:  c.Product.Description,
		License:           c.Product.License,
		Copyright:         c.Product.Copyright,
		PackageURL:        c.Product.Homepage,
	}
	for _, msi := range r.MSIs {
		sum, err := hashFile(msi.Path)
		if err != nil {
			return Manifest{}, err
		}
		m.Installers = append(m.Installers, Installer{
			Arch:           msi.Arch,
			URL:            msi.URL,
			SHA256:         sum,
			ProductCode:    msi.ProductCode,
			UpgradeCode:    c.Packaging.UpgradeCode,
			DisplayVersion: msiVersion,
		})
	}
	return m, nil
}

// WriteDist writes the manifests of r to dist/winget/<id>/<version>/, each
// file atomically, and returns their paths (version, installer, locale).
// Every input is checked and every MSI hashed before the first file is
// written.
func WriteDist(dist string, r Release) ([]string, error) {
	m, err := FromConfig(r)
	if err != nil {
		return nil, err
	}
	var names []string
	bufs := map[string]*bytes.Buffer{}
	w := NewWriter(func(name string) (io.Writer, error) {
		b := new(bytes.Buffer)
		names = append(names, name)
		bufs[name] = b
		return b, nil
	})
	if err := w.Write(m); err != nil {
		return nil, err
	}
	dir := filepath.Join(dist, "winget", m.PackageIdentifier, m.PackageVersion)
	var paths []string
	for _, name := range names {
		p := filepath.Join(dir, name)
		if err := atomicfile.WriteFile(p, bufs[name].Bytes(), 0o644); err != nil {
			return nil, fmt.Errorf("winget: %w", err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// GitHubDownloadURL is the address GitHub serves a release asset from:
// https://github.com/<owner>/<repo>/releases/download/<tag>/<name>.
func GitHubDownloadURL(ownerRepo, tag, name string) string {
	return "https://github.com/" + ownerRepo + "/releases/download/" + url.PathEscape(tag) + "/" + url.PathEscape(name)
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("winget: hash MSI: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("winget: hash MSI %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
