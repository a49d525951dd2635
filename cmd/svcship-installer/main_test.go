package main

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"testing"
)

func TestDispatch(t *testing.T) {
	tests := []struct {
		args     []string
		code     int
		out, err string
	}{
		{nil, 2, "", "usage: svcship-installer"},
		{[]string{"help"}, 0, "host         run as the service", ""},
		{[]string{"version"}, 0, "svcship-installer (devel)\n", ""},
	}
	if runtime.GOOS != "windows" {
		tests = append(tests, struct {
			args     []string
			code     int
			out, err string
		}{[]string{"status"}, 1, "", "runs on Windows only"})
	}
	for _, tc := range tests {
		var out, errb bytes.Buffer
		code := run(context.Background(), tc.args, &out, &errb)
		if code != tc.code || !strings.Contains(out.String(), tc.out) || !strings.Contains(errb.String(), tc.err) {
			t.Errorf("%v: exit %d\nstdout %q\nstderr %q", tc.args, code, out.String(), errb.String())
		}
	}
}
