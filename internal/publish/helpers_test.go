package publish

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/fakegithub"
)

const (
	testToken = "ghp_SECRETTOKEN123"
	owner     = "acme"
	repo      = "widget"
)

// fakeClock makes retry waits instant while keeping their arithmetic:
// Sleep advances Now, so Retry-After and X-RateLimit-Reset are honoured
// in simulated time and recorded for assertions.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.sleeps = append(c.sleeps, d)
	return nil
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// env is one fake GitHub plus a set of local asset files.
type env struct {
	srv    *fakegithub.Server
	clock  *fakeClock
	assets []Asset
	want   map[string][]byte
	logs   *syncBuffer
	tag    string
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type envConfig struct {
	n, size    int
	omitDigest bool
	tag        string
	seed       uint64
}

func newEnv(tb testing.TB, cfg envConfig) *env {
	tb.Helper()
	if cfg.tag == "" {
		cfg.tag = "v1.2.3"
	}
	clock := newFakeClock()
	srv := fakegithub.New(fakegithub.Config{
		Token: testToken, Repos: []string{owner + "/" + repo},
		OmitDigest: cfg.omitDigest, Now: clock.Now,
	})
	tb.Cleanup(srv.Close)
	dir := tb.TempDir()
	rng := rand.New(rand.NewPCG(cfg.seed, 42))
	e := &env{srv: srv, clock: clock, want: map[string][]byte{}, logs: &syncBuffer{}, tag: cfg.tag}
	for i := range cfg.n {
		name := fmt.Sprintf("widget_1.2.3_windows_%02d.zip", i)
		data := make([]byte, cfg.size+i) // distinct sizes catch mix-ups
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			tb.Fatal(err)
		}
		e.assets = append(e.assets, Asset{Name: name, Path: p})
		e.want[name] = data
	}
	srv.Expect(owner, repo, cfg.tag, e.want)
	return e
}

func (e *env) options() Options {
	return Options{
		Owner: owner, Repo: repo, Tag: e.tag,
		Assets:    e.assets,
		Notes:     "Fixed things.",
		BaseURL:   e.srv.BaseURL(),
		UploadURL: e.srv.UploadURL(),
		Getenv:    envMap(map[string]string{"GITHUB_TOKEN": testToken}),
		Logger:    slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Retry:     RetryPolicy{Sleep: e.clock.Sleep, Now: e.clock.Now},
	}
}

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// checkComplete asserts the end state every successful run must reach:
// one release for the tag, published, holding each asset exactly once
// with the right bytes, and never observed published while incomplete.
func (e *env) checkComplete(tb testing.TB) fakegithub.Release {
	tb.Helper()
	var rels []fakegithub.Release
	for _, r := range e.srv.Releases(owner, repo) {
		if r.TagName == e.tag {
			rels = append(rels, r)
		}
	}
	if len(rels) != 1 {
		tb.Fatalf("want 1 release for %s, got %d", e.tag, len(rels))
	}
	rel := rels[0]
	if rel.Draft {
		tb.Errorf("release is still a draft")
	}
	count := map[string]int{}
	for _, a := range rel.Assets {
		count[a.Name]++
		want, ok := e.want[a.Name]
		switch {
		case !ok:
			tb.Errorf("unexpected asset %q", a.Name)
		case a.State != "uploaded":
			tb.Errorf("asset %q in state %q", a.Name, a.State)
		case !bytes.Equal(a.Data, want):
			tb.Errorf("asset %q has wrong bytes (%d, want %d)", a.Name, len(a.Data), len(want))
		}
	}
	for name := range e.want {
		if count[name] != 1 {
			tb.Errorf("asset %q present %d times, want 1", name, count[name])
		}
	}
	if v := e.srv.Violations(); len(v) > 0 {
		tb.Errorf("release visible as published while incomplete:\n%v", v)
	}
	return rel
}

func mutating(r fakegithub.Record) bool { return r.Mutating }
func injected(r fakegithub.Record) bool { return r.Fault != "" }
