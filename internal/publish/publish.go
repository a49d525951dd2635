// Package publish attaches release artifacts to a GitHub release and
// publishes it, safely re-runnable: a release only leaves draft state once
// every asset is on it and verified, transient failures are retried, and
// a second run after a crash finishes the job without re-uploading what is
// already there.
package publish

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/google/go-github/v57/github"
)

// ErrNoToken is returned when GITHUB_TOKEN is unset and the run needs it.
var ErrNoToken = errors.New("publish: GITHUB_TOKEN is not set; export a token with contents:write permission (it is only read from the environment)")

// Options configure Publish.
type Options struct {
	Owner, Repo string
	// Tag is the release tag, vMAJOR.MINOR.PATCH[-PRE]; a prerelease
	// suffix marks the GitHub release as a prerelease.
	Tag string
	// Assets to attach. When empty, DistDir/artifacts.json is read with
	// AssetsFromArtifacts.
	Assets  []Asset
	DistDir string
	// Notes become the release body when publishing; empty leaves the
	// body as it is.
	Notes string
	// Concurrency bounds parallel uploads (default 4).
	Concurrency int
	// DryRun prints the plan to Out and sends no mutating request. With a
	// token it reads the current release state; without one it plans
	// offline.
	DryRun bool
	// Out receives the plan and a one-line summary (nil: discarded).
	Out io.Writer
	// BaseURL is the REST API root; empty uses $GITHUB_API_URL, then
	// https://api.github.com/. UploadURL is the uploads root; empty derives
	// it (uploads.github.com, or /api/uploads/ on GitHub Enterprise).
	BaseURL, UploadURL string
	// Getenv reads the environment (default os.Getenv). The token comes
	// only from GITHUB_TOKEN, never from an option.
	Getenv func(string) string
	// Logger receives progress; the token is scrubbed from every record.
	Logger *slog.Logger
	// HTTPClient is the transport to GitHub (default: a new http.Client).
	// It is not modified.
	HTTPClient *http.Client
	Retry      RetryPolicy

	// FromGoReleaser says GoReleaser's release pipe created the draft (with
	// its name_template, changelog, header, footer and prerelease flag):
	// Publish then never creates a release, keeps the draft's name, body
	// and prerelease flag, and on publishing sets only draft=false plus
	// MakeLatest and DiscussionCategory, which `goreleaser release --draft`
	// leaves unset.
	FromGoReleaser bool
	// KeepDraft uploads and checks every asset but leaves the release a
	// draft (GoReleaser's release.draft: true).
	KeepDraft bool
	// MakeLatest ("true", "false", "legacy") and DiscussionCategory are
	// sent when the draft is published; empty leaves GitHub's defaults.
	MakeLatest, DiscussionCategory string
}

// Result describes what a run did (or, for a dry run, would do).
type Result struct {
	ReleaseID int64
	URL       string
	// Created is set when the run created the draft release.
	Created bool
	// Published is set when the run took the release out of draft.
	Published bool
	// AlreadyComplete is set when the release was published with every
	// asset in place, so nothing was changed.
	AlreadyComplete bool
	// Draft: the release is a draft when Publish returns (it was found or
	// created as one and not, or not yet, published).
	Draft    bool
	Uploaded []string // uploaded this run (includes replacements)
	Replaced []string // existing asset deleted because it differed
	Skipped  []string // already present with the same size and digest
	Plan     []Step   // dry run only
}

// Step is one planned action of a dry run.
type Step struct {
	Action string // "create-release", "upload", "replace", "skip", "publish", "none"
	Name   string // asset name or tag
	Detail string
}

func (s Step) String() string {
	out := fmt.Sprintf("%-14s %s", s.Action, s.Name)
	if s.Detail != "" {
		out += " (" + s.Detail + ")"
	}
	return out
}

type localAsset struct {
	Asset
	size   int64
	digest string // "sha256:<hex>"
}

// remoteAsset is a release asset as the API lists it. go-github v57's
// ReleaseAsset has no digest field, so assets are decoded into this type.
type remoteAsset struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	State  string `json:"state"`
	Size   int64  `json:"size"`
	Digest string `json:"digest"` // "sha256:<hex>" on current GitHub, absent on older GHES
}

type publisher struct {
	opts        Options
	prerelease  bool
	red         redactor
	log         *slog.Logger
	out         io.Writer
	http        *http.Client
	api, upload *url.URL
	retry       *retrier
}

// Publish makes the release for opts.Tag hold exactly opts.Assets and
// publishes it. See the package comment for the guarantees.
func Publish(ctx context.Context, opts Options) (Result, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	red := redactor{token: getenv("GITHUB_TOKEN")}
	res, err := publish(ctx, opts, getenv, red)
	return res, red.error(err)
}

func publish(ctx context.Context, opts Options, getenv func(string) string, red redactor) (Result, error) {
	p := &publisher{opts: opts, red: red, out: opts.Out}
	if p.out == nil {
		p.out = io.Discard
	}
	base := slog.DiscardHandler
	if opts.Logger != nil {
		base = opts.Logger.Handler()
	}
	p.log = slog.New(&redactHandler{inner: base, r: red}).With("tag", opts.Tag)

	if err := validName(opts.Owner); err != nil {
		return Result{}, fmt.Errorf("publish: owner: %w", err)
	}
	if err := validName(opts.Repo); err != nil {
		return Result{}, fmt.Errorf("publish: repo: %w", err)
	}
	if !opts.FromGoReleaser {
		// GoReleaser decided the prerelease flag itself otherwise.
		pre, err := ParseTag(opts.Tag)
		if err != nil {
			return Result{}, err
		}
		p.prerelease = pre
	} else if opts.Tag == "" {
		return Result{}, errors.New("publish: no tag")
	}
	if p.opts.Concurrency <= 0 {
		p.opts.Concurrency = 4
	}
	var err error
	assets := opts.Assets
	if len(assets) == 0 && opts.DistDir != "" {
		if assets, err = AssetsFromArtifacts(opts.DistDir); err != nil {
			return Result{}, err
		}
	}
	locals, err := hashAssets(assets)
	if err != nil {
		return Result{}, err
	}

	if red.token == "" {
		if !opts.DryRun {
			return Result{}, ErrNoToken
		}
		return p.offlinePlan(locals), nil
	}
	if p.api, p.upload, err = resolveURLs(opts.BaseURL, opts.UploadURL, getenv); err != nil {
		return Result{}, err
	}
	p.http = authClient(opts.HTTPClient, red.token, p.api, p.upload)
	p.retry = &retrier{policy: opts.Retry.withDefaults(), log: p.log}
	p.log.Debug("publishing", "owner", opts.Owner, "repo", opts.Repo, "assets", len(locals),
		"api", p.api.String(), "uploads", p.upload.String(), "dry_run", opts.DryRun, "concurrency", p.opts.Concurrency)
	return p.run(ctx, locals)
}

// State is what GitHub holds for a tag.
type State struct {
	// Exists: some release carries the tag; Draft: the one found is a draft.
	Exists, Draft bool
	URL           string
}

// Lookup reports the release of opts.Tag (drafts included) without
// changing anything. It needs GITHUB_TOKEN.
func Lookup(ctx context.Context, opts Options) (State, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	red := redactor{token: getenv("GITHUB_TOKEN")}
	st, err := lookup(ctx, opts, getenv, red)
	return st, red.error(err)
}

func lookup(ctx context.Context, opts Options, getenv func(string) string, red redactor) (State, error) {
	if red.token == "" {
		return State{}, ErrNoToken
	}
	p, err := newLookupPublisher(opts, getenv, red)
	if err != nil {
		return State{}, err
	}
	rel, err := p.findRelease(ctx)
	if err != nil || rel == nil {
		return State{}, err
	}
	return State{Exists: true, Draft: rel.GetDraft(), URL: rel.GetHTMLURL()}, nil
}

// AdoptDraft gets an existing draft of opts.Tag ready for GoReleaser's
// release.use_existing_draft, so that a re-run continues that draft
// instead of creating a second one. GoReleaser v2.15.1 looks for a draft
// whose name equals the tag (it passes the tag where it compares names),
// so a draft it named from a name_template is not found. AdoptDraft names
// such a draft after its tag; GoReleaser, finding it, gives it its
// name_template name again. Only a draft is changed, and only its name;
// it reports whether it renamed one. It needs GITHUB_TOKEN.
func AdoptDraft(ctx context.Context, opts Options) (bool, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	red := redactor{token: getenv("GITHUB_TOKEN")}
	if red.token == "" {
		return false, ErrNoToken
	}
	p, err := newLookupPublisher(opts, getenv, red)
	if err != nil {
		return false, red.error(err)
	}
	rel, err := p.findRelease(ctx)
	if err != nil || rel == nil || !rel.GetDraft() || rel.GetName() == opts.Tag {
		return false, red.error(err)
	}
	err = p.retry.do(ctx, "name draft", func(ctx context.Context, _ int) error {
		_, _, err := p.client().Repositories.EditRelease(ctx, opts.Owner, opts.Repo, rel.GetID(), &github.RepositoryRelease{Name: github.String(opts.Tag)})
		return err
	})
	if err != nil {
		return false, red.error(fmt.Errorf("publish: name draft %d after its tag: %w", rel.GetID(), err))
	}
	p.log.Info("named the draft after its tag so GoReleaser reuses it", "release_id", rel.GetID(), "was", rel.GetName())
	return true, nil
}

// newLookupPublisher is a publisher for reading and light edits (no
// assets): Lookup and AdoptDraft.
func newLookupPublisher(opts Options, getenv func(string) string, red redactor) (*publisher, error) {
	p := &publisher{opts: opts, red: red, out: io.Discard}
	base := slog.DiscardHandler
	if opts.Logger != nil {
		base = opts.Logger.Handler()
	}
	p.log = slog.New(&redactHandler{inner: base, r: red}).With("tag", opts.Tag)
	var err error
	if p.api, p.upload, err = resolveURLs(opts.BaseURL, opts.UploadURL, getenv); err != nil {
		return nil, err
	}
	p.http = authClient(opts.HTTPClient, red.token, p.api, p.upload)
	p.retry = &retrier{policy: opts.Retry.withDefaults(), log: p.log}
	return p, nil
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

func validName(s string) error {
	if !nameRE.MatchString(s) || s == "." || s == ".." {
		return fmt.Errorf("%q is not a valid GitHub name", s)
	}
	return nil
}

func hashAssets(assets []Asset) ([]localAsset, error) {
	seen := map[string]bool{}
	out := make([]localAsset, 0, len(assets))
	for _, a := range assets {
		if !assetNameRE.MatchString(a.Name) {
			return nil, fmt.Errorf("publish: asset name %q has characters GitHub would rewrite", a.Name)
		}
		if seen[a.Name] {
			return nil, fmt.Errorf("publish: asset %q listed twice", a.Name)
		}
		seen[a.Name] = true
		f, err := os.Open(a.Path)
		if err != nil {
			return nil, fmt.Errorf("publish: asset %s: %w", a.Name, err)
		}
		h := sha256.New()
		n, err := io.Copy(h, f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("publish: asset %s: hash: %w", a.Name, err)
		}
		out = append(out, localAsset{Asset: a, size: n, digest: "sha256:" + hex.EncodeToString(h.Sum(nil))})
	}
	return out, nil
}

// resolveURLs settles the API and upload roots. Credentials embedded in a
// URL are refused (they would end up in error messages), and so is plain
// http except to loopback, which would send the token in clear text.
func resolveURLs(base, upload string, getenv func(string) string) (*url.URL, *url.URL, error) {
	if base == "" {
		base = getenv("GITHUB_API_URL")
	}
	if base == "" {
		base = "https://api.github.com/"
	}
	api, err := checkURL("API", base)
	if err != nil {
		return nil, nil, err
	}
	if upload == "" {
		u := *api
		switch {
		case api.Host == "api.github.com":
			u.Host = "uploads.github.com"
		case strings.HasSuffix(u.Path, "/api/v3/"):
			u.Path = strings.TrimSuffix(u.Path, "/api/v3/") + "/api/uploads/"
		default:
			u.Path += "api/uploads/"
		}
		upload = u.String()
	}
	up, err := checkURL("upload", upload)
	if err != nil {
		return nil, nil, err
	}
	return api, up, nil
}

func checkURL(what, s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		// Do not echo s: it may carry credentials.
		return nil, fmt.Errorf("publish: %s URL is not an absolute URL", what)
	}
	if u.User != nil {
		return nil, fmt.Errorf("publish: %s URL must not contain credentials; the token comes from GITHUB_TOKEN", what)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return nil, fmt.Errorf("publish: %s URL %s uses plain http; refusing to send the token unencrypted", what, u.Redacted())
		}
	default:
		return nil, fmt.Errorf("publish: %s URL scheme %q not supported", what, u.Scheme)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// authClient returns a client that adds the token only to requests for
// the API and upload hosts, so redirects (asset downloads go to signed
// storage URLs) never carry it elsewhere. go-github's WithAuthToken is
// avoided because it modifies the caller's *http.Client.
func authClient(base *http.Client, token string, hosts ...*url.URL) *http.Client {
	c := &http.Client{}
	if base != nil {
		*c = *base
	}
	next := c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	allowed := map[string]bool{}
	for _, h := range hosts {
		allowed[h.Scheme+"://"+h.Host] = true
	}
	c.Transport = roundTripFunc(func(req *http.Request) (*http.Response, error) {
		if allowed[req.URL.Scheme+"://"+req.URL.Host] {
			req = req.Clone(req.Context())
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := next.RoundTrip(req)
		if err == nil && resp.StatusCode >= 400 {
			scrubBody(resp, token)
		}
		return resp, err
	})
	return c
}

// scrubBody removes the token from an error response body before
// go-github copies the message into an error, in case a server or proxy
// reflects request headers back.
func scrubBody(resp *http.Response, token string) {
	const limit = 1 << 20 // error bodies are small; do not buffer downloads
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	resp.Body.Close()
	if len(b) > limit {
		b = b[:limit]
	}
	b = bytes.ReplaceAll(b, []byte(token), []byte(redacted))
	if err != nil {
		// Keep the failure visible to the caller as a broken body.
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(b), errReader{err}))
	} else {
		resp.Body = io.NopCloser(bytes.NewReader(b))
	}
	resp.ContentLength = int64(len(b))
	resp.Header.Del("Content-Length")
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// client returns a fresh go-github client. go-github remembers rate-limit
// resets per client and then fails requests locally by the wall clock;
// the retrier owns all waiting (on an injectable clock), so each attempt
// starts from a clean client. It is a cheap struct.
func (p *publisher) client() *github.Client {
	c := github.NewClient(p.http)
	c.BaseURL = p.api
	c.UploadURL = p.upload
	c.UserAgent = "svcship-publish"
	return c
}

func (p *publisher) offlinePlan(locals []localAsset) Result {
	res := Result{}
	res.Plan = append(res.Plan, Step{Action: "create-release", Name: p.opts.Tag, Detail: "offline plan: GITHUB_TOKEN not set, release state unknown"})
	for _, a := range locals {
		res.Plan = append(res.Plan, Step{Action: "upload", Name: a.Name, Detail: fmt.Sprintf("%d bytes", a.size)})
	}
	res.Plan = append(res.Plan, Step{Action: "publish", Name: p.opts.Tag, Detail: p.kind()})
	p.printPlan(res.Plan)
	return res
}

func (p *publisher) kind() string {
	if p.prerelease {
		return "prerelease"
	}
	return "release"
}

func (p *publisher) printPlan(plan []Step) {
	fmt.Fprintf(p.out, "dry run: %s/%s %s\n", p.opts.Owner, p.opts.Repo, p.opts.Tag)
	for _, s := range plan {
		fmt.Fprintf(p.out, "  %s\n", p.red.string(s.String()))
	}
}

// decision is what to do with one local asset.
type decision struct {
	local  localAsset
	action string       // "upload", "replace", "skip"
	stale  *remoteAsset // to delete first, for "replace"
	detail string
}

func (p *publisher) run(ctx context.Context, locals []localAsset) (Result, error) {
	var res Result
	rel, err := p.findRelease(ctx)
	if err != nil {
		return res, err
	}
	if rel == nil && p.opts.FromGoReleaser {
		return res, fmt.Errorf("publish: no draft release for %s: GoReleaser's release pipe creates it (is release.disable set, or did `goreleaser release --draft` not run?)", p.opts.Tag)
	}
	if rel == nil {
		if p.opts.DryRun {
			res.Plan = append(res.Plan, Step{Action: "create-release", Name: p.opts.Tag, Detail: "draft"})
			for _, a := range locals {
				res.Plan = append(res.Plan, Step{Action: "upload", Name: a.Name, Detail: fmt.Sprintf("%d bytes", a.size)})
			}
			res.Plan = append(res.Plan, Step{Action: "publish", Name: p.opts.Tag, Detail: p.kind()})
			p.printPlan(res.Plan)
			return res, nil
		}
		if rel, err = p.createDraft(ctx); err != nil {
			return res, err
		}
		res.Created = true
	}
	res.ReleaseID, res.URL = rel.GetID(), rel.GetHTMLURL()
	draft := rel.GetDraft()
	res.Draft = draft
	log := p.log.With("release_id", res.ReleaseID)
	if res.Created {
		log.Info("created draft release")
	} else {
		log.Info("found release", "draft", draft)
	}

	remote, err := p.listAssets(ctx, rel.GetID())
	if err != nil {
		return res, err
	}
	decisions, err := p.decide(ctx, rel.GetID(), locals, remote)
	if err != nil {
		return res, err
	}
	var todo []decision
	for _, d := range decisions {
		switch d.action {
		case "skip":
			res.Skipped = append(res.Skipped, d.local.Name)
		case "replace":
			if !draft && !p.opts.DryRun {
				return res, fmt.Errorf("publish: release %s is already published and its asset %s differs (%s); refusing to replace assets users may have downloaded", p.opts.Tag, d.local.Name, d.detail)
			}
			// A dry run lists every difference, not just the first.
			todo = append(todo, d)
		default:
			todo = append(todo, d)
		}
	}

	if p.opts.DryRun {
		for _, d := range decisions {
			detail := d.detail
			if d.action == "replace" && !draft {
				detail += "; the release is published, so a real run refuses"
			}
			res.Plan = append(res.Plan, Step{Action: d.action, Name: d.local.Name, Detail: detail})
		}
		switch {
		case draft:
			res.Plan = append(res.Plan, Step{Action: "publish", Name: p.opts.Tag, Detail: p.kind()})
		case len(todo) == 0:
			res.Plan = append(res.Plan, Step{Action: "none", Name: p.opts.Tag, Detail: "already published and complete"})
		}
		p.printPlan(res.Plan)
		return res, nil
	}

	if !draft && len(todo) == 0 {
		res.AlreadyComplete = true
		log.Info("release already published with every asset; nothing to do")
		fmt.Fprintf(p.out, "%s: already published and complete: %s\n", p.opts.Tag, res.URL)
		return res, nil
	}
	if !draft {
		log.Warn("release is already published but lacks assets; adding them", "missing", len(todo))
	}

	uploaded, err := p.uploadAll(ctx, rel.GetID(), todo)
	res.Uploaded = uploaded
	for _, d := range todo {
		if d.action == "replace" && contains(uploaded, d.local.Name) {
			res.Replaced = append(res.Replaced, d.local.Name)
		}
	}
	if err != nil {
		return res, fmt.Errorf("publish: %s left as draft: %w", p.opts.Tag, err)
	}
	if err := p.verify(ctx, rel.GetID(), locals); err != nil {
		return res, err
	}
	if draft && p.opts.KeepDraft {
		log.Info("left as a draft (release.draft is set)")
		fmt.Fprintf(p.out, "%s: %d uploaded, %d already present; left as a draft: %s\n", p.opts.Tag, len(res.Uploaded), len(res.Skipped), res.URL)
		return res, nil
	}
	if draft {
		if rel, err = p.undraft(ctx, rel.GetID()); err != nil {
			return res, err
		}
		res.Published, res.Draft = true, false
		res.URL = rel.GetHTMLURL()
		log.Info("published release", "prerelease", p.prerelease, "url", res.URL)
	}
	fmt.Fprintf(p.out, "%s: %d uploaded, %d already present: %s\n", p.opts.Tag, len(res.Uploaded), len(res.Skipped), res.URL)
	return res, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// findRelease looks the tag up among all releases, drafts included;
// GetReleaseByTag never returns drafts. With several candidates the
// published one wins, else the oldest draft, so concurrent or repeated
// runs converge on one release.
func (p *publisher) findRelease(ctx context.Context) (*github.RepositoryRelease, error) {
	var found []*github.RepositoryRelease
	opt := &github.ListOptions{PerPage: 100}
	for {
		var page []*github.RepositoryRelease
		var resp *github.Response
		err := p.retry.do(ctx, "list releases", func(ctx context.Context, _ int) error {
			var err error
			page, resp, err = p.client().Repositories.ListReleases(ctx, p.opts.Owner, p.opts.Repo, opt)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("publish: %w", err)
		}
		for _, r := range page {
			if r.GetTagName() == p.opts.Tag {
				found = append(found, r)
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	if len(found) == 0 {
		return nil, nil
	}
	sort.Slice(found, func(i, j int) bool {
		if found[i].GetDraft() != found[j].GetDraft() {
			return !found[i].GetDraft()
		}
		return found[i].GetID() < found[j].GetID()
	})
	if len(found) > 1 {
		p.log.Warn("several releases carry this tag; using one", "release_id", found[0].GetID(), "count", len(found))
	}
	return found[0], nil
}

func (p *publisher) createDraft(ctx context.Context) (*github.RepositoryRelease, error) {
	var rel *github.RepositoryRelease
	err := p.retry.do(ctx, "create release", func(ctx context.Context, attempt int) error {
		if attempt > 1 {
			// A lost response may hide a draft that was created: look
			// before creating a second one.
			r, err := p.findRelease(ctx)
			if err != nil {
				return err
			}
			if r != nil {
				rel = r
				return nil
			}
		}
		var err error
		rel, _, err = p.client().Repositories.CreateRelease(ctx, p.opts.Owner, p.opts.Repo, &github.RepositoryRelease{
			TagName:    github.String(p.opts.Tag),
			Name:       github.String(p.opts.Tag),
			Body:       github.String(p.opts.Notes),
			Draft:      github.Bool(true),
			Prerelease: github.Bool(p.prerelease),
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	return rel, nil
}

func (p *publisher) listAssets(ctx context.Context, releaseID int64) (map[string]remoteAsset, error) {
	out := map[string]remoteAsset{}
	for page := 1; page != 0; {
		var batch []remoteAsset
		next := 0
		err := p.retry.do(ctx, "list assets", func(ctx context.Context, _ int) error {
			c := p.client()
			req, err := c.NewRequest(http.MethodGet, fmt.Sprintf("repos/%s/%s/releases/%d/assets?per_page=100&page=%d",
				url.PathEscape(p.opts.Owner), url.PathEscape(p.opts.Repo), releaseID, page), nil)
			if err != nil {
				return err
			}
			batch = nil
			resp, err := c.Do(ctx, req, &batch)
			if err != nil {
				return err
			}
			next = resp.NextPage
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("publish: %w", err)
		}
		for _, a := range batch {
			out[a.Name] = a
		}
		page = next
	}
	return out, nil
}

// decide compares local files with the release's assets. Equality needs
// state "uploaded", the same size and the same SHA-256: from the "digest"
// field GitHub reports, or, when the server predates it, by downloading
// the asset and hashing it. Size alone would let a same-length rebuild
// with different bytes slip through.
func (p *publisher) decide(ctx context.Context, releaseID int64, locals []localAsset, remote map[string]remoteAsset) ([]decision, error) {
	out := make([]decision, 0, len(locals))
	for _, l := range locals {
		r, ok := remote[l.Name]
		d := decision{local: l, action: "upload", detail: fmt.Sprintf("%d bytes", l.size)}
		if ok {
			r := r
			same, why, err := p.matches(ctx, r, l)
			if err != nil {
				return nil, err
			}
			if same {
				d.action, d.detail = "skip", "same size and sha256"
			} else {
				d.action, d.stale, d.detail = "replace", &r, why
			}
		}
		out = append(out, d)
	}
	return out, nil
}

func (p *publisher) matches(ctx context.Context, r remoteAsset, l localAsset) (bool, string, error) {
	switch {
	case r.State != "uploaded":
		return false, fmt.Sprintf("unfinished upload in state %q", r.State), nil
	case r.Size != l.size:
		return false, fmt.Sprintf("size %d, want %d", r.Size, l.size), nil
	case r.Digest != "":
		if !strings.EqualFold(r.Digest, l.digest) {
			return false, "sha256 differs", nil
		}
		return true, "", nil
	}
	got, err := p.downloadDigest(ctx, r)
	if err != nil {
		return false, "", err
	}
	if got != l.digest {
		return false, "sha256 of downloaded copy differs", nil
	}
	return true, "", nil
}

func (p *publisher) downloadDigest(ctx context.Context, r remoteAsset) (string, error) {
	var sum string
	err := p.retry.do(ctx, "download "+r.Name, func(ctx context.Context, _ int) error {
		c := p.client()
		req, err := c.NewRequest(http.MethodGet, fmt.Sprintf("repos/%s/%s/releases/assets/%d",
			url.PathEscape(p.opts.Owner), url.PathEscape(p.opts.Repo), r.ID), nil)
		if err != nil {
			return err
		}
		req = req.WithContext(ctx)
		req.Header.Set("Accept", "application/octet-stream")
		resp, err := p.http.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return &statusError{resp: resp, op: "download " + r.Name}
		}
		h := sha256.New()
		if _, err := io.Copy(h, resp.Body); err != nil {
			return err
		}
		sum = "sha256:" + hex.EncodeToString(h.Sum(nil))
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("publish: verify %s: %w", r.Name, err)
	}
	return sum, nil
}

// uploadAll runs the uploads with bounded parallelism. Every upload is
// attempted even if another fails, so a re-run has less left to do.
func (p *publisher) uploadAll(ctx context.Context, releaseID int64, todo []decision) ([]string, error) {
	jobs := make(chan decision)
	var (
		mu       sync.Mutex
		uploaded []string
		errs     []error
		wg       sync.WaitGroup
	)
	for range min(p.opts.Concurrency, len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range jobs {
				err := p.uploadOne(ctx, releaseID, d)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					uploaded = append(uploaded, d.local.Name)
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, d := range todo {
		select {
		case jobs <- d:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	sort.Strings(uploaded)
	if err := ctx.Err(); err != nil && len(errs) == 0 {
		errs = append(errs, err)
	}
	return uploaded, errors.Join(errs...)
}

func (p *publisher) uploadOne(ctx context.Context, releaseID int64, d decision) error {
	l := d.local
	log := p.log.With("asset", l.Name)
	if d.stale != nil {
		if err := p.deleteAsset(ctx, *d.stale); err != nil {
			return err
		}
		log.Info("deleted differing asset", "reason", d.detail)
	}
	err := p.retry.do(ctx, "upload "+l.Name, func(ctx context.Context, attempt int) error {
		f, err := os.Open(l.Path)
		if err != nil {
			return err
		}
		defer f.Close()
		got, _, err := p.client().Repositories.UploadReleaseAsset(ctx, p.opts.Owner, p.opts.Repo, releaseID,
			&github.UploadOptions{Name: l.Name}, f)
		if err == nil {
			if int64(got.GetSize()) != l.size || got.GetName() != l.Name {
				// Should not happen; treat as a corrupt upload and redo it.
				if derr := p.deleteAsset(ctx, remoteAsset{ID: got.GetID(), Name: got.GetName()}); derr != nil {
					return derr
				}
				return &retryNow{why: fmt.Sprintf("server stored %q with %d bytes, want %d", got.GetName(), got.GetSize(), l.size)}
			}
			return nil
		}
		if !alreadyExists(err) {
			return err
		}
		// The name is taken: by an interrupted upload ("starter"), or by
		// an earlier attempt whose response was lost. Keep it only if it
		// is complete and identical.
		remote, lerr := p.listAssets(ctx, releaseID)
		if lerr != nil {
			return lerr
		}
		r, ok := remote[l.Name]
		if !ok {
			return &retryNow{why: "asset named in 422 already_exists has gone"}
		}
		same, why, merr := p.matches(ctx, r, l)
		if merr != nil {
			return merr
		}
		if same {
			log.Info("asset already uploaded by an earlier attempt")
			return nil
		}
		if err := p.deleteAsset(ctx, r); err != nil {
			return err
		}
		return &retryNow{why: "deleted conflicting asset: " + why}
	})
	if err != nil {
		return fmt.Errorf("%s: %w", l.Name, err)
	}
	log.Info("uploaded asset", "bytes", l.size)
	return nil
}

func alreadyExists(err error) bool {
	var er *github.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil || er.Response.StatusCode != http.StatusUnprocessableEntity {
		return false
	}
	for _, e := range er.Errors {
		if e.Code == "already_exists" {
			return true
		}
	}
	return false
}

func (p *publisher) deleteAsset(ctx context.Context, r remoteAsset) error {
	return p.retry.do(ctx, "delete asset "+r.Name, func(ctx context.Context, _ int) error {
		_, err := p.client().Repositories.DeleteReleaseAsset(ctx, p.opts.Owner, p.opts.Repo, r.ID)
		var er *github.ErrorResponse
		if errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusNotFound {
			return nil // gone already: a retried delete whose answer was lost
		}
		return err
	})
}

// verify re-reads the release's assets and checks each expected one is
// complete with the right size and, where reported, digest.
func (p *publisher) verify(ctx context.Context, releaseID int64, locals []localAsset) error {
	remote, err := p.listAssets(ctx, releaseID)
	if err != nil {
		return err
	}
	var bad []string
	for _, l := range locals {
		r, ok := remote[l.Name]
		switch {
		case !ok:
			bad = append(bad, l.Name+": missing")
		case r.State != "uploaded":
			bad = append(bad, fmt.Sprintf("%s: state %q", l.Name, r.State))
		case r.Size != l.size:
			bad = append(bad, fmt.Sprintf("%s: size %d, want %d", l.Name, r.Size, l.size))
		case r.Digest != "" && !strings.EqualFold(r.Digest, l.digest):
			bad = append(bad, l.Name+": sha256 differs")
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("publish: %s left as draft, verification failed: %s", p.opts.Tag, strings.Join(bad, "; "))
	}
	return nil
}

func (p *publisher) undraft(ctx context.Context, releaseID int64) (*github.RepositoryRelease, error) {
	edit := &github.RepositoryRelease{
		Name:       github.String(p.opts.Tag),
		Draft:      github.Bool(false),
		Prerelease: github.Bool(p.prerelease),
	}
	if p.opts.FromGoReleaser {
		// GoReleaser named the draft, wrote its notes and set prerelease.
		edit = &github.RepositoryRelease{Draft: github.Bool(false)}
	}
	if p.opts.MakeLatest != "" {
		edit.MakeLatest = github.String(p.opts.MakeLatest)
	}
	if p.opts.DiscussionCategory != "" {
		edit.DiscussionCategoryName = github.String(p.opts.DiscussionCategory)
	}
	if p.opts.Notes != "" {
		edit.Body = github.String(p.opts.Notes)
	}
	var rel *github.RepositoryRelease
	err := p.retry.do(ctx, "publish release", func(ctx context.Context, _ int) error {
		var err error
		rel, _, err = p.client().Repositories.EditRelease(ctx, p.opts.Owner, p.opts.Repo, releaseID, edit)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	return rel, nil
}
