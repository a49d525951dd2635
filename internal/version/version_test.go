package version

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseAndMap(t *testing.T) {
	tests := []struct {
		in     string
		want   string
		win    [4]uint16
		winErr string
		msi    string
		msiErr string
		prerel bool
	}{
		{in: "v1.2.3", want: "1.2.3", win: [4]uint16{1, 2, 3, 0}, msi: "1.2.3"},
		{in: "1.2.3-rc.4", want: "1.2.3-rc.4", win: [4]uint16{1, 2, 3, 0}, msi: "1.2.3", prerel: true},
		{in: "0.1.0-SNAPSHOT-abc1234", want: "0.1.0-SNAPSHOT-abc1234", win: [4]uint16{0, 1, 0, 0}, msi: "0.1.0", prerel: true},
		{in: "v2.0.0+build.7", want: "2.0.0+build.7", win: [4]uint16{2, 0, 0, 0}, msi: "2.0.0"},
		{in: "v256.0.0", want: "256.0.0", win: [4]uint16{256, 0, 0, 0}, msiErr: "major version 256 is above 255"},
		{in: "v1.300.0", want: "1.300.0", win: [4]uint16{1, 300, 0, 0}, msiErr: "minor version 300 is above 255"},
		{in: "v1.2.70000", want: "1.2.70000", winErr: "patch 70000 does not fit a Windows file version (at most 65535)", msiErr: "build (patch) 70000 is above 65535"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			v, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if v.String() != tt.want {
				t.Errorf("String = %q, want %q", v.String(), tt.want)
			}
			if v.IsPrerelease() != tt.prerel {
				t.Errorf("IsPrerelease = %v", v.IsPrerelease())
			}
			w, err := v.Windows()
			switch {
			case tt.winErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.winErr) {
					t.Errorf("Windows err = %v, want %q", err, tt.winErr)
				}
			case err != nil:
				t.Errorf("Windows: unexpected error %v", err)
			case w != tt.win:
				t.Errorf("Windows = %v, want %v", w, tt.win)
			}
			m, err := v.MSI()
			if tt.msiErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.msiErr) {
					t.Fatalf("MSI err = %v, want %q", err, tt.msiErr)
				}
				return
			}
			if err != nil || m != tt.msi {
				t.Errorf("MSI = %q, %v; want %q", m, err, tt.msi)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	for _, in := range []string{"", "v1", "1.2", "1.2.3.4", "v01.2.3", "1.2.x", "1.2.3-", "1.2.3-a..b", "1.2.3-01", "1.2.3+", "latest", "v1.2.3-rc_1"} {
		if _, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) succeeded, want error", in)
		} else if !strings.Contains(err.Error(), "version") {
			t.Errorf("Parse(%q) error %q does not say what was expected", in, err)
		}
	}
}

func TestWindowsOverflow(t *testing.T) {
	v, err := Parse("70000.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Windows(); err == nil || !strings.Contains(err.Error(), "65535") {
		t.Fatalf("Windows() err = %v", err)
	}
}

func TestCompare(t *testing.T) {
	order := []string{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0"}
	for i := range order {
		for j := range order {
			a, err := Parse(order[i])
			if err != nil {
				t.Fatalf("Parse(%s): %v", order[i], err)
			}
			b, err := Parse(order[j])
			if err != nil {
				t.Fatalf("Parse(%s): %v", order[j], err)
			}
			want := sign(i - j)
			if got := a.Compare(b); got != want {
				t.Errorf("Compare(%s, %s) = %d, want %d", order[i], order[j], got, want)
			}
		}
	}
}

// TestTagToFileVersionToMSIVersion is the mapping of the package comment
// (and docs/msi.md), written out: a tag, the VERSIONINFO FileVersion it
// stamps, and the MSI ProductVersion, or the error that stops the build.
func TestTagToFileVersionToMSIVersion(t *testing.T) {
	for _, tt := range []struct {
		tag, fileVersion, msiVersion string
		fileErr, msiErr              string
	}{
		{tag: "v1.2.3", fileVersion: "1.2.3.0", msiVersion: "1.2.3"},
		{tag: "v0.0.1", fileVersion: "0.0.1.0", msiVersion: "0.0.1"},
		{tag: "v10.20.30", fileVersion: "10.20.30.0", msiVersion: "10.20.30"},
		{tag: "v1.2.3-rc.1", fileVersion: "1.2.3.0", msiVersion: "1.2.3"},
		{tag: "v1.2.3-beta.11", fileVersion: "1.2.3.0", msiVersion: "1.2.3"},
		{tag: "v0.1.0-SNAPSHOT-abc1234", fileVersion: "0.1.0.0", msiVersion: "0.1.0"},
		{tag: "v2.0.0+build.7", fileVersion: "2.0.0.0", msiVersion: "2.0.0"},
		{tag: "v255.255.65535", fileVersion: "255.255.65535.0", msiVersion: "255.255.65535"},
		{tag: "v256.0.0", fileVersion: "256.0.0.0", msiErr: "version 256.0.0: MSI major version 256 is above 255"},
		{tag: "v1.256.0", fileVersion: "1.256.0.0", msiErr: "version 1.256.0: MSI minor version 256 is above 255"},
		{tag: "v65535.65535.65535", fileVersion: "65535.65535.65535.0", msiErr: "version 65535.65535.65535: MSI major version 65535 is above 255"},
		{tag: "v1.2.65536", fileErr: "version 1.2.65536: patch 65536 does not fit a Windows file version (at most 65535)", msiErr: "version 1.2.65536: MSI build (patch) 65536 is above 65535"},
		{tag: "v65536.0.0", fileErr: "version 65536.0.0: major 65536 does not fit a Windows file version (at most 65535)", msiErr: "version 65536.0.0: MSI major version 65536 is above 255"},
	} {
		t.Run(tt.tag, func(t *testing.T) {
			v, err := Parse(tt.tag)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			w, err := v.Windows()
			if tt.fileErr != "" {
				if err == nil || err.Error() != tt.fileErr {
					t.Errorf("Windows() = %v, %v; want error %q", w, err, tt.fileErr)
				}
			} else if err != nil {
				t.Errorf("Windows(): %v", err)
			} else if got := fmt.Sprintf("%d.%d.%d.%d", w[0], w[1], w[2], w[3]); got != tt.fileVersion {
				t.Errorf("FileVersion = %s, want %s", got, tt.fileVersion)
			}
			m, err := v.MSI()
			if tt.msiErr != "" {
				if err == nil || err.Error() != tt.msiErr {
					t.Errorf("MSI() = %q, %v; want error %q", m, err, tt.msiErr)
				}
			} else if err != nil || m != tt.msiVersion {
				t.Errorf("MSI() = %q, %v; want %s", m, err, tt.msiVersion)
			}
		})
	}
}
