// Package winarch is the one table of the Windows architectures svcship
// ships: each GOARCH with the names other formats give it (PE machine,
// MSI Template platform, Program Files folder, winget architecture,
// GoReleaser target).
package winarch

import (
	"debug/pe"
	"fmt"
	"strings"
)

// Arch is one Windows architecture.
type Arch struct {
	// GOARCH is Go's name: amd64, 386, arm64.
	GOARCH string
	// Machine is the PE/COFF machine type of its executables.
	Machine uint16
	// MSIPlatform is the platform of the MSI summary's Template
	// ("x64;1033"): x64, Intel, Arm64.
	MSIPlatform string
	// ProgramFiles is the MSI standard folder programs install under.
	ProgramFiles string
	// Is64 marks 64-bit packages (msidbComponentAttributes64bit).
	Is64 bool
	// Winget is the winget manifest's Architecture: x64, x86, arm64.
	Winget string
	// Display is the usual human name: x64, x86, Arm64.
	Display string
}

// table lists the architectures in the order svcship builds them.
var table = [...]Arch{
	{GOARCH: "amd64", Machine: pe.IMAGE_FILE_MACHINE_AMD64, MSIPlatform: "x64", ProgramFiles: "ProgramFiles64Folder", Is64: true, Winget: "x64", Display: "x64"},
	{GOARCH: "arm64", Machine: pe.IMAGE_FILE_MACHINE_ARM64, MSIPlatform: "Arm64", ProgramFiles: "ProgramFiles64Folder", Is64: true, Winget: "arm64", Display: "Arm64"},
	{GOARCH: "386", Machine: pe.IMAGE_FILE_MACHINE_I386, MSIPlatform: "Intel", ProgramFiles: "ProgramFilesFolder", Is64: false, Winget: "x86", Display: "x86"},
}

// All returns every architecture svcship ships, amd64 first.
func All() []Arch { return table[:] }

// GOARCHes returns the GOARCH of every architecture, in All's order.
func GOARCHes() []string {
	out := make([]string, len(table))
	for i, a := range table {
		out[i] = a.GOARCH
	}
	return out
}

// Lookup returns the architecture of goarch.
func Lookup(goarch string) (Arch, error) {
	for _, a := range table {
		if a.GOARCH == goarch {
			return a, nil
		}
	}
	return Arch{}, fmt.Errorf("%q is not a Windows architecture svcship ships (expected %s)", goarch, strings.Join(GOARCHes(), ", "))
}

// ByMSIPlatform returns the architecture of an MSI Template platform.
func ByMSIPlatform(platform string) (Arch, error) {
	for _, a := range table {
		if a.MSIPlatform == platform {
			return a, nil
		}
	}
	return Arch{}, fmt.Errorf("MSI platform %q is not one svcship builds (expected x64, Intel or Arm64)", platform)
}

// FromTarget returns the GOARCH of a GoReleaser Windows target such as
// windows_amd64_v1 or windows_arm64_v8.0, and whether it is one.
func FromTarget(target string) (string, bool) {
	parts := strings.SplitN(target, "_", 3)
	if len(parts) < 2 || parts[0] != "windows" {
		return "", false
	}
	_, err := Lookup(parts[1])
	return parts[1], err == nil
}
