package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("product: {name: demo, company: Demo Ltd, description: A demo}\nservice: {name: demo, start: delayed-auto}\npackaging: {upgrade_code: 8f1c2a6e-5b7d-4e3a-9c21-0d4b6a7e9f10}\n"), 0o644)
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("product: {name: demo, company: Demo Ltd, description: A demo}\nservice: {name: demo, start: later}\npackaging: {upgrade_code: 8f1c2a6e-5b7d-4e3a-9c21-0d4b6a7e9f10}\n"), 0o644)
	tests := []struct {
		args        []string
		code        int
		out, errOut string
	}{
		{[]string{"check", "--config", good}, 0, "stop_timeout: 20s", ""},
		{[]string{"check", "--config", good}, 0, "max_size: 10MiB", ""},
		{[]string{"check", "--config", bad}, 2, "", `bad.yaml:2: service.start: "later" is not a start type`},
		{[]string{"check", "--config", filepath.Join(dir, "none.yaml")}, 2, "", "none.yaml: file not found"},
		{[]string{"nosuch"}, 2, "", `unknown command "nosuch"`},
		{nil, 2, "", "usage: svcship <command>"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := run(context.Background(), tt.args, &out, &errOut)
		if code != tt.code || !strings.Contains(out.String(), tt.out) || !strings.Contains(errOut.String(), tt.errOut) {
			t.Errorf("%v: code %d, stdout %q, stderr %q; want %d, %q, %q", tt.args, code, out.String(), errOut.String(), tt.code, tt.out, tt.errOut)
		}
	}
}
