package winget

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"github.com/svcship/svcship/internal/winarch"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/atomicfile"
	"github.com/svcship/svcship/internal/version"
	"github.com/svcship/svcship/msi"
)

// MSI is one MSI the release ships, as the pipeline knows it.
type MSI struct {
	// Path is the MSI in dist/. Everything the manifest says about the MSI
	// (architecture, ProductCode, UpgradeCode, ProductVersion, SHA-256) is
	// read from this file, so the manifest matches what is uploaded.
	Path string
	// URL is the MSI's download URL on the release (see GitHubDownloadURL).
	URL string
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

// FromConfig returns the manifest of release r, reading each MSI's file.
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
	for _, file := range r.MSIs {
		f, err := readMSI(file.Path)
		if err != nil {
			return Manifest{}, err
		}
		if f.upgradeCode != c.Packaging.UpgradeCode {
			return Manifest{}, fmt.Errorf("winget: %s has UpgradeCode %s, but packaging.upgrade_code is %s (an MSI of another product?)", file.Path, f.upgradeCode, c.Packaging.UpgradeCode)
		}
		if f.productVersion != msiVersion {
			return Manifest{}, fmt.Errorf("winget: %s has ProductVersion %s, but version %s maps to %s (an MSI of another release?)", file.Path, f.productVersion, r.Version, msiVersion)
		}
		m.Installers = append(m.Installers, Installer{
			Arch:           f.arch,
			URL:            file.URL,
			SHA256:         f.sha256,
			ProductCode:    f.productCode,
			UpgradeCode:    f.upgradeCode,
			DisplayVersion: f.productVersion,
		})
	}
	return m, nil
}

// WriteDist writes the manifests of r to dist/winget/<id>/<version>/, each
// file atomically, and returns their paths (version, installer, locale).
// Call it once the MSIs are final: signing an MSI changes its bytes, and so
// its SHA-256.
// Every input is checked and every MSI read before the first file is
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

// msiFacts are what the manifest needs from one MSI file.
type msiFacts struct {
	sha256, arch                             string
	productCode, upgradeCode, productVersion string
}

// readMSI hashes an MSI and reads its architecture and Property rows.
func readMSI(path string) (msiFacts, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return msiFacts{}, fmt.Errorf("winget: read MSI: %w", err)
	}
	sum := sha256.Sum256(data)
	f := msiFacts{sha256: hex.EncodeToString(sum[:])}
	db, err := msi.Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return msiFacts{}, fmt.Errorf("winget: %s: %w", path, err)
	}
	si, err := db.Summary()
	if err != nil {
		return msiFacts{}, fmt.Errorf("winget: %s: %w", path, err)
	}
	platform, _, _ := strings.Cut(si.Template, ";")
	a, err := winarch.ByMSIPlatform(platform)
	if err != nil {
		return msiFacts{}, fmt.Errorf("winget: %s: summary Template %q: %w", path, si.Template, err)
	}
	f.arch = a.GOARCH
	rows, err := db.Rows("Property")
	if err != nil {
		return msiFacts{}, fmt.Errorf("winget: %s: %w", path, err)
	}
	props := map[string]string{}
	for _, row := range rows {
		if len(row) == 2 {
			k, _ := row[0].(string)
			v, _ := row[1].(string)
			props[k] = v
		}
	}
	for _, p := range []struct {
		name string
		dst  *string
	}{{"ProductCode", &f.productCode}, {"UpgradeCode", &f.upgradeCode}, {"ProductVersion", &f.productVersion}} {
		if *p.dst = props[p.name]; *p.dst == "" {
			return msiFacts{}, fmt.Errorf("winget: %s: Property table has no %s", path, p.name)
		}
	}
	return f, nil
}
