package childenv

import (
	"slices"
	"testing"
)

func TestIsSecret(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"GITHUB_TOKEN", true},
		{"GH_TOKEN", true},
		{"HOMEBREW_TAP_GITHUB_TOKEN", true},
		{"ACTIONS_ID_TOKEN_REQUEST_TOKEN", true},
		{"ACTIONS_ID_TOKEN_REQUEST_URL", true},
		{"SVCSHIP_SIGN_PASSWORD", true},
		{"SVCSHIP_SIGN_PIN", true},
		{"SVCSHIP_SERVICE_PASSWORD", true},
		{"AWS_SECRET_ACCESS_KEY", true},
		{"COSIGN_PRIVATE_KEY", true},
		{"GORELEASER_KEY", true},
		{"GPG_PASSPHRASE", true},
		{"github_token", true},
		{"PATH", false},
		{"HOME", false},
		{"GOFLAGS", false},
		{"GOPROXY", false},
		{"GOCACHE", false},
		{"SVCSHIP_SIGN_PFX", false},
		{"CGO_ENABLED", false},
		{"TMPDIR", false},
	} {
		if got := IsSecret(tc.name); got != tc.want {
			t.Errorf("IsSecret(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestScrubKeepsOrderAndDropsSecrets(t *testing.T) {
	in := []string{"PATH=/bin", "GITHUB_TOKEN=ghp_x", "GOOS=windows", "SVCSHIP_SIGN_PASSWORD=pw", "=weird", "GOARCH=amd64"}
	want := []string{"PATH=/bin", "GOOS=windows", "GOARCH=amd64"}
	if got := Scrub(in); !slices.Equal(got, want) {
		t.Errorf("Scrub = %q, want %q", got, want)
	}
}
