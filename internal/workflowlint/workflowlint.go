// Package workflowlint checks GitHub Actions workflow files with actionlint
// (used as a library, so no binary has to be installed) plus one svcship
// policy: every action is pinned to a full version tag or a commit SHA.
//
// The repository's own workflows are linted by this package's test; the
// `svcship init` generator calls Lint on the workflows it writes.
package workflowlint

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/rhysd/actionlint"
)

// Lint checks one workflow. When content is nil the file at path is read;
// otherwise path only names the workflow in findings (it need not exist).
// Findings read "path:line:col: message [rule]"; an empty slice means the
// workflow is clean. The error is for failures to run the check at all.
func Lint(path string, content []byte) ([]string, error) {
	if content == nil {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("workflowlint: %w", err)
		}
		content = b
	}
	l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{
		LogWriter: io.Discard,
		// Shellcheck and pyflakes stay off so results do not depend on
		// which tools the machine happens to have.
		OnRulesCreated: func(rules []actionlint.Rule) []actionlint.Rule {
			return append(rules, newPinnedRule())
		},
	})
	if err != nil {
		return nil, fmt.Errorf("workflowlint: new linter: %w", err)
	}
	errs, err := l.Lint(path, content, nil)
	if err != nil {
		return nil, fmt.Errorf("workflowlint: %s: %w", path, err)
	}
	findings := make([]string, 0, len(errs))
	for _, e := range errs {
		findings = append(findings, fmt.Sprintf("%s:%d:%d: %s [%s]", path, e.Line, e.Column, e.Message, e.Kind))
	}
	return findings, nil
}

// Files returns the workflow files (*.yml, *.yaml) directly in dir, sorted.
func Files(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("workflowlint: %w", err)
	}
	var out []string
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if !e.IsDir() && (ext == ".yml" || ext == ".yaml") {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out, nil
}

// pinnedRule reports actions and reusable workflows not referenced by a
// full commit SHA: branches and tags, even vX.Y.Z ones, can be moved to
// other code. Write the version as a comment: @<sha> # v4.2.2.
type pinnedRule struct {
	actionlint.RuleBase
}

func newPinnedRule() *pinnedRule {
	return &pinnedRule{RuleBase: actionlint.NewRuleBase("svcship-pinned",
		"Actions must be pinned to a full commit SHA (with the version as a comment)")}
}

// pinRef matches a 40-hex commit SHA after '@'.
var pinRef = regexp.MustCompile(`@[0-9a-f]{40}$`)

func (r *pinnedRule) check(uses *actionlint.String) {
	if uses == nil || uses.ContainsExpression() {
		return
	}
	v := uses.Value
	if strings.HasPrefix(v, "./") || strings.HasPrefix(v, "docker://") {
		return
	}
	if !pinRef.MatchString(v) {
		r.Errorf(uses.Pos, "%q is not pinned to a commit SHA (write @<40-hex sha> # vX.Y.Z)", v)
	}
}

func (r *pinnedRule) VisitStep(n *actionlint.Step) error {
	if e, ok := n.Exec.(*actionlint.ExecAction); ok {
		r.check(e.Uses)
	}
	return nil
}

func (r *pinnedRule) VisitJobPre(n *actionlint.Job) error {
	if n.WorkflowCall != nil {
		r.check(n.WorkflowCall.Uses)
	}
	return nil
}
