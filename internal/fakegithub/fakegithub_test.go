package fakegithub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v57/github"
)

const tok = "ghp_test"

func client(t *testing.T, s *Server, token string) *github.Client {
	t.Helper()
	c := github.NewClient(nil)
	if token != "" {
		c = c.WithAuthToken(token)
	}
	var err error
	c.BaseURL, err = url.Parse(s.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	c.UploadURL, _ = url.Parse(s.UploadURL())
	return c
}

func tempFile(t *testing.T, name, content string) *os.File {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestReleaseLifecycle(t *testing.T) {
	s := New(Config{Token: tok, Repos: []string{"o/r"}})
	defer s.Close()
	c := client(t, s, tok)
	ctx := context.Background()

	rel, r, err := c.Repositories.CreateRelease(ctx, "o", "r", &github.RepositoryRelease{TagName: github.String("v1.0.0"), Draft: github.Bool(true)})
	if err != nil || r.StatusCode != 201 {
		t.Fatalf("create: %v %v", err, r)
	}
	if r.Header.Get("X-GitHub-Request-Id") == "" || r.Rate.Limit != 5000 || r.Rate.Remaining <= 0 {
		t.Errorf("headers: %v rate %+v", r.Header, r.Rate)
	}
	if !strings.Contains(rel.GetUploadURL(), "/api/uploads/repos/o/r/releases/") || rel.PublishedAt != nil {
		t.Errorf("release json: %+v", rel)
	}
	// Drafts are not found by tag, like on GitHub.
	if _, _, err := c.Repositories.GetReleaseByTag(ctx, "o", "r", "v1.0.0"); !isStatus(err, 404) {
		t.Errorf("draft by tag: %v", err)
	}
	// Unauthenticated clients do not see drafts.
	list, _, err := client(t, s, "").Repositories.ListReleases(ctx, "o", "r", nil)
	if err != nil || len(list) != 0 {
		t.Errorf("anonymous list: %v %d", err, len(list))
	}

	a, r, err := c.Repositories.UploadReleaseAsset(ctx, "o", "r", rel.GetID(), &github.UploadOptions{Name: "a.zip"}, tempFile(t, "a.zip", "hello"))
	if err != nil || r.StatusCode != 201 || a.GetSize() != 5 || a.GetState() != "uploaded" || a.GetContentType() != "application/zip" {
		t.Fatalf("upload: %v %+v", err, a)
	}
	_, _, err = c.Repositories.UploadReleaseAsset(ctx, "o", "r", rel.GetID(), &github.UploadOptions{Name: "a.zip"}, tempFile(t, "a.zip", "again"))
	var er *github.ErrorResponse
	if !errors.As(err, &er) || er.Response.StatusCode != 422 || er.Message != "Validation Failed" ||
		len(er.Errors) != 1 || er.Errors[0].Code != "already_exists" || er.Errors[0].Resource != "ReleaseAsset" || er.Errors[0].Field != "name" {
		t.Errorf("duplicate upload: %v", err)
	}

	// Raw JSON carries the digest go-github v57 does not model.
	req, _ := c.NewRequest("GET", fmt.Sprintf("repos/o/r/releases/%d/assets", rel.GetID()), nil)
	var raw []map[string]any
	if _, err := c.Do(ctx, req, &raw); err != nil {
		t.Fatal(err)
	}
	if raw[0]["digest"] != "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" {
		t.Errorf("digest: %v", raw[0]["digest"])
	}

	// Downloads redirect to another host, which rejects the token.
	rc, redirect, err := c.Repositories.DownloadReleaseAsset(ctx, "o", "r", a.GetID(), nil)
	if err != nil || rc != nil || !strings.Contains(redirect, "/objects/") || strings.HasPrefix(redirect, s.URL) {
		t.Fatalf("download redirect: %v %q", err, redirect)
	}
	body := get(t, redirect, "")
	if body != "hello" {
		t.Errorf("object body %q", body)
	}
	if got := get(t, redirect, "Bearer "+tok); !strings.Contains(got, "Only one auth mechanism") {
		t.Errorf("object with auth: %q", got)
	}

	pub, _, err := c.Repositories.EditRelease(ctx, "o", "r", rel.GetID(), &github.RepositoryRelease{Draft: github.Bool(false)})
	if err != nil || pub.GetDraft() || pub.PublishedAt == nil {
		t.Fatalf("publish: %v %+v", err, pub)
	}
	if got, _, err := c.Repositories.GetReleaseByTag(ctx, "o", "r", "v1.0.0"); err != nil || got.GetID() != rel.GetID() || len(got.Assets) != 1 {
		t.Errorf("by tag after publish: %v %+v", err, got)
	}
	if _, err := c.Repositories.DeleteReleaseAsset(ctx, "o", "r", a.GetID()); err != nil {
		t.Errorf("delete asset: %v", err)
	}
	if _, err := c.Repositories.DeleteReleaseAsset(ctx, "o", "r", a.GetID()); !isStatus(err, 404) {
		t.Errorf("delete again: %v", err)
	}
}

func get(t *testing.T, u, auth string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func isStatus(err error, code int) bool {
	var er *github.ErrorResponse
	return errors.As(err, &er) && er.Response.StatusCode == code
}

func TestAuth(t *testing.T) {
	s := New(Config{Token: tok, Repos: []string{"o/r"}})
	defer s.Close()
	tests := []struct {
		header string
		code   int
		msg    string
	}{
		{"Bearer " + tok, 201, ""},
		{"token " + tok, 201, ""},
		{"Bearer wrong", 401, "Bad credentials"},
		{"Basic " + tok, 401, "Bad credentials"},
		{"", 401, "Requires authentication"},
	}
	for _, tc := range tests {
		req, _ := http.NewRequest("POST", s.URL+"/repos/o/r/releases", strings.NewReader(`{"tag_name":"v1.0.0","draft":true}`))
		if tc.header != "" {
			req.Header.Set("Authorization", tc.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Message string }
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != tc.code || body.Message != tc.msg && tc.msg != "" {
			t.Errorf("%q: %d %q, want %d %q", tc.header, resp.StatusCode, body.Message, tc.code, tc.msg)
		}
	}
	// Unknown repositories are 404 even with a valid token.
	c := client(t, s, tok)
	if _, _, err := c.Repositories.ListReleases(context.Background(), "o", "nope", nil); !isStatus(err, 404) {
		t.Errorf("unknown repo: %v", err)
	}
}

func TestPagination(t *testing.T) {
	s := New(Config{Token: tok, Repos: []string{"o/r"}})
	defer s.Close()
	for i := range 7 {
		s.AddRelease("o", "r", Release{TagName: fmt.Sprintf("v1.0.%d", i)})
	}
	c := client(t, s, tok)
	var tags []string
	opt := &github.ListOptions{PerPage: 3}
	pages := 0
	for {
		list, resp, err := c.Repositories.ListReleases(context.Background(), "o", "r", opt)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if pages == 1 && (resp.LastPage != 3 || resp.NextPage != 2 || !strings.Contains(resp.Header.Get("Link"), `rel="next"`)) {
			t.Errorf("first page links: %q", resp.Header.Get("Link"))
		}
		for _, r := range list {
			tags = append(tags, r.GetTagName())
		}
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	if pages != 3 || strings.Join(tags, ",") != "v1.0.6,v1.0.5,v1.0.4,v1.0.3,v1.0.2,v1.0.1,v1.0.0" {
		t.Errorf("%d pages: %v", pages, tags)
	}
}

func TestFaults(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		fault Fault
		check func(t *testing.T, err error, s *Server, relID int64)
	}{
		{"503", Fault{Status: 503}, func(t *testing.T, err error, s *Server, _ int64) {
			if !isStatus(err, 503) {
				t.Errorf("err %v", err)
			}
		}},
		{"502 html", Fault{Status: 502}, func(t *testing.T, err error, s *Server, _ int64) {
			if !isStatus(err, 502) {
				t.Errorf("err %v", err)
			}
		}},
		{"secondary", Fault{SecondaryRateLimit: true, RetryAfter: 9 * time.Second}, func(t *testing.T, err error, s *Server, _ int64) {
			var ae *github.AbuseRateLimitError
			if !errors.As(err, &ae) || ae.RetryAfter == nil || *ae.RetryAfter != 9*time.Second || !strings.Contains(ae.Message, "secondary rate limit") {
				t.Errorf("err %#v", err)
			}
		}},
		{"primary", Fault{PrimaryRateLimit: true, ResetIn: time.Minute}, func(t *testing.T, err error, s *Server, _ int64) {
			var rl *github.RateLimitError
			if !errors.As(err, &rl) || rl.Rate.Remaining != 0 {
				t.Errorf("err %#v", err)
			}
		}},
		{"reset mid-upload leaves starter", Fault{ResetConn: true, ResetAfterBytes: 3, LeaveStarter: true}, func(t *testing.T, err error, s *Server, relID int64) {
			if err == nil {
				t.Fatal("upload succeeded through a reset")
			}
			a := s.Releases("o", "r")[0].Assets
			if len(a) != 1 || a[0].State != "starter" || string(a[0].Data) != "hel" {
				t.Errorf("assets %+v", a)
			}
		}},
		{"dropped response", Fault{DropResponse: true}, func(t *testing.T, err error, s *Server, relID int64) {
			if err == nil {
				t.Fatal("no error although the response was dropped")
			}
			a := s.Releases("o", "r")[0].Assets
			if len(a) != 1 || a[0].State != "uploaded" {
				t.Errorf("assets %+v", a)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Config{Token: tok, Repos: []string{"o/r"}})
			defer s.Close()
			id := s.AddRelease("o", "r", Release{TagName: "v1.0.0", Draft: true})
			s.SetFaults(func(r Request) *Fault {
				if r.Route == "POST upload" {
					f := tc.fault
					return &f
				}
				return nil
			})
			_, _, err := client(t, s, tok).Repositories.UploadReleaseAsset(ctx, "o", "r", id, &github.UploadOptions{Name: "a.zip"}, tempFile(t, "a.zip", "hello world"))
			tc.check(t, err, s, id)
			if n := s.Count(func(r Record) bool { return r.Fault != "" }); n != 1 {
				t.Errorf("%d faulted records", n)
			}
		})
	}
}

func TestObserverFlagsIncompletePublish(t *testing.T) {
	s := New(Config{Token: tok, Repos: []string{"o/r"}})
	defer s.Close()
	id := s.AddRelease("o", "r", Release{TagName: "v1.0.0", Draft: true, Assets: []Asset{{Name: "a.zip", Data: []byte("a")}}})
	s.Expect("o", "r", "v1.0.0", map[string][]byte{"a.zip": []byte("a"), "b.zip": []byte("b")})
	if v := s.Violations(); len(v) != 0 {
		t.Fatalf("draft flagged: %v", v)
	}
	c := client(t, s, tok)
	if _, _, err := c.Repositories.EditRelease(context.Background(), "o", "r", id, &github.RepositoryRelease{Draft: github.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	v := s.Violations()
	if len(v) != 1 || !strings.Contains(v[0], `"b.zip"`) {
		t.Errorf("violations %v", v)
	}
}
