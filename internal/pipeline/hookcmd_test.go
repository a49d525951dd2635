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
	tests := []struct{ s, want, err string }{
		{s: "/usr/bin/svcship", want: "/usr/bin/svcship"},
		{s: `C:\Program Files\svcship\svcship.exe`, want: `"C:\Program Files\svcship\svcship.exe"`},
		{s: `/tmp/it's here/svcship`, want: `"/tmp/it's here/svcship"`},
		{s: `/tmp/say "hi"/svcship`, want: `'/tmp/say "hi"/svcship'`},
		{s: `/tmp/it's "x"/svcship`, err: `"/tmp/it's \"x\"/svcship" holds both kinds of quote, which go run -exec can't pass as one word: move the project or the build cache to a path without them`},
	}
	for _, tt := range tests {
		got, err := execQuote(tt.s)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("execQuote(%q): error %v, want %q", tt.s, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("execQuote(%q) = %s, %v, want %s", tt.s, got, err, tt.want)
		}
	}
}
