package pipeline

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// listedPackage is the part of `go list -json` the step reads.
type listedPackage struct {
	Dir    string
	Module struct {
		Path string
		Dir  string
		Main bool
	}
}

func goList(ctx *Context, env []string, pkg string) (listedPackage, error) {
	var pl listedPackage
	cmd := exec.CommandContext(ctx, "go", "list", "-json=Dir,Module", pkg)
	cmd.Dir = ctx.Root
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = strings.TrimSpace(string(ee.Stderr))
		}
		return pl, fmt.Errorf("go list %s: %v %s (does go.mod require github.com/svcship/svcship?)", pkg, err, msg)
	}
	if err := json.Unmarshal(out, &pl); err != nil {
		return pl, fmt.Errorf("go list %s: %w", pkg, err)
	}
	if pl.Module.Path == "" || pl.Module.Dir == "" {
		return pl, fmt.Errorf("go list %s: not in a module", pkg)
	}
	return pl, nil
}

// substituteModule copies the module holding pl into <dist>/svcship/src/<target> and
// writes a go.mod (with go.sum) beside it that replaces the module with the
// copy. It returns the go.mod path and the copy's folder.
func substituteModule(ctx *Context, pl listedPackage, env []string) (string, string, error) {
	// One copy per target: the build hooks of several targets run at once.
	base := filepath.Join(ctx.Dist, "svcship", "src", ctx.Target)
	copyDir := filepath.Join(base, "src", filepath.Base(pl.Module.Dir))
	if _, err := os.Stat(copyDir); err != nil {
		if err := copyTree(pl.Module.Dir, copyDir); err != nil {
			return "", "", fmt.Errorf("copy %s: %w", pl.Module.Path, err)
		}
	}
	modfile := filepath.Join(base, "go.mod")
	data, err := os.ReadFile(filepath.Join(ctx.Root, "go.mod"))
	if err != nil {
		return "", "", err
	}
	if err := os.WriteFile(modfile, data, 0o644); err != nil {
		return "", "", err
	}
	if sum, err := os.ReadFile(filepath.Join(ctx.Root, "go.sum")); err == nil {
		if err := os.WriteFile(filepath.Join(base, "go.sum"), sum, 0o644); err != nil {
			return "", "", err
		}
	}
	rel, err := filepath.Rel(ctx.Root, copyDir)
	if err != nil {
		return "", "", err
	}
	cmd := exec.CommandContext(ctx, "go", "mod", "edit", "-replace="+pl.Module.Path+"=./"+filepath.ToSlash(rel), modfile)
	cmd.Dir = ctx.Root
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("go mod edit: %v\n%s", err, out)
	}
	return modfile, copyDir, nil
}

// copyTree copies the regular files under src to dst, writable, skipping
// version-control folders, tests and test data.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			// Tests and their data are not part of a build (svcship's own
			// testdata holds thousands of files).
			if d.Name() == ".git" || d.Name() == "testdata" || d.Name() == "dist" && rel == "dist" {
				return filepath.SkipDir
			}
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() || strings.HasSuffix(d.Name(), "_test.go") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}
