package publish

import (
	"context"
	"testing"

	"github.com/svcship/svcship/internal/fakegithub"
)

// TestAdoptDraft: a draft GoReleaser named from its name_template is named
// after its tag, so that GoReleaser's use_existing_draft (which compares
// names with the tag) finds it; published releases and drafts already
// named so are left alone, with no mutating request.
func TestAdoptDraft(t *testing.T) {
	for _, tc := range []struct {
		name      string
		rel       fakegithub.Release
		renamed   bool
		wantName  string
		mutations int
	}{
		{"draft named by name_template", fakegithub.Release{TagName: "v1.0.0", Name: "Widget 1.0.0", Draft: true}, true, "v1.0.0", 1},
		{"draft named after its tag", fakegithub.Release{TagName: "v1.0.0", Name: "v1.0.0", Draft: true}, false, "v1.0.0", 0},
		{"published release", fakegithub.Release{TagName: "v1.0.0", Name: "Widget 1.0.0"}, false, "Widget 1.0.0", 0},
		{"draft of another tag", fakegithub.Release{TagName: "v0.9.0", Name: "Widget 0.9.0", Draft: true}, false, "Widget 0.9.0", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := fakegithub.New(fakegithub.Config{Token: testToken, Repos: []string{owner + "/" + repo}})
			defer srv.Close()
			id := srv.AddRelease(owner, repo, tc.rel)
			got, err := AdoptDraft(context.Background(), Options{
				Owner: owner, Repo: repo, Tag: "v1.0.0", BaseURL: srv.BaseURL(), UploadURL: srv.UploadURL(),
				Getenv: func(k string) string {
					if k == "GITHUB_TOKEN" {
						return testToken
					}
					return ""
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.renamed {
				t.Errorf("AdoptDraft = %v, want %v", got, tc.renamed)
			}
			rels := srv.Releases(owner, repo)
			if len(rels) != 1 || rels[0].ID != id {
				t.Fatalf("releases changed: %+v", rels)
			}
			if rels[0].Name != tc.wantName || rels[0].Draft != tc.rel.Draft {
				t.Errorf("release is %q draft=%v, want %q draft=%v", rels[0].Name, rels[0].Draft, tc.wantName, tc.rel.Draft)
			}
			if n := srv.Count(func(r fakegithub.Record) bool { return r.Mutating }); n != tc.mutations {
				t.Errorf("%d mutating requests, want %d", n, tc.mutations)
			}
		})
	}
}
