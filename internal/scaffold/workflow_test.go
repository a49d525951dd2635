package scaffold

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/svcship/svcship/config"
)

type wfSteps struct {
	Jobs map[string]struct {
		Steps []struct {
			Name, Uses, Run, If string
			With                map[string]string
			Env                 map[string]string
		}
	}
}

func parseSteps(t *testing.T, data []byte) wfSteps {
	t.Helper()
	var w wfSteps
	if err := yaml.Unmarshal(data, &w); err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	return w
}

func TestEditWorkflow(t *testing.T) {
	// A release job that runs goreleaser from a script, with no Go set up
	// and a shallow checkout; and a test job that must stay as it is.
	const wf = `name: publish
on:
  push:
    tags: ["*"]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
      - run: make test
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          fetch-depth: 1

      - name: Install GoReleaser
        run: curl -sfL https://goreleaser.com/static/run | bash -s -- --version
      - name: Release
        run: goreleaser release --clean
        env:
          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}
`
	for _, tc := range []struct {
		name        string
		signing     config.Signing
		wantSteps   []string // name|uses|run prefix, in order
		wantEnv     map[string]string
		wantNotes   []string
		notWantNote string
	}{
		{
			name: "pfx",
			wantSteps: []string{
				"|actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683|",
				"|actions/setup-go@d35c59abb061a4a6fb18e82ac0862c26744d6ab5|",
				"Install GoReleaser||curl -sfL",
				"svcship signing key||if [ -z \"$PFX_BASE64\" ]",
				"Release||goreleaser release --clean",
				"svcship signing key removal||rm -f \"$RUNNER_TEMP/svcship-sign.pfx\"",
			},
			wantEnv: map[string]string{"GITHUB_TOKEN": "${{ secrets.GITHUB_TOKEN }}", "SVCSHIP_SIGN_PASSWORD": "${{ secrets.SVCSHIP_SIGN_PASSWORD }}"},
			wantNotes: []string{
				"jobs.publish: checkout: fetch-depth: 0",
				"jobs.publish: + step actions/setup-go (go-version-file: go.mod)",
				`jobs.publish: step "Release": env SVCSHIP_SIGN_PASSWORD from secrets`,
			},
		},
		{
			name:    "pkcs11 with its own variable",
			signing: config.Signing{Method: config.SignPKCS11, PINEnv: "TOKEN_PIN"},
			wantSteps: []string{
				"|actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683|",
				"|actions/setup-go@d35c59abb061a4a6fb18e82ac0862c26744d6ab5|",
				"Install GoReleaser||curl -sfL",
				"Release||goreleaser release --clean",
			},
			wantEnv:   map[string]string{"GITHUB_TOKEN": "${{ secrets.GITHUB_TOKEN }}", "TOKEN_PIN": "${{ secrets.TOKEN_PIN }}"},
			wantNotes: []string{`jobs.publish: step "Release": env TOKEN_PIN from secrets`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, notes, found, err := editWorkflow([]byte(wf), tc.signing)
			if err != nil || !found {
				t.Fatalf("found %v, err %v", found, err)
			}
			for _, n := range tc.wantNotes {
				if !strings.Contains(strings.Join(notes, "\n"), n) {
					t.Errorf("notes lack %q: %q", n, notes)
				}
			}
			w := parseSteps(t, out)
			test := w.Jobs["test"].Steps
			if len(test) != 2 || test[1].Run != "make test" || test[0].With != nil {
				t.Errorf("the test job changed: %+v", test)
			}
			steps := w.Jobs["publish"].Steps
			if len(steps) != len(tc.wantSteps) {
				t.Fatalf("steps:\n%s", out)
			}
			for i, want := range tc.wantSteps {
				parts := strings.SplitN(want, "|", 3)
				s := steps[i]
				if s.Name != parts[0] || !strings.HasPrefix(s.Uses, parts[1]) || !strings.HasPrefix(s.Run, parts[2]) {
					t.Errorf("step %d = %q %q %q, want %q", i, s.Name, s.Uses, s.Run, want)
				}
			}
			if steps[0].With["fetch-depth"] != "0" || steps[1].With["go-version-file"] != "go.mod" {
				t.Errorf("checkout %v, setup-go %v", steps[0].With, steps[1].With)
			}
			rel := steps[len(steps)-1]
			if rel.Name != "Release" {
				rel = steps[len(steps)-2]
			}
			if len(rel.Env) != len(tc.wantEnv) {
				t.Errorf("release env = %v", rel.Env)
			}
			for k, v := range tc.wantEnv {
				if rel.Env[k] != v {
					t.Errorf("release env %s = %q, want %q", k, rel.Env[k], v)
				}
			}
			// The author's blank line and pin comments are kept.
			if !strings.Contains(string(out), "          go-version-file: go.mod\n\n      - name: Install GoReleaser") ||
				!strings.Contains(string(out), "- uses: actions/setup-go@d35c59abb061a4a6fb18e82ac0862c26744d6ab5 # v5.5.0\n") {
				t.Errorf("layout:\n%s", out)
			}
			// Idempotent.
			again, notes2, _, err := editWorkflow(out, tc.signing)
			if err != nil || len(notes2) != 0 || string(again) != string(out) {
				t.Errorf("second edit: %v %q", err, notes2)
			}
		})
	}
}

// A workflow that only builds snapshots, or installs GoReleaser without
// releasing, is not a release workflow.
func TestEditWorkflowLeavesOthers(t *testing.T) {
	for _, wf := range []string{
		"jobs:\n  b:\n    steps:\n      - run: goreleaser release --snapshot --clean\n",
		"jobs:\n  b:\n    steps:\n      - uses: goreleaser/goreleaser-action@e435ccd777264be153ace6237001ef4d979d3a7a # v6.4.0\n        with:\n          install-only: true\n",
		"jobs:\n  b:\n    steps:\n      - uses: goreleaser/goreleaser-action@e435ccd777264be153ace6237001ef4d979d3a7a # v6.4.0\n        with:\n          args: check\n",
	} {
		out, notes, found, err := editWorkflow([]byte(wf), config.Signing{})
		if err != nil || found || len(notes) != 0 || string(out) != wf {
			t.Errorf("%s: found %v notes %q err %v", wf, found, notes, err)
		}
	}
}
