package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// checkFiles checks the paths in svcship.yaml that name files of the
// project: each must exist and be a file, product.icon and
// packaging.extra_files must stay inside the folder of svcship.yaml (also
// through symbolic links), and extra files, which are installed under their
// base names, must be relative and have distinct names.
func (c *Config) checkFiles(file string, lines map[string]int) error {
	dir := filepath.Dir(file)
	fail := func(key, format string, args ...any) error {
		return &Error{File: file, Line: lines[key], Key: key, Msg: fmt.Sprintf(format, clipArgs(args)...)}
	}
	relTo := "the folder of " + filepath.Base(file)
	if icon := c.Product.Icon; icon != "" {
		if err := checkProjectFile(dir, icon, relTo, true); err != nil {
			return fail("product.icon", "%q %s", icon, strings.Replace(err.Error(), "a file)", "a .ico file)", 1))
		}
	}
	names := map[string]int{}
	for i, f := range c.Packaging.ExtraFiles {
		key := fmt.Sprintf("packaging.extra_files[%d]", i)
		if filepath.IsAbs(f) || strings.HasPrefix(f, `\`) || filepath.VolumeName(f) != "" {
			return fail(key, "%q is an absolute path (expected a path relative to %s)", f, relTo)
		}
		if err := checkProjectFile(dir, f, relTo, true); err != nil {
			return fail(key, "%q %v", f, err)
		}
		name := filepath.Base(filepath.FromSlash(f))
		if strings.EqualFold(name, FileName) {
			return fail(key, "%q is installed anyway (the MSI and zip carry %s; list other files)", f, FileName)
		}
		if j, ok := names[strings.ToLower(name)]; ok {
			return fail(key, "%q has the same name as packaging.extra_files[%d] %q (both are installed as %s)", f, j, c.Packaging.ExtraFiles[j], name)
		}
		names[strings.ToLower(name)] = i
	}
	return nil
}

// checkProjectFile checks that rel, relative to dir (or absolute), is an
// existing file and, if inside is set, that it lies in dir. The error
// completes a sentence that starts with the quoted path.
func checkProjectFile(dir, rel, relTo string, inside bool) error {
	p := filepath.FromSlash(rel)
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	if inside && !filepath.IsAbs(filepath.FromSlash(rel)) && !within(dir, p) {
		return fmt.Errorf("is outside the project folder (expected a path inside %s)", relTo)
	}
	fi, err := os.Stat(p)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("does not exist (paths are relative to %s)", relTo)
	case err != nil:
		return fmt.Errorf("cannot be read: %v", err)
	case fi.IsDir():
		return errors.New("is a folder (expected a file)")
	case !fi.Mode().IsRegular():
		return errors.New("is not a regular file (expected a file)")
	}
	if inside && !filepath.IsAbs(filepath.FromSlash(rel)) {
		// A link inside the project may point out of it.
		realDir, err1 := filepath.EvalSymlinks(dir)
		real, err2 := filepath.EvalSymlinks(p)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("cannot be resolved: %v", errors.Join(err1, err2))
		}
		if !within(realDir, real) {
			return fmt.Errorf("is outside the project folder (it is a link to %s; expected a file inside %s)", real, relTo)
		}
	}
	return nil
}

// within reports whether path p is dir or below it.
func within(dir, p string) bool {
	r, err := filepath.Rel(filepath.Clean(dir), filepath.Clean(p))
	return err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator))
}

// checkTargetDir checks a folder on the machine the service runs on
// (service.logs.dir, service.working_directory): a Windows absolute path,
// or a path relative to the install folder that stays inside it. svcship
// does not expand environment variables, so %VAR% is refused rather than
// becoming a folder literally named %VAR% under Program Files.
func checkTargetDir(p string) error {
	const expected = `expected an absolute path such as C:\ProgramData\hellosvc\logs, or a folder inside the install folder`
	switch {
	case strings.Contains(p, "%"):
		return fmt.Errorf("%q uses an environment variable, which svcship does not expand (%s)", clipped(p), expected)
	case strings.ContainsAny(p, `<>"|?*`) || strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 }):
		return fmt.Errorf("%q contains a character Windows does not allow in paths (%s)", clipped(p), expected)
	case strings.HasPrefix(p, `\\`) || strings.HasPrefix(p, `//`):
		return nil // UNC path
	case len(p) >= 2 && p[1] == ':':
		if !isLetter(p[0]) {
			return fmt.Errorf("%q contains a character Windows does not allow in paths (%s)", clipped(p), expected)
		}
		if len(p) < 3 || (p[2] != '\\' && p[2] != '/') {
			return fmt.Errorf("%q is relative to the current folder of drive %s (%s)", clipped(p), p[:2], expected)
		}
		if strings.Contains(p[2:], ":") {
			return fmt.Errorf("%q contains a character Windows does not allow in paths (%s)", clipped(p), expected)
		}
		return nil
	case strings.HasPrefix(p, `\`) || strings.HasPrefix(p, "/"):
		return fmt.Errorf("%q has no drive letter: it would depend on the current drive (%s)", clipped(p), expected)
	case strings.Contains(p, ":"):
		return fmt.Errorf("%q contains a character Windows does not allow in paths (%s)", clipped(p), expected)
	}
	depth := 0
	for _, part := range strings.FieldsFunc(p, func(r rune) bool { return r == '\\' || r == '/' }) {
		switch part {
		case ".":
		case "..":
			depth--
		default:
			depth++
		}
		if depth < 0 {
			return fmt.Errorf("%q leaves the install folder (%s)", clipped(p), expected)
		}
	}
	return nil
}

func isLetter(b byte) bool { return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') }
