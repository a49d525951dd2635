// Package sbom writes the CycloneDX 1.6 JSON document of a Go binary from
// the build information the go command embeds in every binary it links
// (debug/buildinfo): the main module, every module linked in with its
// go.sum hash, the standard library, and the build settings that decide
// what the binary is (GOOS, GOARCH, cgo, tags). It reads the file once, so
// a document costs a few milliseconds instead of starting a separate SBOM
// tool per binary.
//
// The document depends only on the binary and the options: no serial
// number, and the timestamp is the one the caller passes (the commit time),
// so the same build gives the same bytes.
package sbom

import (
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"
)

// SpecVersion is the CycloneDX specification the documents follow.
const SpecVersion = "1.6"

// Options are what the binary itself does not say.
type Options struct {
	// Version is the main module's version in the document (the release's
	// version, "v1.2.3"). Empty keeps the build information's, which is
	// "(devel)" for most release builds.
	Version string
	// Time is metadata.timestamp; the zero time leaves it out.
	Time time.Time
	// ToolVersion is svcship's version, named in metadata.tools.
	ToolVersion string
}

// Document is a CycloneDX BOM, with the fields svcship writes.
type Document struct {
	BOMFormat    string       `json:"bomFormat"`
	SpecVersion  string       `json:"specVersion"`
	Version      int          `json:"version"`
	Metadata     Metadata     `json:"metadata"`
	Components   []Component  `json:"components"`
	Dependencies []Dependency `json:"dependencies"`
}

// Metadata describes the binary the document is about.
type Metadata struct {
	Timestamp string    `json:"timestamp,omitempty"`
	Tools     Tools     `json:"tools"`
	Component Component `json:"component"`
}

// Tools names what wrote the document.
type Tools struct {
	Components []Component `json:"components"`
}

// Component is a module, the standard library or the binary itself.
type Component struct {
	BOMRef     string     `json:"bom-ref,omitempty"`
	Type       string     `json:"type"`
	Name       string     `json:"name"`
	Version    string     `json:"version,omitempty"`
	Scope      string     `json:"scope,omitempty"`
	Hashes     []Hash     `json:"hashes,omitempty"`
	PURL       string     `json:"purl,omitempty"`
	Properties []Property `json:"properties,omitempty"`
}

// Hash is one digest of a component.
type Hash struct {
	Alg     string `json:"alg"`
	Content string `json:"content"`
}

// Property is a name/value pair from the cdx:gomod property taxonomy.
type Property struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Dependency says which components a component uses.
type Dependency struct {
	Ref       string   `json:"ref"`
	DependsOn []string `json:"dependsOn,omitempty"`
}

// FromFile builds the document of the Go binary at path.
func FromFile(path string, opts Options) (*Document, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sbom: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("sbom: %s: %w", path, err)
	}
	bi, err := buildinfo.Read(f)
	if err != nil {
		return nil, fmt.Errorf("sbom: %s: no Go build information (not a Go binary, or built without module support): %w", path, err)
	}
	return New(bi, filepath.Base(path), hex.EncodeToString(h.Sum(nil)), opts)
}

// New builds the document of a binary named name whose SHA-256 is sum,
// from its build information.
func New(bi *debug.BuildInfo, name, sum string, opts Options) (*Document, error) {
	if bi.Main.Path == "" {
		return nil, errors.New("sbom: the build information names no main module (built from a file list, not a module?)")
	}
	version := bi.Main.Version
	if opts.Version != "" {
		version = opts.Version
	}
	mainRef := purl(bi.Main.Path, version)
	app := Component{
		BOMRef:  mainRef,
		Type:    "application",
		Name:    bi.Main.Path,
		Version: version,
		Hashes:  []Hash{{Alg: "SHA-256", Content: sum}},
		PURL:    mainRef,
		Properties: append([]Property{
			{Name: "cdx:gomod:binary:name", Value: name},
		}, settings(bi)...),
	}

	std := Component{
		BOMRef:  purl("std", bi.GoVersion),
		Type:    "library",
		Name:    "std",
		Version: bi.GoVersion,
		Scope:   "required",
		PURL:    purl("std", bi.GoVersion),
	}
	comps := []Component{std}
	for _, d := range bi.Deps {
		c, err := module(d)
		if err != nil {
			return nil, err
		}
		comps = append(comps, c)
	}
	slices.SortFunc(comps, func(a, b Component) int { return strings.Compare(a.BOMRef, b.BOMRef) })
	comps = slices.CompactFunc(comps, func(a, b Component) bool { return a.BOMRef == b.BOMRef })

	// A binary's build information has no module graph: every module is
	// a direct dependency of the binary, and the modules' own edges are
	// unknown rather than empty, so they get no entry.
	refs := make([]string, len(comps))
	for i, c := range comps {
		refs[i] = c.BOMRef
	}

	doc := &Document{
		BOMFormat:   "CycloneDX",
		SpecVersion: SpecVersion,
		Version:     1,
		Metadata: Metadata{
			Tools: Tools{Components: []Component{{
				Type:    "application",
				Name:    "svcship",
				Version: opts.ToolVersion,
			}}},
			Component: app,
		},
		Components:   comps,
		Dependencies: []Dependency{{Ref: mainRef, DependsOn: refs}},
	}
	if !opts.Time.IsZero() {
		doc.Metadata.Timestamp = opts.Time.UTC().Format(time.RFC3339)
	}
	return doc, nil
}

// Encode writes the document as indented JSON.
func (d *Document) Encode(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return fmt.Errorf("sbom: %w", err)
	}
	return nil
}

// module is the component of one linked module. A module replaced by
// another version is listed as what was linked (the replacement), with the
// original path and version as a property; one replaced by a local folder
// is listed as required, with no hash and a property saying so.
func module(d *debug.Module) (Component, error) {
	m := d
	var props []Property
	switch {
	case d.Replace == nil:
	case d.Replace.Version == "" || d.Replace.Version == "(devel)":
		// A local folder: its path means nothing to a reader of the
		// document (and would name the build machine's layout).
		props = []Property{{Name: "cdx:gomod:replaced:local", Value: "true"}}
		m = &debug.Module{Path: d.Path, Version: d.Version}
	default:
		m = d.Replace
		props = []Property{{Name: "cdx:gomod:replaces", Value: d.Path + "@" + d.Version}}
	}
	c := Component{
		BOMRef:     purl(m.Path, m.Version),
		Type:       "library",
		Name:       m.Path,
		Version:    m.Version,
		Scope:      "required",
		PURL:       purl(m.Path, m.Version),
		Properties: props,
	}
	if m.Sum != "" {
		h, err := h1SHA256(m.Sum)
		if err != nil {
			return Component{}, fmt.Errorf("sbom: module %s@%s: %w", m.Path, m.Version, err)
		}
		c.Hashes = []Hash{{Alg: "SHA-256", Content: h}}
	}
	return c, nil
}

// h1SHA256 turns a go.sum "h1:" hash (base64 SHA-256 of the module's file
// list) into the hex CycloneDX expects.
func h1SHA256(sum string) (string, error) {
	b64, ok := strings.CutPrefix(sum, "h1:")
	if !ok {
		return "", fmt.Errorf("hash %q is not an h1: hash", sum)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) != sha256.Size {
		return "", fmt.Errorf("hash %q is not a base64 SHA-256", sum)
	}
	return hex.EncodeToString(raw), nil
}

// settings are the build settings that say which binary this is. ldflags
// are left out: -X values are the project's business and could name
// anything.
func settings(bi *debug.BuildInfo) []Property {
	keep := map[string]string{
		"GOOS":         "cdx:gomod:build:env:GOOS",
		"GOARCH":       "cdx:gomod:build:env:GOARCH",
		"CGO_ENABLED":  "cdx:gomod:build:env:CGO_ENABLED",
		"GOAMD64":      "cdx:gomod:build:env:GOAMD64",
		"GOARM":        "cdx:gomod:build:env:GOARM",
		"GOARM64":      "cdx:gomod:build:env:GOARM64",
		"GO386":        "cdx:gomod:build:env:GO386",
		"-tags":        "cdx:gomod:build:tags",
		"-trimpath":    "cdx:gomod:build:trimpath",
		"-buildmode":   "cdx:gomod:build:buildmode",
		"vcs.revision": "cdx:gomod:vcs:revision",
		"vcs.time":     "cdx:gomod:vcs:time",
		"vcs.modified": "cdx:gomod:vcs:modified",
	}
	var props []Property
	for _, s := range bi.Settings {
		if name, ok := keep[s.Key]; ok && s.Value != "" {
			props = append(props, Property{Name: name, Value: s.Value})
		}
	}
	props = append(props, Property{Name: "cdx:gomod:build:goversion", Value: bi.GoVersion})
	slices.SortStableFunc(props, func(a, b Property) int { return strings.Compare(a.Name, b.Name) })
	return props
}

// purl is the package URL of a Go module (or "std") at a version, in the
// short form: the module path as namespace and name, no qualifiers (the
// platform is a property of the binary, not of the module).
func purl(path, version string) string {
	var b strings.Builder
	b.WriteString("pkg:golang/")
	for i, seg := range strings.Split(path, "/") {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(escape(seg))
	}
	if version != "" {
		b.WriteByte('@')
		b.WriteString(escape(version))
	}
	return b.String()
}

// escape percent-encodes what a purl segment may not hold verbatim.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '.', c == '-', c == '_', c == '~':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
