// Package fakegithub is an in-process stand-in for the slice of GitHub's
// REST API that release publishing uses (releases, release assets, uploads).
// It mimics GitHub's status codes, JSON error bodies, rate-limit headers and
// Link pagination closely enough that go-github behaves as it does against
// github.com, and it can inject the faults a real publish run meets: 5xx
// bursts, connections reset mid-upload, lost responses and rate limits.
package fakegithub

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Documentation URLs GitHub puts in error bodies; go-github keys its
// rate-limit error types off the secondary one.
const (
	docsSecondary = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
	docsPrimary   = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit"
	docsUpload    = "https://docs.github.com/rest/releases/assets#upload-a-release-asset"
	docsReleases  = "https://docs.github.com/rest/releases/releases"
	docsAuth      = "https://docs.github.com/rest"
)

// Config sets up a Server.
type Config struct {
	// Token is the only credential accepted, as "Bearer <t>" or "token <t>".
	Token string
	// Repos lists the "owner/name" repositories that exist; others are 404.
	Repos []string
	// OmitDigest makes assets carry no "digest" field, like GitHub
	// Enterprise Server releases that predate it.
	OmitDigest bool
	// Now is the clock for timestamps and rate-limit headers.
	Now func() time.Time
}

// Asset is a release asset as the server stores it.
type Asset struct {
	ID          int64
	Name        string
	Label       string
	ContentType string
	// State is "uploaded" for a complete asset; an interrupted upload
	// leaves "starter", which still blocks the name.
	State     string
	Data      []byte
	CreatedAt time.Time
}

// Release is a release as the server stores it.
type Release struct {
	ID         int64
	TagName    string
	Name       string
	Body       string
	Draft      bool
	Prerelease bool
	// TargetCommitish, MakeLatest ("true", "false", "legacy") and
	// DiscussionCategory are what the last create or edit sent.
	TargetCommitish    string
	MakeLatest         string
	DiscussionCategory string
	CreatedAt          time.Time
	PublishedAt        time.Time
	Assets             []Asset
}

// Request describes an incoming request to fault hooks and records.
type Request struct {
	Seq      int // 1-based, across the whole server
	Method   string
	Path     string // with any /api/v3 prefix removed
	Route    string // e.g. "POST upload", "GET releases", "PATCH release"
	Upload   bool
	Asset    string // ?name= of an upload
	Mutating bool
	// Time is when the request arrived, by Config.Now.
	Time time.Time
}

// Fault tells the server to misbehave for one request.
type Fault struct {
	// Status answers with this status (e.g. 500, 502, 503, 429) and a
	// GitHub-like body instead of handling the request.
	Status int
	// RetryAfter adds a Retry-After header (whole seconds) to Status or
	// SecondaryRateLimit answers.
	RetryAfter time.Duration
	// SecondaryRateLimit answers 403 "You have exceeded a secondary rate limit".
	SecondaryRateLimit bool
	// PrimaryRateLimit answers 403 with X-RateLimit-Remaining: 0 and
	// X-RateLimit-Reset at Now()+ResetIn.
	PrimaryRateLimit bool
	ResetIn          time.Duration
	// ResetConn reads ResetAfterBytes of the request body, then aborts the
	// TCP connection (RST) without answering.
	ResetConn       bool
	ResetAfterBytes int64
	// LeaveStarter, with ResetConn on an upload, leaves a half-made asset
	// in state "starter" the way an interrupted GitHub upload does.
	LeaveStarter bool
	// DropResponse handles the request fully, then resets the connection
	// so the client never learns it succeeded.
	DropResponse bool
	// Stall reads StallAfterBytes of the request body, calls OnStall (if
	// set) and then waits until the client goes away, answering nothing:
	// a transfer hanging mid-way, to kill the uploader during. With
	// LeaveStarter on an upload, the half-made asset stays behind.
	Stall           bool
	StallAfterBytes int64
	OnStall         func()
}

// FaultFunc picks a fault for a request; nil means behave.
type FaultFunc func(Request) *Fault

// Record is one request as the server saw it.
type Record struct {
	Request
	Status int    // 0 when the connection was reset
	Fault  string // what was injected, "" if nothing
	// Draft is the "draft" field a create or edit of a release sent (nil
	// when it sent none); Undrafted is set when the request took a
	// release out of draft.
	Draft     *bool
	Undrafted bool
	// Done is when the answer was complete (zero when the connection was
	// reset or the client went away).
	Done time.Time
}

type repoState struct {
	releases map[int64]*Release
}

type expectation struct {
	owner, repo, tag string
	want             map[string][]byte
}

// Server is the fake. All methods are safe for concurrent use.
type Server struct {
	*httptest.Server
	// objects stands in for the storage host downloads redirect to; a
	// separate listener gives it a different host:port, as on GitHub.
	objects *httptest.Server
	cfg     Config
	// closing ends stalled requests when the server shuts down.
	closing   chan struct{}
	closeOnce sync.Once

	mu         sync.Mutex
	repos      map[string]*repoState
	nextID     int64
	seq        int
	records    []*Record
	faults     FaultFunc
	expects    []expectation
	violations []string
}

// New starts a server. Close it when done.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, repos: map[string]*repoState{}, nextID: 1000, closing: make(chan struct{})}
	for _, r := range cfg.Repos {
		s.repos[r] = &repoState{releases: map[int64]*Release{}}
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	s.objects = httptest.NewServer(http.HandlerFunc(s.serveObject))
	return s
}

// Close shuts both listeners down.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
	s.Server.Close()
	s.objects.Close()
}

// BaseURL is the REST API root with a trailing slash, for go-github's BaseURL.
func (s *Server) BaseURL() string { return s.URL + "/" }

// UploadURL is the upload root with a trailing slash, for go-github's UploadURL.
func (s *Server) UploadURL() string { return s.URL + "/api/uploads/" }

// SetFaults installs (or with nil removes) the fault hook.
func (s *Server) SetFaults(f FaultFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// Expect registers the assets a release for tag must hold; from then on,
// any moment the release is published without all of them (uploaded, with
// exactly these bytes) is recorded as a violation.
func (s *Server) Expect(owner, repo, tag string, want map[string][]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := make(map[string][]byte, len(want))
	for k, v := range want {
		w[k] = bytes.Clone(v)
	}
	s.expects = append(s.expects, expectation{owner, repo, tag, w})
	s.observeLocked("expect")
}

// Violations returns every observed "published while incomplete" moment.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.violations)
}

// Records returns every request seen so far, in arrival order.
func (s *Server) Records() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Record, len(s.records))
	for i, r := range s.records {
		out[i] = *r
	}
	return out
}

// Count returns how many recorded requests satisfy keep.
func (s *Server) Count(keep func(Record) bool) int {
	n := 0
	for _, r := range s.Records() {
		if keep(r) {
			n++
		}
	}
	return n
}

// ResetRecords forgets recorded requests (not state).
func (s *Server) ResetRecords() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records = nil
}

// AddRelease seeds a release and returns its ID.
func (s *Server) AddRelease(owner, repo string, rel Release) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.repoLocked(owner, repo)
	s.nextID++
	rel.ID = s.nextID
	if rel.CreatedAt.IsZero() {
		rel.CreatedAt = s.cfg.Now()
	}
	if !rel.Draft && rel.PublishedAt.IsZero() {
		rel.PublishedAt = rel.CreatedAt
	}
	assets := rel.Assets
	rel.Assets = nil
	r := &rel
	st.releases[r.ID] = r
	for _, a := range assets {
		s.addAssetLocked(r, a)
	}
	s.observeLocked("seed")
	return r.ID
}

func (s *Server) addAssetLocked(rel *Release, a Asset) int64 {
	s.nextID++
	a.ID = s.nextID
	if a.State == "" {
		a.State = "uploaded"
	}
	if a.ContentType == "" {
		a.ContentType = "application/octet-stream"
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = s.cfg.Now()
	}
	a.Data = bytes.Clone(a.Data)
	rel.Assets = append(rel.Assets, a)
	return a.ID
}

func (s *Server) repoLocked(owner, repo string) *repoState {
	key := owner + "/" + repo
	st := s.repos[key]
	if st == nil {
		st = &repoState{releases: map[int64]*Release{}}
		s.repos[key] = st
	}
	return st
}

// SetAssetData replaces the bytes of the asset called name on a release,
// as if someone had swapped it behind the publisher's back. It reports
// whether the asset was there.
func (s *Server) SetAssetData(owner, repo string, releaseID int64, name string, data []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	rel := s.repoLocked(owner, repo).releases[releaseID]
	if rel == nil {
		return false
	}
	i := findAsset(rel, name)
	if i < 0 {
		return false
	}
	rel.Assets[i].Data = bytes.Clone(data)
	s.observeLocked("seed")
	return true
}

// Releases returns deep copies of a repository's releases, oldest first.
func (s *Server) Releases(owner, repo string) []Release {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.repos[owner+"/"+repo]
	if st == nil {
		return nil
	}
	var out []Release
	for _, r := range sortedReleases(st, false) {
		c := *r
		c.Assets = nil
		for _, a := range r.Assets {
			a.Data = bytes.Clone(a.Data)
			c.Assets = append(c.Assets, a)
		}
		out = append(out, c)
	}
	return out
}

func sortedReleases(st *repoState, newestFirst bool) []*Release {
	var rs []*Release
	for _, r := range st.releases {
		rs = append(rs, r)
	}
	slices.SortFunc(rs, func(a, b *Release) int {
		if newestFirst {
			return int(b.ID - a.ID)
		}
		return int(a.ID - b.ID)
	})
	return rs
}

// observeLocked checks every expectation after a state change.
func (s *Server) observeLocked(after string) {
	for _, e := range s.expects {
		st := s.repos[e.owner+"/"+e.repo]
		if st == nil {
			continue
		}
		for _, r := range sortedReleases(st, false) {
			if r.TagName != e.tag || r.Draft {
				continue
			}
			for name, data := range e.want {
				if !hasAsset(r, name, data) {
					s.violations = append(s.violations, fmt.Sprintf(
						"after %s: release %d (%s) published without complete asset %q", after, r.ID, r.TagName, name))
				}
			}
		}
	}
}

func hasAsset(r *Release, name string, data []byte) bool {
	for _, a := range r.Assets {
		if a.Name == name && a.State == "uploaded" && bytes.Equal(a.Data, data) {
			return true
		}
	}
	return false
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	upload := false
	switch {
	case strings.HasPrefix(path, "/api/uploads/"):
		path = strings.TrimPrefix(path, "/api/uploads")
		upload = true
	case strings.HasPrefix(path, "/api/v3/"):
		path = strings.TrimPrefix(path, "/api/v3")
	}
	route, params := classify(r.Method, path, upload)

	s.mu.Lock()
	s.seq++
	req := Request{
		Seq: s.seq, Method: r.Method, Path: path, Route: route, Upload: upload,
		Asset: r.URL.Query().Get("name"), Mutating: r.Method != http.MethodGet && r.Method != http.MethodHead,
		Time: s.cfg.Now(),
	}
	var fault *Fault
	if s.faults != nil {
		fault = s.faults(req)
	}
	record := &Record{Request: req, Fault: describe(fault)}
	s.records = append(s.records, record)
	s.mu.Unlock()

	rec := &statusRecorder{ResponseWriter: w, record: record}
	defer func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		record.Status = rec.status
		if rec.status != 0 && r.Context().Err() == nil {
			record.Done = s.cfg.Now()
		}
	}()

	s.setCommonHeaders(w, req.Seq)
	if fault != nil && s.injectFault(rec, r, req, params, fault) {
		return
	}
	s.handle(rec, r, route, params)
}

// statusRecorder remembers the status written, for Records.
type statusRecorder struct {
	http.ResponseWriter
	status int
	// record is the request's log entry, for handlers to annotate (under
	// s.mu); nil for the hidden handling of a DropResponse fault.
	record *Record
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func describe(f *Fault) string {
	switch {
	case f == nil:
		return ""
	case f.DropResponse:
		return "drop-response"
	case f.Stall:
		return "stall"
	case f.ResetConn:
		return "reset"
	case f.SecondaryRateLimit:
		return "secondary-rate-limit"
	case f.PrimaryRateLimit:
		return "primary-rate-limit"
	default:
		return strconv.Itoa(f.Status)
	}
}

func (s *Server) setCommonHeaders(w http.ResponseWriter, seq int) {
	h := w.Header()
	h.Set("X-GitHub-Request-Id", fmt.Sprintf("FAKE:%04X:%06X", seq%0xFFFF, seq))
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	h.Set("X-RateLimit-Limit", "5000")
	// Never reaches 0 by itself: go-github would refuse to send requests
	// until the reset time, which only an injected fault should cause.
	h.Set("X-RateLimit-Remaining", strconv.Itoa(4999-seq%4000))
	h.Set("X-RateLimit-Used", strconv.Itoa(1+seq%4000))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(s.cfg.Now().Add(time.Hour).Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
}

// injectFault applies f and reports whether the request is finished.
func (s *Server) injectFault(w *statusRecorder, r *http.Request, req Request, params map[string]string, f *Fault) bool {
	switch {
	case f.DropResponse:
		// Let the real handler change state, then hide its answer.
		s.handle(&statusRecorder{ResponseWriter: httptest.NewRecorder()}, r, req.Route, params)
		resetConn(w.ResponseWriter)
		return true
	case f.ResetConn:
		got, _ := io.ReadAll(io.LimitReader(r.Body, f.ResetAfterBytes))
		if f.LeaveStarter && req.Route == "POST upload" {
			s.leaveStarter(params, req.Asset, got)
		}
		resetConn(w.ResponseWriter)
		return true
	case f.Stall:
		got, _ := io.ReadAll(io.LimitReader(r.Body, f.StallAfterBytes))
		if f.LeaveStarter && req.Route == "POST upload" {
			s.leaveStarter(params, req.Asset, got)
		}
		if f.OnStall != nil {
			f.OnStall()
		}
		// Take the rest but never answer. net/http notices a client that
		// went away only once the body is read, so read it, then wait
		// for the client or for Close.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
		return true
	case f.SecondaryRateLimit:
		_, _ = io.Copy(io.Discard, r.Body)
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(f.RetryAfter/time.Second)))
		}
		writeJSON(w, http.StatusForbidden, map[string]string{
			"message":           "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID " + w.Header().Get("X-GitHub-Request-Id") + ".",
			"documentation_url": docsSecondary,
		})
		return true
	case f.PrimaryRateLimit:
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(s.cfg.Now().Add(f.ResetIn).Unix(), 10))
		writeJSON(w, http.StatusForbidden, map[string]string{
			"message":           "API rate limit exceeded for user ID 1.",
			"documentation_url": docsPrimary,
		})
		return true
	case f.Status != 0:
		_, _ = io.Copy(io.Discard, r.Body)
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(f.RetryAfter/time.Second)))
		}
		if f.Status == http.StatusBadGateway {
			// GitHub's edge answers 502 with HTML, not JSON.
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(f.Status)
			_, _ = io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>\n")
			return true
		}
		writeJSON(w, f.Status, map[string]string{"message": http.StatusText(f.Status)})
		return true
	}
	return false
}

func (s *Server) leaveStarter(params map[string]string, name string, partial []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.repos[params["owner"]+"/"+params["repo"]]
	if st == nil {
		return
	}
	id, _ := strconv.ParseInt(params["id"], 10, 64)
	rel := st.releases[id]
	if rel == nil || name == "" || findAsset(rel, name) >= 0 {
		return
	}
	s.addAssetLocked(rel, Asset{Name: name, State: "starter", Data: partial})
	s.observeLocked("interrupted upload")
}

// resetConn aborts the connection with a TCP RST, as a dropped proxy does.
func resetConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("fakegithub: response writer cannot hijack")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// classify maps a path onto a route name and its parameters.
func classify(method, path string, upload bool) (string, map[string]string) {
	seg := strings.Split(strings.Trim(path, "/"), "/")
	p := map[string]string{}
	if !upload && path == "/rate_limit" && method == http.MethodGet {
		return "GET rate_limit", p
	}
	if len(seg) < 4 || seg[0] != "repos" || seg[3] != "releases" {
		return "unknown", p
	}
	p["owner"], p["repo"] = seg[1], seg[2]
	rest := seg[4:]
	if upload {
		if len(rest) == 2 && rest[1] == "assets" && method == http.MethodPost {
			p["id"] = rest[0]
			return "POST upload", p
		}
		return "unknown", p
	}
	switch {
	case len(rest) == 0 && (method == http.MethodGet || method == http.MethodPost):
		return method + " releases", p
	case len(rest) == 2 && rest[0] == "tags" && method == http.MethodGet:
		p["tag"] = rest[1]
		return "GET release by tag", p
	case len(rest) == 2 && rest[0] == "assets":
		p["id"] = rest[1]
		return method + " asset", p
	case len(rest) == 2 && rest[1] == "assets" && method == http.MethodGet:
		p["id"] = rest[0]
		return "GET assets", p
	case len(rest) == 1:
		p["id"] = rest[0]
		return method + " release", p
	}
	return "unknown", p
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request, route string, p map[string]string) {
	authed, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	mutating := r.Method != http.MethodGet && r.Method != http.MethodHead
	if mutating && !authed {
		_, _ = io.Copy(io.Discard, r.Body)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Requires authentication", "documentation_url": docsAuth})
		return
	}
	if route == "unknown" {
		notFound(w)
		return
	}
	id, _ := strconv.ParseInt(p["id"], 10, 64)

	s.mu.Lock()
	defer s.mu.Unlock()
	if route == "GET rate_limit" {
		s.rateLimit(w, authed)
		return
	}
	st := s.repos[p["owner"]+"/"+p["repo"]]
	if st == nil {
		_, _ = io.Copy(io.Discard, r.Body)
		notFound(w)
		return
	}
	base := "http://" + r.Host
	switch route {
	case "GET releases":
		var list []any
		for _, rel := range sortedReleases(st, true) {
			if rel.Draft && !authed {
				continue // drafts are only visible to collaborators
			}
			list = append(list, s.releaseJSON(base, p, rel))
		}
		writePage(w, r, base, list)
	case "POST releases":
		s.createRelease(w, r, base, p, st)
	case "GET release by tag":
		for _, rel := range sortedReleases(st, true) {
			// Like GitHub, this endpoint never returns drafts.
			if rel.TagName == p["tag"] && !rel.Draft {
				writeJSON(w, http.StatusOK, s.releaseJSON(base, p, rel))
				return
			}
		}
		notFound(w)
	case "GET release", "PATCH release", "DELETE release":
		rel := st.releases[id]
		if rel == nil || (rel.Draft && !authed) {
			notFound(w)
			return
		}
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, s.releaseJSON(base, p, rel))
		case http.MethodPatch:
			s.editRelease(w, r, base, p, rel)
		default:
			delete(st.releases, id)
			s.observeLocked("DELETE release")
			w.WriteHeader(http.StatusNoContent)
		}
	case "GET assets":
		rel := st.releases[id]
		if rel == nil || (rel.Draft && !authed) {
			notFound(w)
			return
		}
		var list []any
		for i := range rel.Assets {
			list = append(list, s.assetJSON(base, p, &rel.Assets[i]))
		}
		writePage(w, r, base, list)
	case "GET asset", "PATCH asset", "DELETE asset":
		rel, i := findAssetByID(st, id)
		if rel == nil || (rel.Draft && !authed) {
			notFound(w)
			return
		}
		switch r.Method {
		case http.MethodGet:
			if strings.Contains(r.Header.Get("Accept"), "application/octet-stream") {
				// GitHub redirects downloads to signed storage URLs.
				http.Redirect(w, r, fmt.Sprintf("%s/objects/%d?X-Amz-Signature=fake", s.objects.URL, id), http.StatusFound)
				return
			}
			writeJSON(w, http.StatusOK, s.assetJSON(base, p, &rel.Assets[i]))
		case http.MethodDelete:
			rel.Assets = slices.Delete(rel.Assets, i, i+1)
			s.observeLocked("DELETE asset")
			w.WriteHeader(http.StatusNoContent)
		default:
			var body struct {
				Name  *string `json:"name"`
				Label *string `json:"label"`
			}
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				problemsParsingJSON(w)
				return
			}
			if body.Name != nil {
				rel.Assets[i].Name = *body.Name
			}
			if body.Label != nil {
				rel.Assets[i].Label = *body.Label
			}
			s.observeLocked("PATCH asset")
			writeJSON(w, http.StatusOK, s.assetJSON(base, p, &rel.Assets[i]))
		}
	case "POST upload":
		s.upload(w, r, base, p, st, id)
	default:
		notFound(w)
	}
}

// authenticate reports whether the request carries the right token; a
// wrong token is answered with 401 and ok=false.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (authed, ok bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return false, true
	}
	scheme, tok, _ := strings.Cut(h, " ")
	if (strings.EqualFold(scheme, "bearer") || strings.EqualFold(scheme, "token")) && tok != "" && tok == s.cfg.Token {
		return true, true
	}
	_, _ = io.Copy(io.Discard, r.Body)
	writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials", "documentation_url": docsAuth})
	return false, false
}

func (s *Server) createRelease(w http.ResponseWriter, r *http.Request, base string, p map[string]string, st *repoState) {
	var body struct {
		TagName            string `json:"tag_name"`
		TargetCommitish    string `json:"target_commitish"`
		Name               string `json:"name"`
		Body               string `json:"body"`
		Draft              *bool  `json:"draft"`
		Prerelease         bool   `json:"prerelease"`
		MakeLatest         string `json:"make_latest"`
		DiscussionCategory string `json:"discussion_category_name"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		problemsParsingJSON(w)
		return
	}
	noteDraft(w, body.Draft)
	if body.TagName == "" {
		validationFailed(w, "Release", "missing_field", "tag_name", docsReleases)
		return
	}
	if !validMakeLatest(body.MakeLatest) {
		validationFailed(w, "Release", "invalid", "make_latest", docsReleases)
		return
	}
	draft := body.Draft != nil && *body.Draft
	if !draft {
		for _, rel := range st.releases {
			if rel.TagName == body.TagName && !rel.Draft {
				validationFailed(w, "Release", "already_exists", "tag_name", docsReleases)
				return
			}
		}
	}
	s.nextID++
	now := s.cfg.Now()
	rel := &Release{ID: s.nextID, TagName: body.TagName, Name: body.Name, Body: body.Body,
		Draft: draft, Prerelease: body.Prerelease, CreatedAt: now, TargetCommitish: body.TargetCommitish,
		MakeLatest: body.MakeLatest, DiscussionCategory: body.DiscussionCategory}
	if rel.TargetCommitish == "" {
		rel.TargetCommitish = "main" // the default branch
	}
	if !rel.Draft {
		rel.PublishedAt = now
	}
	st.releases[rel.ID] = rel
	s.observeLocked("POST releases")
	w.Header().Set("Location", fmt.Sprintf("%s/repos/%s/%s/releases/%d", base, p["owner"], p["repo"], rel.ID))
	writeJSON(w, http.StatusCreated, s.releaseJSON(base, p, rel))
}

func (s *Server) editRelease(w http.ResponseWriter, r *http.Request, base string, p map[string]string, rel *Release) {
	var body struct {
		TagName            *string `json:"tag_name"`
		TargetCommitish    *string `json:"target_commitish"`
		Name               *string `json:"name"`
		Body               *string `json:"body"`
		Draft              *bool   `json:"draft"`
		Prerelease         *bool   `json:"prerelease"`
		MakeLatest         *string `json:"make_latest"`
		DiscussionCategory *string `json:"discussion_category_name"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		problemsParsingJSON(w)
		return
	}
	noteDraft(w, body.Draft)
	if body.MakeLatest != nil && !validMakeLatest(*body.MakeLatest) {
		validationFailed(w, "Release", "invalid", "make_latest", docsReleases)
		return
	}
	if body.TagName != nil {
		rel.TagName = *body.TagName
	}
	if body.TargetCommitish != nil {
		rel.TargetCommitish = *body.TargetCommitish
	}
	if body.Name != nil {
		rel.Name = *body.Name
	}
	if body.Body != nil {
		rel.Body = *body.Body
	}
	if body.Prerelease != nil {
		rel.Prerelease = *body.Prerelease
	}
	if body.MakeLatest != nil {
		rel.MakeLatest = *body.MakeLatest
	}
	if body.DiscussionCategory != nil {
		rel.DiscussionCategory = *body.DiscussionCategory
	}
	if body.Draft != nil {
		if rel.Draft && !*body.Draft {
			rel.PublishedAt = s.cfg.Now()
			if sr, ok := w.(*statusRecorder); ok && sr.record != nil {
				sr.record.Undrafted = true
			}
		}
		rel.Draft = *body.Draft
		if rel.Draft {
			rel.PublishedAt = time.Time{}
		}
	}
	s.observeLocked("PATCH release")
	writeJSON(w, http.StatusOK, s.releaseJSON(base, p, rel))
}

// noteDraft copies the draft field a create or edit sent into its record
// (the caller holds s.mu).
func noteDraft(w http.ResponseWriter, draft *bool) {
	if sr, ok := w.(*statusRecorder); ok && sr.record != nil && draft != nil {
		d := *draft
		sr.record.Draft = &d
	}
}

// validMakeLatest: GitHub accepts only these values for make_latest.
func validMakeLatest(v string) bool {
	return v == "" || v == "true" || v == "false" || v == "legacy"
}

// rateLimit answers GET /rate_limit like GitHub: the caller's limits per
// resource, "rate" repeating core. Asking does not count against them.
func (s *Server) rateLimit(w http.ResponseWriter, authed bool) {
	reset := s.cfg.Now().Add(time.Hour).Unix()
	type rate struct {
		Limit     int   `json:"limit"`
		Used      int   `json:"used"`
		Remaining int   `json:"remaining"`
		Reset     int64 `json:"reset"`
	}
	core := rate{Limit: 5000, Used: 1 + s.seq%4000, Remaining: 4999 - s.seq%4000, Reset: reset}
	if !authed {
		core = rate{Limit: 60, Used: 1, Remaining: 59, Reset: reset}
	}
	search := rate{Limit: 30, Remaining: 30, Reset: s.cfg.Now().Add(time.Minute).Unix()}
	if !authed {
		search.Limit, search.Remaining = 10, 10
	}
	graphql := rate{Limit: 5000, Remaining: 5000, Reset: reset}
	if !authed {
		graphql = rate{Reset: reset}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"resources": map[string]rate{
			"core":                        core,
			"search":                      search,
			"graphql":                     graphql,
			"integration_manifest":        {Limit: 5000, Remaining: 5000, Reset: reset},
			"source_import":               {Limit: 100, Remaining: 100, Reset: s.cfg.Now().Add(time.Minute).Unix()},
			"code_scanning_upload":        {Limit: 1000, Remaining: 1000, Reset: reset},
			"actions_runner_registration": {Limit: 10000, Remaining: 10000, Reset: reset},
			"scim":                        {Limit: 15000, Remaining: 15000, Reset: reset},
			"dependency_snapshots":        {Limit: 100, Remaining: 100, Reset: s.cfg.Now().Add(time.Minute).Unix()},
			"code_search":                 {Limit: 10, Remaining: 10, Reset: s.cfg.Now().Add(time.Minute).Unix()},
		},
		"rate": core,
	})
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request, base string, p map[string]string, st *repoState, id int64) {
	rel := st.releases[id]
	if rel == nil {
		_, _ = io.Copy(io.Discard, r.Body)
		notFound(w)
		return
	}
	name := r.URL.Query().Get("name")
	if name == "" {
		_, _ = io.Copy(io.Discard, r.Body)
		validationFailed(w, "ReleaseAsset", "missing_field", "name", docsUpload)
		return
	}
	if findAsset(rel, name) >= 0 {
		_, _ = io.Copy(io.Discard, r.Body)
		validationFailed(w, "ReleaseAsset", "already_exists", "name", docsUpload)
		return
	}
	// Read without holding the lock so concurrent uploads overlap.
	s.mu.Unlock()
	data, err := io.ReadAll(r.Body)
	s.mu.Lock()
	if err != nil {
		return // client went away; GitHub would discard the upload
	}
	if r.ContentLength >= 0 && int64(len(data)) != r.ContentLength {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Bad Content-Length"})
		return
	}
	if st.releases[id] != rel {
		notFound(w) // release deleted meanwhile
		return
	}
	if findAsset(rel, name) >= 0 {
		validationFailed(w, "ReleaseAsset", "already_exists", "name", docsUpload)
		return
	}
	ct := r.Header.Get("Content-Type")
	s.addAssetLocked(rel, Asset{Name: name, Label: r.URL.Query().Get("label"), ContentType: ct, Data: data})
	s.observeLocked("POST upload")
	writeJSON(w, http.StatusCreated, s.assetJSON(base, p, &rel.Assets[len(rel.Assets)-1]))
}

// serveObject plays the storage service downloads redirect to. Like S3 with
// a signed URL, it rejects requests that also carry an Authorization header,
// which also catches clients leaking the API token to another host.
func (s *Server) serveObject(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "" {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, "<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>")
		return
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, "/objects/"), 10, 64)
	s.mu.Lock()
	var data []byte
	found := false
	for _, st := range s.repos {
		if rel, i := findAssetByID(st, id); rel != nil {
			data, found = bytes.Clone(rel.Assets[i].Data), true
			break
		}
	}
	s.mu.Unlock()
	if !found {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

func findAsset(rel *Release, name string) int {
	for i, a := range rel.Assets {
		if a.Name == name {
			return i
		}
	}
	return -1
}

func findAssetByID(st *repoState, id int64) (*Release, int) {
	for _, rel := range st.releases {
		for i, a := range rel.Assets {
			if a.ID == id {
				return rel, i
			}
		}
	}
	return nil, -1
}

type userJSON struct {
	Login string `json:"login"`
	ID    int64  `json:"id"`
	Type  string `json:"type"`
}

var fakeUser = userJSON{Login: "svcship-bot", ID: 1, Type: "Bot"}

type assetJSON struct {
	URL                string    `json:"url"`
	BrowserDownloadURL string    `json:"browser_download_url"`
	ID                 int64     `json:"id"`
	NodeID             string    `json:"node_id"`
	Name               string    `json:"name"`
	Label              *string   `json:"label"`
	State              string    `json:"state"`
	ContentType        string    `json:"content_type"`
	Size               int       `json:"size"`
	Digest             *string   `json:"digest,omitempty"`
	DownloadCount      int       `json:"download_count"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	Uploader           userJSON  `json:"uploader"`
}

func (s *Server) assetJSON(base string, p map[string]string, a *Asset) assetJSON {
	j := assetJSON{
		URL:                fmt.Sprintf("%s/repos/%s/%s/releases/assets/%d", base, p["owner"], p["repo"], a.ID),
		BrowserDownloadURL: fmt.Sprintf("%s/%s/%s/releases/download/%s", base, p["owner"], p["repo"], url.PathEscape(a.Name)),
		ID:                 a.ID,
		NodeID:             fmt.Sprintf("RA_fake%d", a.ID),
		Name:               a.Name,
		State:              a.State,
		ContentType:        a.ContentType,
		Size:               len(a.Data),
		CreatedAt:          a.CreatedAt.UTC().Truncate(time.Second),
		UpdatedAt:          a.CreatedAt.UTC().Truncate(time.Second),
		Uploader:           fakeUser,
	}
	if a.Label != "" {
		j.Label = &a.Label
	}
	// GitHub computes the digest once the upload completes.
	if !s.cfg.OmitDigest && a.State == "uploaded" {
		sum := sha256.Sum256(a.Data)
		d := "sha256:" + hex.EncodeToString(sum[:])
		j.Digest = &d
	}
	return j
}

type releaseJSON struct {
	URL         string      `json:"url"`
	HTMLURL     string      `json:"html_url"`
	AssetsURL   string      `json:"assets_url"`
	UploadURL   string      `json:"upload_url"`
	ID          int64       `json:"id"`
	NodeID      string      `json:"node_id"`
	TagName     string      `json:"tag_name"`
	Target      string      `json:"target_commitish"`
	Name        string      `json:"name"`
	Body        string      `json:"body"`
	Draft       bool        `json:"draft"`
	Prerelease  bool        `json:"prerelease"`
	CreatedAt   time.Time   `json:"created_at"`
	PublishedAt *time.Time  `json:"published_at"`
	Author      userJSON    `json:"author"`
	Assets      []assetJSON `json:"assets"`
}

func (s *Server) releaseJSON(base string, p map[string]string, rel *Release) releaseJSON {
	repoURL := fmt.Sprintf("%s/repos/%s/%s", base, p["owner"], p["repo"])
	j := releaseJSON{
		URL:       fmt.Sprintf("%s/releases/%d", repoURL, rel.ID),
		HTMLURL:   fmt.Sprintf("%s/%s/%s/releases/tag/%s", base, p["owner"], p["repo"], url.PathEscape(rel.TagName)),
		AssetsURL: fmt.Sprintf("%s/releases/%d/assets", repoURL, rel.ID),
		UploadURL: fmt.Sprintf("%s/api/uploads/repos/%s/%s/releases/%d/assets{?name,label}", base, p["owner"], p["repo"], rel.ID),
		ID:        rel.ID, NodeID: fmt.Sprintf("RE_fake%d", rel.ID),
		TagName: rel.TagName, Target: rel.TargetCommitish, Name: rel.Name, Body: rel.Body,
		Draft: rel.Draft, Prerelease: rel.Prerelease,
		CreatedAt: rel.CreatedAt.UTC().Truncate(time.Second),
		Author:    fakeUser,
		Assets:    []assetJSON{},
	}
	if rel.Draft {
		// Draft URLs use an "untagged-..." slug on GitHub.
		j.HTMLURL = fmt.Sprintf("%s/%s/%s/releases/tag/untagged-%d", base, p["owner"], p["repo"], rel.ID)
	}
	if !rel.PublishedAt.IsZero() {
		t := rel.PublishedAt.UTC().Truncate(time.Second)
		j.PublishedAt = &t
	}
	for i := range rel.Assets {
		j.Assets = append(j.Assets, s.assetJSON(base, p, &rel.Assets[i]))
	}
	return j
}

// writePage answers a list request one page at a time with GitHub's Link
// header (per_page defaults to 30, at most 100).
func writePage(w http.ResponseWriter, r *http.Request, base string, items []any) {
	q := r.URL.Query()
	perPage, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || perPage <= 0 {
		perPage = 30
	}
	perPage = min(perPage, 100)
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil || page <= 0 {
		page = 1
	}
	last := max(1, (len(items)+perPage-1)/perPage)
	link := func(n int, rel string) string {
		u := *r.URL
		v := u.Query()
		v.Set("per_page", strconv.Itoa(perPage))
		v.Set("page", strconv.Itoa(n))
		u.RawQuery = v.Encode()
		return fmt.Sprintf("<%s%s>; rel=%q", base, u.RequestURI(), rel)
	}
	var links []string
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(page-1, "prev"), link(1, "first"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	start := min((page-1)*perPage, len(items))
	end := min(start+perPage, len(items))
	out := items[start:end]
	if out == nil {
		out = []any{}
	}
	writeJSON(w, http.StatusOK, out)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own types are marshalled
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func notFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found", "documentation_url": docsReleases})
}

func problemsParsingJSON(w http.ResponseWriter) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Problems parsing JSON", "documentation_url": docsReleases})
}

func validationFailed(w http.ResponseWriter, resource, code, field, docs string) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"message":           "Validation Failed",
		"errors":            []map[string]string{{"resource": resource, "code": code, "field": field}},
		"documentation_url": docs,
	})
}
