package targets

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/svcship/svcship/publish"
	"github.com/svcship/svcship/release"
)

// githubPublisher uploads dist/ to the GitHub release of the tag with
// package publish (GITHUB_TOKEN from the environment).
type githubPublisher struct{}

func publisher() release.Publisher { return githubPublisher{} }

func (githubPublisher) Publish(rc *release.Context) error {
	owner, repo, err := githubRepo(rc)
	if err != nil {
		return err
	}
	notes, err := publish.ReleaseNotes(rc, rc.Root, rc.Git.Tag)
	if err != nil {
		return err
	}
	res, err := publish.Publish(rc, publish.Options{
		Owner:   owner,
		Repo:    repo,
		Tag:     rc.Git.Tag,
		DistDir: rc.Dist,
		Notes:   notes,
		Out:     rc.Stderr,
		Getenv:  rc.Getenv,
		Logger:  rc.Log,
	})
	if err != nil {
		return err
	}
	rc.Log.Info("published", "url", res.URL, "uploaded", len(res.Uploaded), "skipped", len(res.Skipped))
	return nil
}

// githubRepo is release.github from svcship.yaml, else the origin remote.
func githubRepo(rc *release.Context) (string, string, error) {
	s := rc.Config.Release.GitHub
	if s == "" {
		s = repoFromRemote(rc.Git.RemoteURL)
	}
	owner, repo, ok := strings.Cut(s, "/")
	if !ok || owner == "" || repo == "" {
		return "", "", fmt.Errorf("publish: set release.github (owner/repo) in svcship.yaml; the origin remote %q is not a GitHub URL", rc.Git.RemoteURL)
	}
	return owner, repo, nil
}

// repoFromRemote turns https://host/owner/repo(.git) or git@host:owner/repo
// into owner/repo ("" when it is neither).
func repoFromRemote(remote string) string {
	var p string
	if u, err := url.Parse(remote); err == nil && u.Host != "" {
		p = u.Path
	} else if _, after, ok := strings.Cut(remote, ":"); ok && strings.Contains(remote, "@") {
		p = after
	}
	p = strings.TrimSuffix(strings.Trim(p, "/"), ".git")
	if strings.Count(p, "/") != 1 {
		return ""
	}
	return p
}
