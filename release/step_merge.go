package release

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/svcship/svcship/internal/atomicfile"
)

// MergeSteps combine the dist folders of matrix jobs (one subfolder of
// parts per job, each a copy of that job's dist) into dist, then package.
func MergeSteps(parts string) []Step {
	return append([]Step{
		// Config, git and version, as for a build.
		validateStep{resume: true},
		// Copy every part's files into dist and merge their records.
		mergeStep{parts: parts},
	}, PackageSteps()...)
}

type mergeStep struct{ parts string }

func (mergeStep) Name() string         { return "merge" }
func (mergeStep) Skip(*Context) string { return "" }

func (s mergeStep) Run(ctx *Context) error {
	parts := s.parts
	if !filepath.IsAbs(parts) {
		parts = filepath.Join(ctx.Root, parts)
	}
	entries, err := os.ReadDir(parts)
	if err != nil {
		return fmt.Errorf("parts: %w", err)
	}
	if err := os.RemoveAll(ctx.Dist); err != nil {
		return err
	}
	if err := os.MkdirAll(ctx.Dist, 0o755); err != nil {
		return err
	}
	distRel := relPath(ctx.Root, ctx.Dist)
	var merged Artifacts
	var meta []byte
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(parts, e.Name())
		as, err := ReadArtifacts(filepath.Join(dir, "artifacts.json"))
		if err != nil {
			return fmt.Errorf("part %s: %w", e.Name(), err)
		}
		m, err := os.ReadFile(filepath.Join(dir, "metadata.json"))
		if err != nil {
			return fmt.Errorf("part %s: %w", e.Name(), err)
		}
		if meta == nil {
			meta = m
		}
		n++
		for _, a := range as {
			if a.Type == TypeMetadata {
				continue
			}
			rel := strings.TrimPrefix(a.Path, distRel+"/")
			if rel == a.Path {
				return fmt.Errorf("part %s: %s is not under %s", e.Name(), a.Path, distRel)
			}
			if slices.ContainsFunc(merged, func(b Artifact) bool { return b.Path == a.Path }) {
				return fmt.Errorf("part %s: %s also comes from another part", e.Name(), a.Path)
			}
			if err := copyFile(filepath.Join(dir, filepath.FromSlash(rel)), filepath.Join(ctx.Dist, filepath.FromSlash(rel))); err != nil {
				return fmt.Errorf("part %s: %w", e.Name(), err)
			}
			merged = append(merged, a)
		}
	}
	if n == 0 {
		return fmt.Errorf("no parts in %s (one folder per matrix job, each a copy of its dist)", parts)
	}
	if err := atomicfile.WriteFile(filepath.Join(ctx.Dist, "metadata.json"), meta, 0o644); err != nil {
		return err
	}
	m, err := ctx.ReadMetadata()
	if err != nil {
		return err
	}
	if m.Version != ctx.Version {
		return fmt.Errorf("parts were built as version %s but this checkout is %s", m.Version, ctx.Version)
	}
	ctx.Artifacts = merged
	ctx.Log.Info("merged", "parts", n, "artifacts", len(merged))
	return ctx.SaveArtifacts()
}

// copyFile copies src to dst keeping mode and mtime.
func copyFile(src, dst string) error {
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, st.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chtimes(dst, st.ModTime(), st.ModTime())
}
