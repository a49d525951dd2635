// Package resources writes Windows resources (VERSIONINFO, an icon and an
// application manifest) as COFF objects (.syso) that the Go linker embeds
// in a Windows executable.
//
// The linker picks up every .syso in a main package's folder, so each file
// is named <base>_windows_<arch>.syso: the build constraints in the name keep
// it out of other systems' and other architectures' builds (Go 1.26 refuses
// an object of the wrong machine type, and a bare resource.syso would break
// Linux builds). The encoding is done by github.com/josephspurrier/goversioninfo.
package resources

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"github.com/svcship/svcship/internal/winarch"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/template"

	"github.com/svcship/svcship/internal/atomicfile"

	"github.com/josephspurrier/goversioninfo"
)

// Arches returns the Windows GOARCH values Go and svcship build for.
func Arches() []string { return winarch.GOARCHes() }

// Info is what goes into the resources of one executable.
type Info struct {
	// FileVersion and ProductVersion are the numeric a.b.c.d versions.
	FileVersion    [4]uint16
	ProductVersion [4]uint16
	// Version is the full version string shown as the FileVersion and
	// ProductVersion strings (e.g. "1.2.3-rc.1").
	Version          string
	CompanyName      string
	FileDescription  string
	LegalCopyright   string
	InternalName     string
	OriginalFilename string
	ProductName      string
	Comments         string
	// IconPath is a .ico file (see CheckIcon); empty means no icon.
	IconPath string
	// Manifest is the application manifest; nil means DefaultManifest.
	Manifest []byte
}

// FileName is the .syso name for base and arch: base_windows_arch.syso.
func FileName(base, arch string) string {
	return base + "_windows_" + arch + ".syso"
}

// Syso encodes info as a COFF resource object for arch.
func Syso(info Info, arch string) ([]byte, error) {
	if !slices.Contains(Arches(), arch) {
		return nil, fmt.Errorf("resources: unsupported windows arch %q (supported: %s)", arch, strings.Join(Arches(), ", "))
	}
	tmp, err := os.MkdirTemp("", "svcship-rsrc-")
	if err != nil {
		return nil, fmt.Errorf("resources: %w", err)
	}
	defer os.RemoveAll(tmp)

	manifest := info.Manifest
	if manifest == nil {
		manifest = DefaultManifest(info.InternalName, info.FileVersion)
	}
	manifestPath := filepath.Join(tmp, "app.manifest")
	if err := os.WriteFile(manifestPath, manifest, 0o600); err != nil {
		return nil, fmt.Errorf("resources: %w", err)
	}

	vi := goversioninfo.VersionInfo{}
	vi.FixedFileInfo.FileVersion = fileVersion(info.FileVersion)
	vi.FixedFileInfo.ProductVersion = fileVersion(info.ProductVersion)
	// VS_FF / VOS_NT_WINDOWS32 / VFT_APP, the values Windows tools write.
	vi.FixedFileInfo.FileFlagsMask = "3f"
	vi.FixedFileInfo.FileOS = "040004"
	vi.FixedFileInfo.FileType = "01"
	vi.StringFileInfo = goversioninfo.StringFileInfo{
		Comments:         info.Comments,
		CompanyName:      info.CompanyName,
		FileDescription:  info.FileDescription,
		FileVersion:      info.Version,
		InternalName:     info.InternalName,
		LegalCopyright:   info.LegalCopyright,
		OriginalFilename: info.OriginalFilename,
		ProductName:      info.ProductName,
		ProductVersion:   info.Version,
	}
	// U.S. English, Unicode: the translation Explorer looks up first.
	vi.VarFileInfo.Translation.LangID = goversioninfo.LngUSEnglish
	vi.VarFileInfo.Translation.CharsetID = goversioninfo.CsUnicode
	vi.ManifestPath = manifestPath
	if info.IconPath != "" {
		// Checked here: the encoder would only say "bad magic number".
		if err := CheckIcon(info.IconPath); err != nil {
			return nil, err
		}
		vi.IconPath = info.IconPath
	}
	vi.Build()
	vi.Walk()

	out := filepath.Join(tmp, "out.syso")
	if err := vi.WriteSyso(out, arch); err != nil {
		return nil, fmt.Errorf("resources: %s: %w", arch, err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("resources: %w", err)
	}
	if err := fixCharacteristics(data, arch); err != nil {
		return nil, err
	}
	return data, nil
}

// fixCharacteristics corrects the COFF header flags. The encoder always
// writes IMAGE_FILE_32BIT_MACHINE (copied from windres for 386); a 64-bit
// object (amd64, arm64) must not claim to be 32-bit.
func fixCharacteristics(obj []byte, arch string) error {
	const (
		offset           = 18 // Machine, NumberOfSections, TimeDateStamp, PointerToSymbolTable, NumberOfSymbols, SizeOfOptionalHeader
		file32BitMachine = 0x0100
	)
	if len(obj) < offset+2 {
		return fmt.Errorf("resources: %s: object too short (%d bytes)", arch, len(obj))
	}
	flags := binary.LittleEndian.Uint16(obj[offset:])
	if arch == "amd64" || arch == "arm64" {
		flags &^= file32BitMachine
	}
	binary.LittleEndian.PutUint16(obj[offset:], flags)
	return nil
}

// WriteSyso writes the .syso for arch to path (atomically).
func WriteSyso(info Info, arch, path string) error {
	data, err := Syso(info, arch)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("resources: %w", err)
	}
	return nil
}

// WriteAll writes one .syso per arch into dir, named FileName(base, arch),
// and returns their paths.
func WriteAll(info Info, dir, base string, archs []string) ([]string, error) {
	var paths []string
	for _, arch := range archs {
		p := filepath.Join(dir, FileName(base, arch))
		if err := WriteSyso(info, arch, p); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

func fileVersion(v [4]uint16) goversioninfo.FileVersion {
	return goversioninfo.FileVersion{Major: int(v[0]), Minor: int(v[1]), Patch: int(v[2]), Build: int(v[3])}
}

var manifestTmpl = template.Must(template.New("m").Parse(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<assembly xmlns="urn:schemas-microsoft-com:asm.v1" manifestVersion="1.0">
  <assemblyIdentity type="win32" name="{{.Name}}" version="{{.Version}}"/>
  <trustInfo xmlns="urn:schemas-microsoft-com:asm.v3">
    <security>
      <requestedPrivileges>
        <requestedExecutionLevel level="asInvoker" uiAccess="false"/>
      </requestedPrivileges>
    </security>
  </trustInfo>
  <compatibility xmlns="urn:schemas-microsoft-com:compatibility.v1">
    <application>
      <supportedOS Id="{8e0f7a12-bfb3-4fe8-b9a5-48fd50a15a9a}"/>
      <supportedOS Id="{1f676c76-80e1-4239-95bb-83d0f6d0da78}"/>
      <supportedOS Id="{4a2f28e3-53b9-4441-ba9c-d69d4a4a6e38}"/>
      <supportedOS Id="{35138b9a-5d96-4fbd-8e2d-a2440225f93a}"/>
    </application>
  </compatibility>
  <application xmlns="urn:schemas-microsoft-com:asm.v3">
    <windowsSettings>
      <longPathAware xmlns="http://schemas.microsoft.com/SMI/2016/WindowsSettings">true</longPathAware>
      <activeCodePage xmlns="http://schemas.microsoft.com/SMI/2019/WindowsSettings">UTF-8</activeCodePage>
    </windowsSettings>
  </application>
</assembly>
`))

// DefaultManifest is an application manifest that runs asInvoker (the
// installer checks for elevation itself and says so), declares Windows
// 7-11 support, long paths and the UTF-8 code page.
func DefaultManifest(name string, v [4]uint16) []byte {
	if name == "" {
		name = "app"
	}
	// assemblyIdentity names allow letters, digits, '.', '-' and '_'.
	clean := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '-'
	}, name)
	var b bytes.Buffer
	_ = manifestTmpl.Execute(&b, struct{ Name, Version string }{
		clean, fmt.Sprintf("%d.%d.%d.%d", v[0], v[1], v[2], v[3]),
	})
	return b.Bytes()
}
