package winarch

import (
	"slices"
	"testing"
)

func TestTable(t *testing.T) {
	for _, tc := range []struct {
		goarch, platform, folder, winget string
		machine                          uint16
		is64                             bool
	}{
		{"amd64", "x64", "ProgramFiles64Folder", "x64", 0x8664, true},
		{"arm64", "Arm64", "ProgramFiles64Folder", "arm64", 0xaa64, true},
		{"386", "Intel", "ProgramFilesFolder", "x86", 0x14c, false},
	} {
		a, err := Lookup(tc.goarch)
		if err != nil {
			t.Fatal(err)
		}
		if a.MSIPlatform != tc.platform || a.ProgramFiles != tc.folder || a.Winget != tc.winget || a.Machine != tc.machine || a.Is64 != tc.is64 {
			t.Errorf("%s = %+v", tc.goarch, a)
		}
		if b, err := ByMSIPlatform(tc.platform); err != nil || b.GOARCH != tc.goarch {
			t.Errorf("ByMSIPlatform(%s) = %v, %v", tc.platform, b.GOARCH, err)
		}
	}
	if _, err := Lookup("arm"); err == nil {
		t.Error("32-bit arm is not shipped, but Lookup accepted it")
	}
	if got := GOARCHes(); !slices.Equal(got, []string{"amd64", "arm64", "386"}) {
		t.Errorf("GOARCHes = %q", got)
	}
}

func TestFromTarget(t *testing.T) {
	for target, want := range map[string]string{
		"windows_amd64_v1":   "amd64",
		"windows_arm64_v8.0": "arm64",
		"windows_386_sse2":   "386",
		"windows_386":        "386",
		"linux_amd64_v1":     "",
		"windows_arm_7":      "",
	} {
		got, ok := FromTarget(target)
		if (want != "") != ok || got != want && ok {
			t.Errorf("FromTarget(%q) = %q, %v; want %q", target, got, ok, want)
		}
	}
}
