package targets

import "testing"

func TestRepoFromRemote(t *testing.T) {
	tests := []struct{ remote, want string }{
		{"https://github.com/svcship/svcship.git", "svcship/svcship"},
		{"https://github.com/svcship/svcship", "svcship/svcship"},
		{"git@github.com:svcship/svcship.git", "svcship/svcship"},
		{"ssh://git@ghe.example.com/team/app.git", "team/app"},
		{"file:///srv/repos/app", ""},
		{"/srv/repos/app", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := repoFromRemote(tt.remote); got != tt.want {
			t.Errorf("repoFromRemote(%q) = %q, want %q", tt.remote, got, tt.want)
		}
	}
}
