package winargs

import (
	"reflect"
	"testing"
)

func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{`plain`, `plain`},
		{``, `""`},
		{`C:\Program Files\App\app.exe`, `"C:\Program Files\App\app.exe"`},
		{`C:\dir\`, `C:\dir\`},
		{`C:\my dir\`, `"C:\my dir\\"`},
		{`say "hi"`, `"say \"hi\""`},
		{`a\"b`, `"a\\\"b"`},
		{"tab\there", "\"tab\there\""},
	}
	for _, tt := range tests {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestJoinSplitRoundTrip(t *testing.T) {
	cases := [][]string{
		{`C:\Program Files\Hello Service\svcship-installer.exe`, "host", "--config", `C:\Program Files\Hello Service\svcship.yaml`},
		{"--listen", "127.0.0.1:8080"},
		{"", "x", ""},
		{`trailing\`, `trailing space\ `, `quote"inside`, `\\server\share\`},
	}
	for _, args := range cases {
		line := Join(args)
		if got := Split(line); !reflect.DeepEqual(got, args) {
			t.Errorf("Split(Join(%q)) = %q via %s", args, got, line)
		}
	}
}

func FuzzJoinSplit(f *testing.F) {
	f.Add("a b", `c\"d`, `e\`)
	f.Fuzz(func(t *testing.T, a, b, c string) {
		args := []string{a, b, c}
		for _, s := range args {
			for i := 0; i < len(s); i++ {
				if s[i] == 0 || s[i] == '\n' || s[i] == '\r' || s[i] == '\v' {
					return // not representable on a command line
				}
			}
		}
		if got := Split(Join(args)); !reflect.DeepEqual(got, args) {
			t.Fatalf("Split(Join(%q)) = %q via %s", args, got, Join(args))
		}
	})
}
