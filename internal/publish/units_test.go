package publish

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-github/v57/github"
)

func TestParseTag(t *testing.T) {
	tests := []struct {
		tag     string
		pre, ok bool
	}{
		{"v1.2.3", false, true},
		{"v0.0.0", false, true},
		{"v1.2.3-rc.1", true, true},
		{"v1.2.3-0.alpha", true, true},
		{"v1.2.3+build.5", false, true},
		{"v1.2.3-beta+exp.sha.5114f85", true, true},
		{"1.2.3", false, true}, // GoReleaser releases tags without the v too
		{"v1.2", false, false},
		{"v01.2.3", false, false},
		{"v1.2.3-01", false, false}, // numeric identifiers have no leading zeros
		{"v1.2.3-", false, false},
	}
	for _, tc := range tests {
		pre, err := ParseTag(tc.tag)
		if (err == nil) != tc.ok || pre != tc.pre {
			t.Errorf("%s: pre=%v err=%v; want pre=%v ok=%v", tc.tag, pre, err, tc.pre, tc.ok)
		}
	}
}

func TestResolveURLs(t *testing.T) {
	tests := []struct {
		name, base, upload, env string
		wantAPI, wantUpload     string
		wantErr                 string
	}{
		{name: "default", wantAPI: "https://api.github.com/", wantUpload: "https://uploads.github.com/"},
		{name: "env", env: "https://api.github.com", wantAPI: "https://api.github.com/", wantUpload: "https://uploads.github.com/"},
		{name: "GHES from env", env: "https://ghe.example.com/api/v3", wantAPI: "https://ghe.example.com/api/v3/", wantUpload: "https://ghe.example.com/api/uploads/"},
		{name: "GHES explicit upload", base: "https://ghe.example.com/api/v3/", upload: "https://up.example.com/api/uploads", wantAPI: "https://ghe.example.com/api/v3/", wantUpload: "https://up.example.com/api/uploads/"},
		{name: "option beats env", base: "http://127.0.0.1:8080/", env: "https://api.github.com", wantAPI: "http://127.0.0.1:8080/", wantUpload: "http://127.0.0.1:8080/api/uploads/"},
		{name: "credentials in URL", base: "https://user:" + testToken + "@ghe.example.com/api/v3/", wantErr: "must not contain credentials"},
		{name: "plain http remote", base: "http://ghe.example.com/api/v3/", wantErr: "plain http"},
		{name: "relative", base: "api/v3", wantErr: "not an absolute URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api, up, err := resolveURLs(tc.base, tc.upload, envMap(map[string]string{"GITHUB_API_URL": tc.env}))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), testToken) {
					t.Errorf("error echoes the credential: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if api.String() != tc.wantAPI || up.String() != tc.wantUpload {
				t.Errorf("got %s %s, want %s %s", api, up, tc.wantAPI, tc.wantUpload)
			}
		})
	}
}

func resp(code int, h map[string]string, method string) *http.Response {
	r := &http.Response{StatusCode: code, Status: strconv.Itoa(code) + " " + http.StatusText(code), Header: http.Header{}}
	for k, v := range h {
		r.Header.Set(k, v)
	}
	r.Request, _ = http.NewRequest(method, "https://api.github.com/repos/a/b/releases", nil)
	return r
}

func TestClassify(t *testing.T) {
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	p := RetryPolicy{Now: func() time.Time { return now }}.withDefaults()
	ra := func(d time.Duration) *time.Duration { return &d }
	tests := []struct {
		name      string
		err       error
		retry     bool
		wait      time.Duration
		rateLimit bool
	}{
		{"500", &github.ErrorResponse{Response: resp(500, nil, "GET")}, true, 0, false},
		{"502", &github.ErrorResponse{Response: resp(502, nil, "POST")}, true, 0, false},
		{"503", &github.ErrorResponse{Response: resp(503, nil, "GET")}, true, 0, false},
		{"504", &github.ErrorResponse{Response: resp(504, nil, "GET")}, true, 0, false},
		{"501 is permanent", &github.ErrorResponse{Response: resp(501, nil, "GET")}, false, 0, false},
		{"404", &github.ErrorResponse{Response: resp(404, nil, "GET"), Message: "Not Found"}, false, 0, false},
		{"401", &github.ErrorResponse{Response: resp(401, nil, "GET"), Message: "Bad credentials"}, false, 0, false},
		{"403 plain", &github.ErrorResponse{Response: resp(403, nil, "GET"), Message: "Resource not accessible by integration"}, false, 0, false},
		{"403 secondary text", &github.ErrorResponse{Response: resp(403, map[string]string{"Retry-After": "30"}, "GET"), Message: "You have exceeded a secondary rate limit"}, true, 30 * time.Second, true},
		{"429 Retry-After", &github.ErrorResponse{Response: resp(429, map[string]string{"Retry-After": "12"}, "GET")}, true, 12 * time.Second, true},
		{"429 no header", &github.ErrorResponse{Response: resp(429, nil, "GET")}, true, time.Minute, true},
		{"abuse Retry-After", &github.AbuseRateLimitError{Response: resp(403, map[string]string{"Retry-After": "45"}, "GET"), RetryAfter: ra(45 * time.Second)}, true, 45 * time.Second, true},
		{"abuse reset ignored while budget left", &github.AbuseRateLimitError{Response: resp(403, map[string]string{"X-RateLimit-Reset": strconv.FormatInt(now.Add(50*time.Minute).Unix(), 10), "X-RateLimit-Remaining": "4000"}, "GET")}, true, time.Minute, true},
		{"abuse reset when budget spent", &github.AbuseRateLimitError{Response: resp(403, map[string]string{"X-RateLimit-Reset": strconv.FormatInt(now.Add(2*time.Minute).Unix(), 10), "X-RateLimit-Remaining": "0"}, "GET")}, true, 2*time.Minute + time.Second, true},
		{"primary", &github.RateLimitError{Response: resp(403, nil, "GET"), Rate: github.Rate{Reset: github.Timestamp{Time: now.Add(5 * time.Minute)}}}, true, 5*time.Minute + time.Second, true},
		{"primary too long", &github.RateLimitError{Response: resp(403, nil, "GET"), Rate: github.Rate{Reset: github.Timestamp{Time: now.Add(time.Hour)}}}, false, 0, false},
		{"accepted", &github.AcceptedError{}, true, 0, false},
		{"reset", &url.Error{Op: "Post", URL: "https://uploads.github.com/x", Err: syscall.ECONNRESET}, true, 0, false},
		{"unexpected EOF", fmt.Errorf("wrapped: %w", io.ErrUnexpectedEOF), true, 0, false},
		{"refused", &url.Error{Op: "Get", URL: "u", Err: syscall.ECONNREFUSED}, true, 0, false},
		{"cancelled", fmt.Errorf("x: %w", context.Canceled), false, 0, false},
		{"deadline", context.DeadlineExceeded, false, 0, false},
		{"other", errors.New("x509: certificate signed by unknown authority"), false, 0, false},
		{"retryNow", &retryNow{why: "stale deleted"}, true, -1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := p.classify(tc.err)
			if v.retry != tc.retry || v.wait != tc.wait || v.rateLimit != tc.rateLimit {
				t.Errorf("got %+v, want retry=%v wait=%v rateLimit=%v", v, tc.retry, tc.wait, tc.rateLimit)
			}
		})
	}
}

func TestBackoffGrowsAndCaps(t *testing.T) {
	p := RetryPolicy{BaseDelay: time.Second, MaxDelay: 10 * time.Second, NoJitter: true}.withDefaults()
	want := []time.Duration{1, 2, 4, 8, 10, 10}
	for i, w := range want {
		if got := p.backoff(i + 1); got != w*time.Second {
			t.Errorf("attempt %d: %v, want %v", i+1, got, w*time.Second)
		}
	}
	p.NoJitter = false
	for range 100 {
		if d := p.backoff(3); d < 2*time.Second || d > 4*time.Second {
			t.Fatalf("jittered backoff %v outside [2s,4s]", d)
		}
	}
}

func TestRedactHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(&redactHandler{inner: slog.NewTextHandler(&buf, nil), r: redactor{token: testToken}})
	log.With("hdr", "Bearer "+testToken).WithGroup("g").Info("msg "+testToken,
		"s", testToken, "err", errors.New("boom "+testToken), "any", struct{ T string }{testToken},
		slog.Group("nested", "x", testToken))
	out := buf.String()
	if strings.Contains(out, testToken) {
		t.Fatalf("token in log: %s", out)
	}
	if strings.Count(out, redacted) != 6 {
		t.Errorf("want 6 redactions: %s", out)
	}
}

func TestAssetsFromArtifacts(t *testing.T) {
	root := t.TempDir()
	dist := filepath.Join(root, "dist")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dist, "sub"), 0o755))
	for _, f := range []string{"a.zip", "checksums.txt", "a.msi", "a.zip.sig", "sub/extra.json", "app.exe"} {
		must(os.WriteFile(filepath.Join(dist, f), []byte(f), 0o644))
	}
	abs := filepath.Join(dist, "a.msi")
	arts := `[
 {"name":"a.zip","path":"dist/a.zip","goos":"windows","goarch":"amd64","internal_type":1,"type":"Archive"},
 {"name":"a.zip","path":"dist/a.zip","type":"Archive"},
 {"name":"checksums.txt","path":"checksums.txt","type":"Checksum"},
 {"name":"a.msi","path":"` + abs + `","type":"MSI"},
 {"name":"a.zip.sig","path":"dist/a.zip.sig","type":"Signature"},
 {"name":"extra.json","path":"dist/sub/extra.json","type":"File","extra":{"upload":true}},
 {"name":"app.exe","path":"dist/app.exe","type":"Binary"},
 {"name":"meta.json","path":"dist/metadata.json","type":"Metadata"}
]`
	must(os.WriteFile(filepath.Join(dist, "artifacts.json"), []byte(arts), 0o644))
	got, err := AssetsFromArtifacts(dist)
	must(err)
	want := []Asset{
		{"a.msi", abs},
		{"a.zip", filepath.Join(dist, "a.zip")},
		{"a.zip.sig", filepath.Join(dist, "a.zip.sig")},
		{"checksums.txt", filepath.Join(dist, "checksums.txt")},
		{"extra.json", filepath.Join(dist, "sub/extra.json")},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}

	// A dist folder deeper in the project ("build/dist") still resolves.
	deep := filepath.Join(root, "build", "dist")
	must(os.MkdirAll(deep, 0o755))
	must(os.WriteFile(filepath.Join(deep, "b.zip"), []byte("b"), 0o644))
	must(os.WriteFile(filepath.Join(deep, "artifacts.json"), []byte(`[{"name":"b.zip","path":"build/dist/b.zip","type":"Archive"}]`), 0o644))
	if got, err := AssetsFromArtifacts(deep); err != nil || len(got) != 1 || got[0].Path != filepath.Join(deep, "b.zip") {
		t.Errorf("deep dist: %v %v", got, err)
	}

	bad := map[string]string{
		"missing file": `[{"name":"x.zip","path":"dist/x.zip","type":"Archive"}]`,
		"name clash":   `[{"name":"a.zip","path":"dist/a.zip","type":"Archive"},{"name":"a.zip","path":"dist/a.msi","type":"MSI"}]`,
		"not json":     `{`,
	}
	for name, content := range bad {
		must(os.WriteFile(filepath.Join(dist, "artifacts.json"), []byte(content), 0o644))
		if _, err := AssetsFromArtifacts(dist); err == nil {
			t.Errorf("%s: want error", name)
		}
	}
}
