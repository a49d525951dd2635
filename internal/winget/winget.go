// Package winget writes the manifests that describe a release's MSIs to the
// Windows Package Manager: a version manifest, an installer manifest and a
// default-locale manifest, in the multi-file format of manifest schema
// 1.28.0 (schemas/JSON/manifests/v1.28.0 in microsoft/winget-cli, the newest
// frozen version there).
//
// As with archive/zip, the package only builds the bytes: a Writer hands
// each file to a function the caller supplies, and WriteDist is the one
// place that decides where they go (dist/winget/<id>/<version>/). Output is
// deterministic: fields in a fixed order, installers sorted by architecture,
// no timestamps.
package winget

import (
	"bytes"
	"fmt"
	"github.com/svcship/svcship/internal/winarch"
	"io"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// ManifestVersion is the winget manifest schema version written.
const ManifestVersion = "1.28.0"

// Locale is the locale of the default-locale manifest. svcship's metadata
// (VERSIONINFO, the MSI) is written in US English (language 1033).
const Locale = "en-US"

// Manifest is one version of one package.
type Manifest struct {
	// PackageIdentifier is Publisher.Package, e.g. Acme.Widget.
	PackageIdentifier string
	// PackageVersion is the release's semantic version without "v".
	PackageVersion string
	// Publisher is the company (the MSI's Manufacturer).
	Publisher string
	// PackageName is the product's display name (the MSI's ProductName).
	PackageName string
	// ShortDescription is the one-line description.
	ShortDescription string
	// License is e.g. an SPDX identifier; winget requires one.
	License string
	// Copyright is optional.
	Copyright string
	// PackageURL is the product's home page (optional).
	PackageURL string
	// Installers are the release's MSIs, one per architecture.
	Installers []Installer
}

// Installer is one MSI of the release.
type Installer struct {
	// Arch is the GOARCH the MSI was built for: amd64, 386 or arm64.
	Arch string
	// URL is where winget downloads the MSI (https).
	URL string
	// SHA256 is the hex SHA-256 of the MSI's bytes.
	SHA256 string
	// ProductCode and UpgradeCode are the MSI's GUIDs, in braces.
	ProductCode string
	UpgradeCode string
	// DisplayVersion is the ProductVersion Windows shows in Add/Remove
	// Programs (1.2.3 for 1.2.3-rc.1). It is written only when it differs
	// from PackageVersion, so winget can map an installed MSI back to the
	// package version.
	DisplayVersion string
}

// File is one manifest file: its name inside the version folder and its
// bytes.
type File struct {
	Name string
	Data []byte
}

// Writer writes a manifest set through create, which returns where the file
// of the given name goes (a file, a zip entry, a buffer). Nothing is handed
// to create before the whole set has been built and checked.
type Writer struct {
	create func(name string) (io.Writer, error)
}

// NewWriter returns a Writer that asks create for each file.
func NewWriter(create func(name string) (io.Writer, error)) *Writer {
	return &Writer{create: create}
}

// Write checks m and writes its three manifests, version first.
func (w *Writer) Write(m Manifest) error {
	files, err := m.Files()
	if err != nil {
		return err
	}
	for _, f := range files {
		dst, err := w.create(f.Name)
		if err != nil {
			return fmt.Errorf("winget: %s: %w", f.Name, err)
		}
		if _, err := dst.Write(f.Data); err != nil {
			return fmt.Errorf("winget: %s: %w", f.Name, err)
		}
	}
	return nil
}

// Files checks m and returns its manifests: <id>.yaml (version),
// <id>.installer.yaml and <id>.locale.en-US.yaml, the names winget-pkgs
// uses.
func (m Manifest) Files() ([]File, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	id := m.PackageIdentifier
	ver := versionManifest{
		PackageIdentifier: id,
		PackageVersion:    m.PackageVersion,
		DefaultLocale:     Locale,
		ManifestType:      "version",
		ManifestVersion:   ManifestVersion,
	}
	loc := localeManifest{
		PackageIdentifier: id,
		PackageVersion:    m.PackageVersion,
		PackageLocale:     Locale,
		Publisher:         m.Publisher,
		PackageName:       m.PackageName,
		PackageURL:        m.PackageURL,
		License:           m.License,
		Copyright:         m.Copyright,
		ShortDescription:  m.ShortDescription,
		ManifestType:      "defaultLocale",
		ManifestVersion:   ManifestVersion,
	}
	inst := installerManifest{
		PackageIdentifier: id,
		PackageVersion:    m.PackageVersion,
		InstallerType:     "msi",
		// msipkg's MSIs set ALLUSERS=1: always a per-machine install.
		Scope: "machine",
		// winget already passes "/quiet /norestart" and "/passive
		// /norestart" to any msi (GetDefaultKnownSwitches in winget-cli's
		// ManifestCommon.cpp); they are written out anyway so the manifest
		// says what runs and does not depend on a client's defaults.
		// /quiet is msiexec's spelling of /qn and /passive a /qb without
		// cancel button, the least interactive form that still shows
		// progress. The install folder property is INSTALLDIR, not the
		// TARGETDIR winget would use by default (msipkg installs under
		// INSTALLDIR and remembers it across upgrades).
		InstallerSwitches: &switches{
			Silent:             "/quiet /norestart",
			SilentWithProgress: "/passive /norestart",
			InstallLocation:    `INSTALLDIR="<INSTALLPATH>"`,
		},
		// The MSI removes the older version itself (a major upgrade with
		// RemoveExistingProducts), so winget just installs the new one.
		UpgradeBehavior: "install",
		// msiexec asks for elevation itself when a per-machine package
		// reaches its execute sequence. "elevationRequired" would make
		// winget start the .msi with the runas verb, which does not work
		// for MSIs (winget-cli issue 2231).
		ElevationRequirement: "elevatesSelf",
		ManifestType:         "installer",
		ManifestVersion:      ManifestVersion,
	}
	installers := append([]Installer(nil), m.Installers...)
	for i := range installers {
		if a, err := winarch.Lookup(installers[i].Arch); err == nil {
			installers[i].Arch = a.Winget
		}
	}
	sort.Slice(installers, func(i, j int) bool { return installers[i].Arch < installers[j].Arch })
	for _, in := range installers {
		entry := arpEntry{
			DisplayName: m.PackageName,
			Publisher:   m.Publisher,
			ProductCode: in.ProductCode,
			UpgradeCode: in.UpgradeCode,
		}
		if in.DisplayVersion != m.PackageVersion {
			entry.DisplayVersion = in.DisplayVersion
		}
		inst.Installers = append(inst.Installers, installer{
			Architecture:           in.Arch,
			InstallerURL:           in.URL,
			InstallerSha256:        strings.ToUpper(in.SHA256),
			ProductCode:            in.ProductCode,
			AppsAndFeaturesEntries: []arpEntry{entry},
		})
	}
	var files []File
	for _, f := range []struct {
		name, typ string
		v         any
	}{
		{id + ".yaml", "version", ver},
		{id + ".installer.yaml", "installer", inst},
		{id + ".locale." + Locale + ".yaml", "defaultLocale", loc},
	} {
		data, err := encode(f.typ, f.v)
		if err != nil {
			return nil, fmt.Errorf("winget: %s: %w", f.name, err)
		}
		files = append(files, File{Name: f.name, Data: data})
	}
	return files, nil
}

// encode writes the schema header line and the manifest as YAML with a
// two-space indent. yaml.v3 writes struct fields in declaration order, so
// the bytes depend on the values only.
func encode(typ string, v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("# Created with svcship.\n")
	fmt.Fprintf(&b, "# yaml-language-server: $schema=https://aka.ms/winget-manifest.%s.%s.schema.json\n\n", strings.ToLower(typ), ManifestVersion)
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// The YAML shapes of the three manifests, fields in the order winget's
// own tools write them.

type versionManifest struct {
	PackageIdentifier string `yaml:"PackageIdentifier"`
	PackageVersion    string `yaml:"PackageVersion"`
	DefaultLocale     string `yaml:"DefaultLocale"`
	ManifestType      string `yaml:"ManifestType"`
	ManifestVersion   string `yaml:"ManifestVersion"`
}

type localeManifest struct {
	PackageIdentifier string `yaml:"PackageIdentifier"`
	PackageVersion    string `yaml:"PackageVersion"`
	PackageLocale     string `yaml:"PackageLocale"`
	Publisher         string `yaml:"Publisher"`
	PackageName       string `yaml:"PackageName"`
	PackageURL        string `yaml:"PackageUrl,omitempty"`
	License           string `yaml:"License"`
	Copyright         string `yaml:"Copyright,omitempty"`
	ShortDescription  string `yaml:"ShortDescription"`
	ManifestType      string `yaml:"ManifestType"`
	ManifestVersion   string `yaml:"ManifestVersion"`
}

type installerManifest struct {
	PackageIdentifier    string      `yaml:"PackageIdentifier"`
	PackageVersion       string      `yaml:"PackageVersion"`
	InstallerType        string      `yaml:"InstallerType"`
	Scope                string      `yaml:"Scope"`
	InstallerSwitches    *switches   `yaml:"InstallerSwitches"`
	UpgradeBehavior      string      `yaml:"UpgradeBehavior"`
	ElevationRequirement string      `yaml:"ElevationRequirement"`
	Installers           []installer `yaml:"Installers"`
	ManifestType         string      `yaml:"ManifestType"`
	ManifestVersion      string      `yaml:"ManifestVersion"`
}

type switches struct {
	Silent             string `yaml:"Silent"`
	SilentWithProgress string `yaml:"SilentWithProgress"`
	InstallLocation    string `yaml:"InstallLocation"`
}

type installer struct {
	Architecture           string     `yaml:"Architecture"`
	InstallerURL           string     `yaml:"InstallerUrl"`
	InstallerSha256        string     `yaml:"InstallerSha256"`
	ProductCode            string     `yaml:"ProductCode"`
	AppsAndFeaturesEntries []arpEntry `yaml:"AppsAndFeaturesEntries"`
}

type arpEntry struct {
	DisplayName    string `yaml:"DisplayName"`
	Publisher      string `yaml:"Publisher"`
	DisplayVersion string `yaml:"DisplayVersion,omitempty"`
	ProductCode    string `yaml:"ProductCode"`
	UpgradeCode    string `yaml:"UpgradeCode"`
}

// The limits below are the schema's (manifest.*.1.28.0.json), checked here
// so that a bad value is reported by field before anything is written.
var (
	idSegment = `[^.\s\\/:*?"<>|\x01-\x1f]{1,32}`
	idRE      = regexp.MustCompile(`^` + idSegment + `(\.` + idSegment + `){1,7}$`)
	versionRE = regexp.MustCompile(`^[^\\/:*?"<>|\x01-\x1f]+$`)
	sha256RE  = regexp.MustCompile(`^[A-Fa-f0-9]{64}$`)
	guidRE    = regexp.MustCompile(`^\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}$`)
)

func (m Manifest) check() error {
	if !idRE.MatchString(m.PackageIdentifier) || len(m.PackageIdentifier) > 128 {
		return fmt.Errorf("winget: package identifier %q is not Publisher.Package (2 to 8 parts of 1-32 characters without spaces or \\ / : * ? \" < > |, at most 128 in all)", m.PackageIdentifier)
	}
	if !versionRE.MatchString(m.PackageVersion) || len(m.PackageVersion) > 128 {
		return fmt.Errorf("winget: package version %q is not a winget version (1-128 characters without \\ / : * ? \" < > |)", m.PackageVersion)
	}
	for _, f := range []struct {
		name     string
		v        string
		min, max int
	}{
		{"publisher (product.company)", m.Publisher, 2, 256},
		{"package name (product.display_name)", m.PackageName, 2, 256},
		{"short description (product.description)", m.ShortDescription, 3, 256},
		{"license (product.license)", m.License, 3, 512},
	} {
		if n := len([]rune(f.v)); n < f.min || n > f.max {
			return fmt.Errorf("winget: %s %q has %d characters (winget expects %d to %d)", f.name, f.v, n, f.min, f.max)
		}
	}
	if n := len([]rune(m.Copyright)); n > 0 && (n < 3 || n > 512) {
		return fmt.Errorf("winget: copyright (product.copyright) %q has %d characters (winget expects 3 to 512)", m.Copyright, n)
	}
	if m.PackageURL != "" {
		if err := checkURL(m.PackageURL); err != nil {
			return fmt.Errorf("winget: package URL (product.homepage): %w", err)
		}
	}
	if len(m.Installers) == 0 {
		return fmt.Errorf("winget: %s %s has no MSI (expected one per Windows architecture)", m.PackageIdentifier, m.PackageVersion)
	}
	seen := map[string]bool{}
	for _, in := range m.Installers {
		arch, err := winarch.Lookup(in.Arch)
		if err != nil {
			return fmt.Errorf("winget: installer arch: %w", err)
		}
		a := arch.Winget
		if seen[a] {
			return fmt.Errorf("winget: two MSIs for %s (expected one per architecture)", in.Arch)
		}
		seen[a] = true
		if err := checkURL(in.URL); err != nil {
			return fmt.Errorf("winget: %s installer URL: %w", in.Arch, err)
		}
		if !sha256RE.MatchString(in.SHA256) {
			return fmt.Errorf("winget: %s installer SHA-256 %q is not 64 hex digits", in.Arch, in.SHA256)
		}
		if !guidRE.MatchString(in.ProductCode) {
			return fmt.Errorf("winget: %s ProductCode %q is not a GUID in braces", in.Arch, in.ProductCode)
		}
		if !guidRE.MatchString(in.UpgradeCode) {
			return fmt.Errorf("winget: %s UpgradeCode %q is not a GUID in braces", in.Arch, in.UpgradeCode)
		}
		if in.DisplayVersion == "" || len(in.DisplayVersion) > 128 {
			return fmt.Errorf("winget: %s DisplayVersion %q is empty or longer than 128 characters (expected the MSI's ProductVersion)", in.Arch, in.DisplayVersion)
		}
	}
	return nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(s) > 2048 {
		return fmt.Errorf("%q is not an http(s) URL of at most 2048 characters", s)
	}
	return nil
}
