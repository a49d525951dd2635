package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// base is a valid svcship.yaml of 9 lines, so keys appended to it start at
// line 10.
const base = `product:
  name: hellosvc
  company: Example Ltd
  description: A small HTTP service
service:
  name: hellosvc
packaging:
  upgrade_code: 8f1c2a6e-5b7d-4e3a-9c21-0d4b6a7e9f10
  install_dir: Hello
`

// TestLongValuesAreClipped: a huge value is quoted by its first 60
// characters and its length, never whole.
func TestLongValuesAreClipped(t *testing.T) {
	long := strings.Repeat("a", 1<<20)
	for _, tt := range []struct {
		name, yaml, want string
	}{
		{"whole file is one scalar", long,
			`svcship.yaml:1: got "` + strings.Repeat("a", 60) + `"... (1048576 bytes), expected a mapping with the keys `},
		{"start type", strings.Replace(base, "service:\n  name: hellosvc\n", "service:\n  name: hellosvc\n  start: "+long+"\n", 1),
			`svcship.yaml:7: service.start: "` + strings.Repeat("a", 60) + `"... (1048576 bytes) is not a start type (expected auto, delayed-auto, manual or disabled)`},
		{"duration", strings.Replace(base, "service:\n  name: hellosvc\n", "service:\n  name: hellosvc\n  stop_timeout: "+long+"\n", 1),
			`svcship.yaml:7: service.stop_timeout: "` + strings.Repeat("a", 60) + `"... (1048576 bytes) is not a duration (expected e.g. 5s, 1m30s or 24h)`},
		{"product name", strings.Replace(base, "name: hellosvc\n  company", "name: "+long+"\n  company", 1),
			`svcship.yaml:2: product.name: "` + strings.Repeat("a", 60) + `"... (1048576 bytes) is not a product name`},
		{"service name", strings.Replace(base, "service:\n  name: hellosvc\n", "service:\n  name: "+long+"\n", 1),
			`svcship.yaml:6: service.name: service name "` + strings.Repeat("a", 60) + `"... (1048576 bytes) is longer than 256 characters`},
		{"list where a string belongs", strings.Replace(base, "description: A small HTTP service", "description: [x]\n  copyright: "+long, 1),
			`svcship.yaml:4: product.description: got a list, expected a string`},
		{"string where a list belongs", base + "  extra_files: " + long + "\n",
			`svcship.yaml:10: packaging.extra_files: got "` + strings.Repeat("a", 60) + `"... (1048576 bytes), expected a list`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("svcship.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if len(msg) > 400 {
				t.Fatalf("message is %d bytes long: %.300s...", len(msg), msg)
			}
			if !strings.HasPrefix(msg, tt.want) {
				t.Fatalf("message\n%s\nwant prefix\n%s", msg, tt.want)
			}
		})
	}
}

// TestLoadHugeConfigFile is the --config case: a 50 MB file.
func TestLoadHugeConfigFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(p, []byte(strings.Repeat("x", 50<<20)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(p)
	if err == nil {
		t.Fatal("no error")
	}
	want := p + `:1: got "` + strings.Repeat("x", 60) + `"... (52428800 bytes), expected a mapping with the keys `
	if msg := err.Error(); len(msg) > 400+len(p) || !strings.HasPrefix(msg, want) {
		t.Fatalf("message (%d bytes): %.400s", len(msg), msg)
	}
}
