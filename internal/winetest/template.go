package winetest

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"github.com/svcship/svcship/internal/atomicfile"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// templateVersion changes whenever the way a template is built changes, so
// stale caches are never reused.
const templateVersion = "1"

const mingwCC = "x86_64-w64-mingw32-gcc"

//go:embed prng/processprng.c
var prngSource []byte

//go:embed prng/bcryptprimitives.def
var prngDef []byte

// template returns a ready, initialised prefix to copy from, creating it on
// first use. Creation is serialised across processes with a file lock.
func template(t testing.TB) (string, error) {
	ver, err := exec.Command("wine", "--version").Output()
	if err != nil {
		return "", fmt.Errorf("wine --version: %w", err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", templateVersion, strings.TrimSpace(string(ver)))
	h.Write(prngSource)
	h.Write(prngDef)
	key := sanitize(strings.TrimSpace(string(ver))) + "-" + hex.EncodeToString(h.Sum(nil))[:12]

	cacheRoot := os.Getenv("SVCSHIP_WINETEST_CACHE")
	if cacheRoot == "" {
		cacheRoot = filepath.Join(os.TempDir(), "svcship-winetest")
	}
	if err := os.MkdirAll(cacheRoot, 0o755); err != nil {
		return "", err
	}
	dir := filepath.Join(cacheRoot, key)
	ready := filepath.Join(dir, ".svcship-ready")
	if _, err := os.Stat(ready); err == nil {
		return dir, nil
	}

	unlock, err := lockFile(dir + ".lock")
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(ready); err == nil {
		return dir, nil // another process built it while we waited
	}
	start := time.Now()
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(cacheRoot, key+".tmp-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	prefix := filepath.Join(tmp, "prefix")
	if err := initPrefix(prefix); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(prefix, ".svcship-ready"), []byte(key+"\n"), 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(prefix, dir); err != nil {
		return "", err
	}
	t.Logf("winetest: built template prefix %s in %v", dir, time.Since(start).Round(time.Millisecond))
	return dir, nil
}

// initPrefix runs wineboot and installs the ProcessPrng DLL.
func initPrefix(prefix string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	env := prefixEnv(os.Environ(), prefix)
	run := func(name string, args ...string) error {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Env = env
		cmd.WaitDelay = 5 * time.Second
		out, errOut, err := runToFiles(cmd, filepath.Dir(prefix))
		if err != nil {
			return fmt.Errorf("%s %s: %w\n%s%s", name, strings.Join(args, " "), err, out, errOut)
		}
		return nil
	}
	if err := run("wineboot", "--init"); err != nil {
		_ = run("wineserver", "-k") // leave nothing writing into the prefix
		return err
	}
	// The registry reaches disk only when the server exits.
	if err := run("wineserver", "-w"); err != nil {
		return err
	}
	sys32 := filepath.Join(prefix, "drive_c", "windows", "system32")
	if _, err := os.Stat(filepath.Join(sys32, "bcryptprimitives.dll")); err == nil {
		// A wine that has its own would need "bcryptprimitives=n,b";
		// refuse rather than silently shadow it.
		return fmt.Errorf("wine ships bcryptprimitives.dll; the ProcessPrng stand-in needs revisiting")
	}
	if err := buildPrngDLL(ctx, filepath.Join(sys32, "bcryptprimitives.dll")); err != nil {
		return err
	}
	// The per-prefix server identity must not be shared by copies.
	return os.RemoveAll(filepath.Join(prefix, "wineserver"))
}

// buildPrngDLL compiles the bcryptprimitives.dll stand-in to out.
func buildPrngDLL(ctx context.Context, out string) error {
	src, err := os.MkdirTemp("", "svcship-prng-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(src)
	c := filepath.Join(src, "processprng.c")
	def := filepath.Join(src, "bcryptprimitives.def")
	if err := os.WriteFile(c, prngSource, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(def, prngDef, 0o644); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, mingwCC,
		"-O2", "-s", "-shared", "-nostdlib", "-e", "DllMain",
		"-Wl,--no-insert-timestamp", "-Wl,--dynamicbase",
		"-o", out, c, def, "-ladvapi32", "-lkernel32")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build bcryptprimitives.dll: %w\n%s", err, b)
	}
	return nil
}

// peExt are the files big enough to matter and never written by tests; they
// are hard-linked into copies instead of copied.
var peExt = map[string]bool{".dll": true, ".exe": true, ".drv": true, ".sys": true, ".acm": true, ".ocx": true, ".cpl": true, ".tlb": true, ".ax": true, ".nls": true, ".msstyles": true}

// copyPrefix copies the template src to dst.
func copyPrefix(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, info.Mode().Perm())
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case !d.Type().IsRegular():
			return nil
		case peExt[strings.ToLower(filepath.Ext(path))]:
			if err := os.Link(path, target); err == nil {
				return nil
			}
			return copyFile(path, target, info) // e.g. across file systems
		default:
			return copyFile(path, target, info)
		}
	})
}

func copyFile(src, dst string, info fs.FileInfo) error {
	if err := atomicfile.CopyNew(src, dst, info.Mode().Perm()); err != nil {
		return err
	}
	return os.Chtimes(dst, info.ModTime(), info.ModTime())
}
