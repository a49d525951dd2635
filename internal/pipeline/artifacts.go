package pipeline

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/svcship/svcship/internal/atomicfile"
)

// ArtifactType is the "type" string GoReleaser writes in artifacts.json.
type ArtifactType string

// Types used in dist/artifacts.json. The first group is GoReleaser's own
// vocabulary; MSI is not an OSS GoReleaser type, so it is recorded as an
// uploadable file (internal_type 3) with type "MSI".
const (
	TypeArchive  ArtifactType = "Archive"
	TypeFile     ArtifactType = "File"
	TypeBinary   ArtifactType = "Binary"
	TypeChecksum ArtifactType = "Checksum"
	TypeMetadata ArtifactType = "Metadata"
	TypeMSI      ArtifactType = "MSI"
)

// internalType mirrors GoReleaser's artifact.Type numbering, which is what
// "internal_type" holds, so GoReleaser-aware tools can still read our
// entries.
func internalType(t ArtifactType) int {
	switch t {
	case TypeArchive:
		return 1
	case TypeFile, TypeMSI:
		return 3
	case TypeBinary:
		return 4
	case TypeChecksum:
		return 12
	case TypeMetadata:
		return 35
	}
	return 0
}

// Keys of Artifact.Extra that GoReleaser and svcship use.
const (
	ExtraID      = "ID"
	ExtraBinary  = "Binary"
	ExtraExt     = "Ext"
	ExtraFormat  = "Format"
	ExtraFiles   = "Files"
	ExtraSigned  = "Signed"
	ExtraBuilder = "Builder"
)

// Artifact is one entry of dist/artifacts.json, in GoReleaser's format.
type Artifact struct {
	Name         string         `json:"name"`
	Path         string         `json:"path"`
	Goos         string         `json:"goos,omitempty"`
	Goarch       string         `json:"goarch,omitempty"`
	Goamd64      string         `json:"goamd64,omitempty"`
	Go386        string         `json:"go386,omitempty"`
	Goarm64      string         `json:"goarm64,omitempty"`
	Goarm        string         `json:"goarm,omitempty"`
	Target       string         `json:"target,omitempty"`
	InternalType int            `json:"internal_type"`
	Type         ArtifactType   `json:"type"`
	Extra        map[string]any `json:"extra,omitempty"`
}

// NewArtifact fills InternalType from typ.
func NewArtifact(typ ArtifactType, name, path string) Artifact {
	return Artifact{Name: name, Path: path, Type: typ, InternalType: internalType(typ)}
}

// ExtraString returns Extra[key] as a string ("" when absent).
func (a Artifact) ExtraString(key string) string {
	s, _ := a.Extra[key].(string)
	return s
}

// Platform is "goos_goarch", the key svcship uses per target.
func (a Artifact) Platform() string { return a.Goos + "_" + a.Goarch }

// Artifacts is the ordered artifact list.
type Artifacts []Artifact

// Filter returns the artifacts for which keep is true.
func (as Artifacts) Filter(keep func(Artifact) bool) Artifacts {
	var out Artifacts
	for _, a := range as {
		if keep(a) {
			out = append(out, a)
		}
	}
	return out
}

// ByType returns the artifacts of the given types.
func (as Artifacts) ByType(types ...ArtifactType) Artifacts {
	return as.Filter(func(a Artifact) bool { return slices.Contains(types, a.Type) })
}

// Uploadable returns what a release publishes: archives, MSIs and checksums.
func (as Artifacts) Uploadable() Artifacts {
	return as.ByType(TypeArchive, TypeMSI, TypeChecksum)
}

// ReadArtifacts reads an artifacts.json file.
func ReadArtifacts(path string) (Artifacts, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("artifacts: %w", err)
	}
	var as Artifacts
	if err := json.Unmarshal(data, &as); err != nil {
		return nil, fmt.Errorf("artifacts: %s: %w", path, err)
	}
	return as, nil
}

// WriteArtifacts replaces path atomically (temp file in the same folder,
// then rename) so a crash never leaves a truncated record.
func WriteArtifacts(path string, as Artifacts) error {
	if as == nil {
		as = Artifacts{}
	}
	data, err := json.Marshal(as)
	if err != nil {
		return fmt.Errorf("artifacts: %w", err)
	}
	return atomicfile.WriteFile(path, data, 0o644)
}

// relPath makes p relative to root when it lies inside it, the way
// GoReleaser records paths ("dist/...").
func relPath(root, p string) string {
	if !filepath.IsAbs(p) {
		return filepath.ToSlash(p)
	}
	r, err := filepath.Rel(root, p)
	if err != nil || strings.HasPrefix(r, "..") {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(r)
}
