// Package childenv decides which environment variables reach the tools
// svcship starts. GoReleaser hands its hooks its whole environment, the
// GitHub token included; a compiler or packager started from a hook needs
// none of those secrets, so they stop here.
package childenv

import "strings"

// IsSecret reports whether a variable's name says it holds a credential:
// a token, password, secret, passphrase, PIN, private key or credentials
// file, under any prefix (GITHUB_TOKEN, HOMEBREW_TAP_GITHUB_TOKEN,
// SVCSHIP_SIGN_PASSWORD, AWS_SECRET_ACCESS_KEY, COSIGN_PASSWORD, ...).
func IsSecret(name string) bool {
	n := strings.ToUpper(name)
	for _, word := range []string{"TOKEN", "PASSWORD", "SECRET", "PASSPHRASE", "CREDENTIAL", "PRIVATE_KEY"} {
		if strings.Contains(n, word) {
			return true
		}
	}
	for _, suffix := range []string{"_PIN", "_KEY", "_PAT", "_AUTH"} {
		if strings.HasSuffix(n, suffix) {
			return true
		}
	}
	switch n {
	case "GORELEASER_KEY", "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_RUNTIME_URL", "NETRC":
		return true
	}
	return false
}

// Scrub returns env ("NAME=value" entries) without the secrets; later
// entries override earlier ones as exec does, and the order is kept.
func Scrub(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if name == "" || IsSecret(name) {
			continue
		}
		out = append(out, kv)
	}
	return out
}
