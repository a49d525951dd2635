package pipeline

import "testing"

func TestIsHook(t *testing.T) {
	tests := []struct {
		cmd, hook string
		want      bool
	}{
		{"go tool svcship goreleaser before --version={{ .Version }}", "before", true},
		{`{{ envOrDefault "SVCSHIP_COMMAND" "go tool svcship" }} goreleaser before --version=1`, "before", true},
		{`{{ if eq .Os "windows" }}{{ envOrDefault "SVCSHIP_COMMAND" "go tool svcship" }} goreleaser build --dist=dist{{ end }}`, "build", true},
		{"dist/svcship/bin/svcship goreleaser record --dist=dist", "record", true},
		{"out/svcship/bin/svcship goreleaser publish --dist=out", "publish", true},
		{"go tool svcship goreleaser builder", "build", false},
		{"go tool svcship goreleaser before", "build", false},
		{"goreleaser before", "before", false},
		{"go mod tidy", "before", false},
	}
	for _, tt := range tests {
		if got := IsHook(tt.cmd, tt.hook); got != tt.want {
			t.Errorf("IsHook(%q, %q) = %v, want %v", tt.cmd, tt.hook, got, tt.want)
		}
	}
}

func TestCommandLine(t *testing.T) {
	tests := []struct {
		path    string
		windows bool
		want    string
	}{
		{"/root/.cache/go-build/e4/e44b-d/svcship", false, "/root/.cache/go-build/e4/e44b-d/svcship"},
		{`C:\Users\ci\AppData\Local\go-build\e4\svcship.exe`, true, "C:/Users/ci/AppData/Local/go-build/e4/svcship.exe"},
		{`C:\Users\John Doe\go-build\svcship.exe`, true, `"C:/Users/John Doe/go-build/svcship.exe"`},
		{`/home/a"b/svcship`, false, `"/home/a\"b/svcship"`},
		{`/home/$HOME/svcship`, false, `"/home/\$HOME/svcship"`},
		{`/home/back\slash/svcship`, false, `"/home/back\\slash/svcship"`},
	}
	for _, tt := range tests {
		if got := commandLine(tt.path, tt.windows); got != tt.want {
			t.Errorf("commandLine(%q) = %s, want %s", tt.path, got, tt.want)
		}
	}
}

func TestExecQuote(t *testing.T) {
	tests := []struct{ s, want string }{
		{"/usr/bin/svcship", "/usr/bin/svcship"},
		{`C:\Program Files\svcship\svcship.exe`, `"C:\Program Files\svcship\svcship.exe"`},
		{`/tmp/it's here/svcship`, `"/tmp/it's here/svcship"`},
		{`/tmp/say "hi"/svcship`, `'/tmp/say "hi"/svcship'`},
	}
	for _, tt := range tests {
		if got := execQuote(tt.s); got != tt.want {
			t.Errorf("execQuote(%q) = %s, want %s", tt.s, got, tt.want)
		}
	}
}
