package gitinfo

import (
	"strings"
	"testing"
)

func TestRepoFromRemote(t *testing.T) {
	for remote, want := range map[string]string{
		"https://github.com/acme/pingd.git":                 "acme/pingd",
		"https://github.com/acme/pingd":                     "acme/pingd",
		"https://x-access-token:t@github.com/a/b.git":       "a/b",
		"git@github.com:acme/pingd.git":                     "acme/pingd",
		"ssh://git@github.com:22/acme/pingd.git":            "acme/pingd",
		"ssh://git@github.example.com:2222/acme/widget.git": "acme/widget",
		"https://ghe.example.com/acme/widget/":              "acme/widget",
		"widget":                                            "",
		"https://github.com/acme":                           "",
		"file:///srv/git/pingd":                             "",
		"https://gitlab.com/group/sub/pingd.git":            "",
		"":                                                  "",
	} {
		if got := RepoFromRemote(remote); got != want {
			t.Errorf("RepoFromRemote(%q) = %q, want %q", remote, got, want)
		}
	}
}

func TestGitHubRepoOrder(t *testing.T) {
	env := map[string]string{"GITHUB_REPOSITORY": "ci/repo"}
	getenv := func(k string) string { return env[k] }
	for _, tc := range []struct {
		configured, remote, want string
		env                      bool
	}{
		{"cfg/repo", "https://github.com/remote/repo", "cfg/repo", true},
		{"", "https://github.com/remote/repo", "ci/repo", true},
		{"", "https://github.com/remote/repo", "remote/repo", false},
	} {
		ge := getenv
		if !tc.env {
			ge = func(string) string { return "" }
		}
		o, r, err := GitHubRepo(tc.configured, tc.remote, ge)
		if err != nil || o+"/"+r != tc.want {
			t.Errorf("GitHubRepo(%q, %q) = %s/%s, %v; want %s", tc.configured, tc.remote, o, r, err, tc.want)
		}
	}
	if _, _, err := GitHubRepo("", "https://user:secret@gitlab.com/a/b/c.git", func(string) string { return "" }); err == nil {
		t.Error("a non-GitHub remote was accepted")
	} else if strings.Contains(err.Error(), "secret") {
		t.Errorf("the error repeats the remote's credentials: %v", err)
	}
}
