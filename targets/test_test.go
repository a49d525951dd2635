package targets

import (
	"bytes"
	"strings"
	"testing"
)

func TestSummarize(t *testing.T) {
	stream := strings.Join([]string{
		`{"Action":"run","Package":"p/a","Test":"TestOK"}`,
		`{"Action":"output","Package":"p/a","Test":"TestOK","Output":"quiet\n"}`,
		`{"Action":"pass","Package":"p/a","Test":"TestOK","Elapsed":0.1}`,
		`{"Action":"output","Package":"p/a","Test":"TestBad","Output":"    a_test.go:9: boom\n"}`,
		`{"Action":"fail","Package":"p/a","Test":"TestBad","Elapsed":0.2}`,
		`{"Action":"skip","Package":"p/a","Test":"TestWine","Elapsed":0}`,
		`{"Action":"pass","Package":"p/a","Test":"TestOK/sub","Elapsed":0}`,
		`{"Action":"fail","Package":"p/a","Elapsed":1.5}`,
		`# p/b`,
		`{"Action":"skip","Package":"p/c","Elapsed":0}`,
	}, "\n")
	var out bytes.Buffer
	s := summarize(strings.NewReader(stream), &out)
	if got := s.line(); got != "2 passed, 1 failed, 1 skipped" {
		t.Errorf("line = %q", got)
	}
	text := out.String()
	for _, want := range []string{"FAIL\tp/a\t1.5s", "a_test.go:9: boom", "# p/b", "?   \tp/c", "failed: p/a TestBad"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "quiet") {
		t.Errorf("output of a passing test was printed:\n%s", text)
	}
}
