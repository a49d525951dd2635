package publish

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/fakegithub"
)

// perAsset applies f to the first attempts uploads of every asset.
func perAsset(f fakegithub.Fault, attempts int) fakegithub.FaultFunc {
	var mu sync.Mutex
	seen := map[string]int{}
	return func(r fakegithub.Request) *fakegithub.Fault {
		if r.Route != "POST upload" {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		seen[r.Asset]++
		if seen[r.Asset] <= attempts {
			f := f
			return &f
		}
		return nil
	}
}

// firstN applies f to the first n requests matching route ("" = any).
func firstN(route string, n int, f fakegithub.Fault) fakegithub.FaultFunc {
	var mu sync.Mutex
	count := 0
	return func(r fakegithub.Request) *fakegithub.Fault {
		if route != "" && r.Route != route {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		count++
		if count <= n {
			f := f
			return &f
		}
		return nil
	}
}

func TestPublishFaults(t *testing.T) {
	tests := []struct {
		name   string
		faults fakegithub.FaultFunc
		// minSleep, when set, must appear among the retry waits: the
		// server-requested wait was honoured.
		minSleep time.Duration
		// wantAlready counts uploads accepted via 422 already_exists.
		wantInjected bool
	}{
		{name: "no faults"},
		{name: "5xx burst on uploads", faults: firstN("POST upload", 5, fakegithub.Fault{Status: 503}), wantInjected: true},
		{name: "502 html on create", faults: firstN("POST releases", 2, fakegithub.Fault{Status: 502}), wantInjected: true},
		{name: "500 on publish", faults: firstN("PATCH release", 3, fakegithub.Fault{Status: 500}), wantInjected: true},
		{name: "connection reset mid-upload", faults: perAsset(fakegithub.Fault{ResetConn: true, ResetAfterBytes: 1000}, 1), wantInjected: true},
		{name: "reset leaves starter asset", faults: perAsset(fakegithub.Fault{ResetConn: true, ResetAfterBytes: 4096, LeaveStarter: true}, 1), wantInjected: true},
		{name: "upload response lost", faults: perAsset(fakegithub.Fault{DropResponse: true}, 1), wantInjected: true},
		{name: "create response lost", faults: firstN("POST releases", 1, fakegithub.Fault{DropResponse: true}), wantInjected: true},
		{name: "publish response lost", faults: firstN("PATCH release", 1, fakegithub.Fault{DropResponse: true}), wantInjected: true},
		{name: "reset on list", faults: firstN("GET releases", 2, fakegithub.Fault{ResetConn: true}), wantInjected: true},
		{name: "secondary rate limit with Retry-After", faults: firstN("", 3, fakegithub.Fault{SecondaryRateLimit: true, RetryAfter: 7 * time.Second}), minSleep: 7 * time.Second, wantInjected: true},
		{name: "secondary rate limit without Retry-After", faults: firstN("POST upload", 1, fakegithub.Fault{SecondaryRateLimit: true}), minSleep: time.Minute, wantInjected: true},
		{name: "primary rate limit until reset", faults: firstN("POST upload", 2, fakegithub.Fault{PrimaryRateLimit: true, ResetIn: 90 * time.Second}), minSleep: 90 * time.Second, wantInjected: true},
		{name: "429 with Retry-After", faults: firstN("GET assets", 1, fakegithub.Fault{Status: 429, RetryAfter: 3 * time.Second}), minSleep: 3 * time.Second, wantInjected: true},
		{name: "every upload fails twice", faults: perAsset(fakegithub.Fault{Status: 500}, 2), wantInjected: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envConfig{n: 6, size: 64 << 10})
			e.srv.SetFaults(tc.faults)
			res, err := Publish(context.Background(), e.options())
			if err != nil {
				t.Fatalf("Publish: %v\nlogs:\n%s", err, e.logs)
			}
			e.checkComplete(t)
			if !res.Published || !res.Created {
				t.Errorf("result Published=%v Created=%v, want both", res.Published, res.Created)
			}
			if got := e.srv.Count(injected); tc.wantInjected && got == 0 {
				t.Errorf("no fault was injected; the case tests nothing")
			}
			if tc.minSleep > 0 {
				sleeps := e.clock.Sleeps()
				if !slices.ContainsFunc(sleeps, func(d time.Duration) bool { return d >= tc.minSleep }) {
					t.Errorf("no retry wait >= %s; waits: %v", tc.minSleep, sleeps)
				}
				if slices.ContainsFunc(sleeps, func(d time.Duration) bool { return d > tc.minSleep+2*time.Second }) {
					t.Errorf("waited longer than asked (%s): %v", tc.minSleep, sleeps)
				}
			}
		})
	}
}

func TestPublishGivesUpOnPersistentFailure(t *testing.T) {
	e := newEnv(t, envConfig{n: 3, size: 1024})
	e.srv.SetFaults(func(r fakegithub.Request) *fakegithub.Fault {
		if r.Route == "POST upload" && strings.HasSuffix(r.Asset, "_01.zip") {
			return &fakegithub.Fault{Status: 503}
		}
		return nil
	})
	opts := e.options()
	opts.Retry.MaxAttempts = 4
	res, err := Publish(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "giving up after 4 attempts") {
		t.Fatalf("want give-up error, got %v", err)
	}
	if res.Published {
		t.Errorf("published despite failed upload")
	}
	rels := e.srv.Releases(owner, repo)
	if len(rels) != 1 || !rels[0].Draft {
		t.Fatalf("want one draft release, got %+v", rels)
	}
	if len(rels[0].Assets) != 2 {
		t.Errorf("other uploads should still complete: got %d assets", len(rels[0].Assets))
	}
	if got := e.srv.Count(func(r fakegithub.Record) bool { return r.Route == "POST upload" && r.Status == 503 }); got != 4 {
		t.Errorf("failing asset attempted %d times, want 4", got)
	}
	// The re-run without faults finishes the job.
	e.srv.SetFaults(nil)
	if _, err := Publish(context.Background(), e.options()); err != nil {
		t.Fatal(err)
	}
	e.checkComplete(t)
}

func TestPublishResumesAfterCancel(t *testing.T) {
	const n = 8
	e := newEnv(t, envConfig{n: n, size: 256 << 10})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	started := 0
	// Cancel as the 5th upload arrives: four are done or in flight.
	e.srv.SetFaults(func(r fakegithub.Request) *fakegithub.Fault {
		if r.Route == "POST upload" {
			mu.Lock()
			started++
			if started == n/2+1 {
				cancel()
			}
			mu.Unlock()
		}
		return nil
	})
	opts := e.options()
	opts.Concurrency = 2
	res, err := Publish(ctx, opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	rels := e.srv.Releases(owner, repo)
	if len(rels) != 1 || !rels[0].Draft {
		t.Fatalf("after cancel want one draft, got %+v", rels)
	}
	first := len(rels[0].Assets)
	if first == 0 || first >= n {
		t.Fatalf("cancel should leave a partial release, got %d of %d assets", first, n)
	}
	t.Logf("first run: %d uploaded (%v)", first, res.Uploaded)

	e.srv.SetFaults(nil)
	// Count on the client side: an upload the cancelled run had already
	// pushed into the socket may still reach the server now.
	ct := &countingTransport{}
	opts = e.options()
	opts.HTTPClient = &http.Client{Transport: ct}
	res, err = Publish(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	e.checkComplete(t)
	if res.Created {
		t.Errorf("second run created a new release instead of resuming")
	}
	// An upload whose body was already sent when the run was cancelled
	// may still land, so the second run can find one more than counted.
	if len(res.Skipped) < first || len(res.Uploaded)+len(res.Skipped) != n {
		t.Errorf("second run uploaded %d, skipped %d; first run had %d", len(res.Uploaded), len(res.Skipped), first)
	}
	if got := ct.uploads(); got != len(res.Uploaded) {
		t.Errorf("%d upload requests for %d uploads\n%s", got, len(res.Uploaded), e.logs)
	}
}

func TestPublishRerunIsNoop(t *testing.T) {
	for _, omit := range []bool{false, true} {
		t.Run(map[bool]string{false: "digest", true: "no digest"}[omit], func(t *testing.T) {
			e := newEnv(t, envConfig{n: 4, size: 2048, omitDigest: omit})
			if _, err := Publish(context.Background(), e.options()); err != nil {
				t.Fatal(err)
			}
			e.srv.ResetRecords()
			var out bytes.Buffer
			opts := e.options()
			opts.Out = &out
			res, err := Publish(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			e.checkComplete(t)
			if !res.AlreadyComplete || res.Published || len(res.Uploaded) != 0 || len(res.Skipped) != 4 {
				t.Errorf("re-run result %+v", res)
			}
			if got := e.srv.Count(mutating); got != 0 {
				t.Errorf("re-run made %d mutating requests", got)
			}
			if !strings.Contains(out.String(), "already published and complete") {
				t.Errorf("output %q", out.String())
			}
		})
	}
}

func TestPublishReplacesMismatched(t *testing.T) {
	for _, omit := range []bool{false, true} {
		t.Run(map[bool]string{false: "digest", true: "no digest, download"}[omit], func(t *testing.T) {
			e := newEnv(t, envConfig{n: 4, size: 4096, omitDigest: omit})
			names := slices.Sorted(func(yield func(string) bool) {
				for k := range e.want {
					if !yield(k) {
						return
					}
				}
			})
			corrupt := bytes.Clone(e.want[names[0]])
			corrupt[100] ^= 0xff // same size, different bytes
			id := e.srv.AddRelease(owner, repo, fakegithub.Release{TagName: e.tag, Name: e.tag, Draft: true, Assets: []fakegithub.Asset{
				{Name: names[0], Data: corrupt},
				{Name: names[1], Data: e.want[names[1]]},
				{Name: names[2], Data: e.want[names[2]][:10], State: "starter"},
				{Name: "unrelated.txt", Data: []byte("kept")},
			}})
			e.want["unrelated.txt"] = []byte("kept")
			e.srv.Expect(owner, repo, e.tag, e.want)
			res, err := Publish(context.Background(), e.options())
			if err != nil {
				t.Fatalf("%v\n%s", err, e.logs)
			}
			rel := e.checkComplete(t)
			if rel.ID != id || res.Created {
				t.Errorf("did not reuse the existing draft")
			}
			if !slices.Equal(res.Skipped, names[1:2]) || !slices.Equal(res.Replaced, []string{names[0], names[2]}) {
				t.Errorf("skipped %v replaced %v", res.Skipped, res.Replaced)
			}
			downloads := e.srv.Count(func(r fakegithub.Record) bool { return r.Route == "GET asset" })
			if omit && downloads == 0 {
				t.Errorf("without digest the existing assets must be downloaded and hashed")
			}
			if !omit && downloads != 0 {
				t.Errorf("with digest no download is needed, got %d", downloads)
			}
		})
	}
}

func TestPublishRefusesToReplacePublishedAsset(t *testing.T) {
	e := newEnv(t, envConfig{n: 2, size: 512})
	var other []fakegithub.Asset
	for _, a := range e.assets {
		d := bytes.Clone(e.want[a.Name])
		d[0] ^= 1
		other = append(other, fakegithub.Asset{Name: a.Name, Data: d})
	}
	e.srv.AddRelease(owner, repo, fakegithub.Release{TagName: e.tag, Assets: other})
	e.srv.ResetRecords()
	_, err := Publish(context.Background(), e.options())
	if err == nil || !strings.Contains(err.Error(), "refusing to replace") {
		t.Fatalf("want refusal, got %v", err)
	}
	if got := e.srv.Count(mutating); got != 0 {
		t.Errorf("%d mutating requests", got)
	}
}

func TestPublishFindsDraftAmongManyReleases(t *testing.T) {
	e := newEnv(t, envConfig{n: 2, size: 100})
	// Releases list newest first, so 150 newer ones push the draft onto
	// the second page of 100.
	id := e.srv.AddRelease(owner, repo, fakegithub.Release{TagName: e.tag, Draft: true})
	for i := range 150 {
		e.srv.AddRelease(owner, repo, fakegithub.Release{TagName: fmt.Sprintf("v0.%d.0", i)})
	}
	res, err := Publish(context.Background(), e.options())
	if err != nil {
		t.Fatal(err)
	}
	if res.ReleaseID != id || res.Created {
		t.Errorf("got release %d (created=%v), want existing draft %d", res.ReleaseID, res.Created, id)
	}
	if got := e.srv.Count(func(r fakegithub.Record) bool { return r.Route == "GET releases" }); got < 2 {
		t.Errorf("listed %d pages, want pagination", got)
	}
	e.checkComplete(t)
}

func TestPublishDryRun(t *testing.T) {
	tests := []struct {
		name      string
		seed      func(e *env)
		token     string
		wantSteps []string // action prefixes in order
		wantReqs  bool
	}{
		{name: "new release", token: testToken, wantSteps: []string{"create-release", "upload", "upload", "upload", "publish"}, wantReqs: true},
		{name: "partial draft", token: testToken, seed: func(e *env) {
			e.srv.AddRelease(owner, repo, fakegithub.Release{TagName: e.tag, Draft: true, Assets: []fakegithub.Asset{
				{Name: e.assets[0].Name, Data: e.want[e.assets[0].Name]},
				{Name: e.assets[1].Name, Data: []byte("stale")},
			}})
		}, wantSteps: []string{"skip", "replace", "upload", "publish"}, wantReqs: true},
		{name: "offline without token", wantSteps: []string{"create-release", "upload", "upload", "upload", "publish"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envConfig{n: 3, size: 300})
			if tc.seed != nil {
				tc.seed(e)
			}
			before := e.srv.Releases(owner, repo)
			e.srv.ResetRecords()
			var out bytes.Buffer
			opts := e.options()
			opts.DryRun, opts.Out = true, &out
			opts.Getenv = envMap(map[string]string{"GITHUB_TOKEN": tc.token})
			res, err := Publish(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range res.Plan {
				got = append(got, s.Action)
			}
			if !slices.Equal(got, tc.wantSteps) {
				t.Errorf("plan %v, want %v\n%s", got, tc.wantSteps, out.String())
			}
			if n := e.srv.Count(mutating); n != 0 {
				t.Errorf("dry run made %d mutating requests", n)
			}
			if n := len(e.srv.Records()); (n > 0) != tc.wantReqs {
				t.Errorf("dry run made %d requests, want some: %v", n, tc.wantReqs)
			}
			if after := e.srv.Releases(owner, repo); len(after) != len(before) {
				t.Errorf("release count changed %d -> %d", len(before), len(after))
			}
			if !strings.Contains(out.String(), "dry run: acme/widget v1.2.3") {
				t.Errorf("plan output:\n%s", out.String())
			}
		})
	}
}

func TestPublishPrerelease(t *testing.T) {
	e := newEnv(t, envConfig{n: 1, size: 10, tag: "v2.0.0-rc.1"})
	if _, err := Publish(context.Background(), e.options()); err != nil {
		t.Fatal(err)
	}
	rel := e.checkComplete(t)
	if !rel.Prerelease || rel.Body != "Fixed things." || rel.Name != "v2.0.0-rc.1" {
		t.Errorf("release %+v", rel)
	}
}

func TestPublishMissingToken(t *testing.T) {
	e := newEnv(t, envConfig{n: 1, size: 10})
	opts := e.options()
	opts.Getenv = envMap(nil)
	_, err := Publish(context.Background(), opts)
	if !errors.Is(err, ErrNoToken) {
		t.Fatalf("want ErrNoToken, got %v", err)
	}
	if len(e.srv.Records()) != 0 {
		t.Errorf("requests sent without a token")
	}
}

// TestTokenNeverLeaks captures everything a run prints, logs and returns,
// with debug logging on, and checks the token appears nowhere, including
// on authentication failures and when a server echoes the Authorization
// header back in its error message.
func TestTokenNeverLeaks(t *testing.T) {
	echo := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"message":"Bad credentials: got ` + r.Header.Get("Authorization") + `"}`))
	}
	echo500 := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"message":"upstream said ` + r.Header.Get("Authorization") + `"}`))
	}
	tests := []struct {
		name      string
		server    string // fake token; "" = correct
		handler   http.HandlerFunc
		faults    fakegithub.FaultFunc
		wantErr   bool
		wantInErr string
		dry       bool
	}{
		{name: "success with retries", faults: perAsset(fakegithub.Fault{Status: 502}, 1)},
		{name: "401 bad credentials", server: "ghp_other", wantErr: true, wantInErr: "401 Bad credentials"},
		{name: "server echoes header (401)", handler: echo, wantErr: true, wantInErr: "[REDACTED]"},
		{name: "server echoes header (500, retried)", handler: echo500, wantErr: true, wantInErr: "giving up"},
		{name: "dry run", dry: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envConfig{n: 3, size: 1000})
			opts := e.options()
			if tc.server != "" {
				srv := fakegithub.New(fakegithub.Config{Token: tc.server, Repos: []string{owner + "/" + repo}})
				defer srv.Close()
				opts.BaseURL, opts.UploadURL = srv.BaseURL(), srv.UploadURL()
			}
			if tc.handler != nil {
				srv := httptest.NewServer(tc.handler)
				defer srv.Close()
				opts.BaseURL, opts.UploadURL = srv.URL+"/", srv.URL+"/api/uploads/"
				opts.Retry.MaxAttempts = 3
			}
			e.srv.SetFaults(tc.faults)
			var out bytes.Buffer
			var jsonLogs syncBuffer
			opts.Out, opts.DryRun = &out, tc.dry
			opts.Logger = slogJSON(&jsonLogs)
			res, err := Publish(context.Background(), opts)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			errText := ""
			if err != nil {
				errText = err.Error() + " | " + errors.Unwrap(err).Error()
				if !strings.Contains(errText, tc.wantInErr) {
					t.Errorf("error %q lacks %q", errText, tc.wantInErr)
				}
			}
			everything := strings.Join([]string{out.String(), jsonLogs.String(), errText, stepsText(res)}, "\n")
			if strings.Contains(everything, testToken) || strings.Contains(everything, "SECRETTOKEN") {
				t.Fatalf("token leaked:\n%s", everything)
			}
			if jsonLogs.String() == "" {
				t.Errorf("nothing was logged; the check is vacuous")
			}
		})
	}
}

type countingTransport struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[r.Method+" "+r.URL.Path]++
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (c *countingTransport) uploads() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	total := 0
	for k, v := range c.n {
		if strings.HasPrefix(k, "POST /api/uploads/") {
			total += v
		}
	}
	return total
}

func slogJSON(w *syncBuffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func stepsText(r Result) string {
	var b strings.Builder
	for _, s := range r.Plan {
		b.WriteString(s.String() + "\n")
	}
	return b.String() + r.URL
}
