package publish

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/svcship/svcship/internal/gitinfo"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// changelogHeading matches a level-2 Keep a Changelog heading and captures
// the version: "## [1.2.3] - 2024-05-01", "## v1.2.3", "## [v1.2.3]", "## 1.2.3".
var changelogHeading = regexp.MustCompile(`^##\s+\[?v?([0-9][^\]\s]*)\]?`)

// linkDefinition matches the reference links Keep a Changelog puts at the
// end of the file ("[1.2.3]: https://...").
var linkDefinition = regexp.MustCompile(`^\[[^\]]+\]:\s*\S+`)

// NotesFromChangelog returns the body of changelog's section for tag (with
// or without the leading "v"), trimmed. ok is false when there is no such
// section or it is empty.
func NotesFromChangelog(changelog []byte, tag string) (notes string, ok bool) {
	want := strings.TrimPrefix(tag, "v")
	var out []string
	in, fenced := false, false
	sc := bufio.NewScanner(bytes.NewReader(changelog))
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
		}
		if !fenced {
			if strings.HasPrefix(line, "## ") || strings.HasPrefix(line, "##\t") || strings.HasPrefix(line, "# ") {
				if in {
					break
				}
				m := changelogHeading.FindStringSubmatch(line)
				in = m != nil && m[1] == want
				continue
			}
			if in && linkDefinition.MatchString(line) {
				break
			}
		}
		if in {
			out = append(out, line)
		}
	}
	notes = strings.TrimSpace(strings.Join(out, "\n"))
	return notes, notes != ""
}

// PreviousTag returns the nearest tag reachable from tag's parent commit,
// or "" when tag is the first one.
func PreviousTag(ctx context.Context, dir, tag string) (string, error) {
	out, err := git(ctx, dir, "describe", "--tags", "--abbrev=0", tag+"^")
	if err != nil {
		// No earlier tag (or tag is the root commit): everything up to tag.
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", nil
		}
		return "", err
	}
	return strings.TrimSpace(out), nil
}

// NotesFromGit lists the subjects of the commits since the previous tag
// as a Markdown bullet list, oldest first.
func NotesFromGit(ctx context.Context, dir, tag string) (string, error) {
	if _, err := git(ctx, dir, "rev-parse", "--verify", "--quiet", tag+"^{commit}"); err != nil {
		return "", fmt.Errorf("publish: notes: tag %s not found in %s: %w", tag, dir, err)
	}
	prev, err := PreviousTag(ctx, dir, tag)
	if err != nil {
		return "", fmt.Errorf("publish: notes: previous tag: %w", err)
	}
	rng := tag
	if prev != "" {
		rng = prev + ".." + tag
	}
	out, err := git(ctx, dir, "log", "--reverse", "--no-merges", "--format=%s", rng)
	if err != nil {
		return "", fmt.Errorf("publish: notes: git log %s: %w", rng, err)
	}
	var b strings.Builder
	for _, s := range strings.Split(strings.TrimSpace(out), "\n") {
		if s = strings.TrimSpace(s); s != "" {
			fmt.Fprintf(&b, "- %s\n", s)
		}
	}
	return strings.TrimSpace(b.String()), nil
}

// ReleaseNotes picks the notes for tag: the CHANGELOG.md section in dir if
// there is one, else the commit subjects since the previous tag.
func ReleaseNotes(ctx context.Context, dir, tag string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "CHANGELOG.md"))
	switch {
	case err == nil:
		if notes, ok := NotesFromChangelog(b, tag); ok {
			return notes, nil
		}
	case !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("publish: notes: %w", err)
	}
	return NotesFromGit(ctx, dir, tag)
}

// git is gitinfo.Run: one way svcship runs git.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	return gitinfo.Run(ctx, dir, args...)
}
