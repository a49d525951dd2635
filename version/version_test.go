package version

import (
	"strings"
	"testing"
)

func TestParseAndMap(t *testing.T) {
	tests := []struct {
		in     string
		want   string
		win    [4]uint16
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
		{in: "v1.2.70000", want: "1.2.70000", msiErr: "build (patch) 70000 is above 65535"},
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
			if w, err := v.Windows(); err == nil && w != tt.win {
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
			a, _ := Parse(order[i])
			b, _ := Parse(order[j])
			want := sign(i - j)
			if got := a.Compare(b); got != want {
				t.Errorf("Compare(%s, %s) = %d, want %d", order[i], order[j], got, want)
			}
		}
	}
}
