package pipeline

import "testing"

func TestLiteralMakeLatest(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"true", "true"},
		{"false", "false"},
		{"legacy", "legacy"},
		{`{{ if .IsNightly }}false{{ else }}true{{ end }}`, ""},
	} {
		if got := literalMakeLatest(tc.in, nil); got != tc.want {
			t.Errorf("literalMakeLatest(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
