package config

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// project lays out a project folder with svcship.yaml content yaml, some
// files and folders, and a file outside the project; it returns the path
// of svcship.yaml.
func project(t *testing.T, yaml string) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "proj")
	for _, d := range []string{"docs", "a", "b", "folder.ico"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"README.txt", "a/README.txt", "b/README.txt", "app.ico", "docs/guide.txt"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"outside.txt", "outside.ico"} {
		if err := os.WriteFile(filepath.Join(root, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if runtime.GOOS != "windows" {
		if err := os.Symlink(filepath.Join(root, "outside.txt"), filepath.Join(dir, "link.txt")); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("README.txt", filepath.Join(dir, "inside-link.txt")); err != nil {
			t.Fatal(err)
		}
	}
	yaml = strings.ReplaceAll(yaml, "$ROOT", filepath.ToSlash(root))
	p := filepath.Join(dir, FileName)
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadChecksPaths(t *testing.T) {
	withIcon := func(icon string) string {
		return strings.Replace(base, "  description: A small HTTP service\n", "  description: A small HTTP service\n  icon: "+icon+"\n", 1)
	}
	withLogs := func(key, dir string) string {
		return strings.Replace(base, "service:\n  name: hellosvc\n", "service:\n  name: hellosvc\n  "+key+"\n    dir: "+dir+"\n", 1)
	}
	for _, tt := range []struct {
		name, yaml, want string // want "" means the file is valid
		unixOnly         bool
	}{
		{"extra file outside the project", base + "  extra_files: [../outside.txt]\n",
			`svcship.yaml:10: packaging.extra_files[0]: "../outside.txt" is outside the project folder (expected a path inside the folder of svcship.yaml)`, false},
		{"extra file outside after a detour", base + "  extra_files: [docs/../../outside.txt]\n",
			`svcship.yaml:10: packaging.extra_files[0]: "docs/../../outside.txt" is outside the project folder`, false},
		{"extra file absolute", base + "  extra_files:\n    - README.txt\n    - $ROOT/outside.txt\n",
			`svcship.yaml:12: packaging.extra_files[1]: "$ROOT/outside.txt" is an absolute path (expected a path relative to the folder of svcship.yaml)`, false},
		{"extra file missing", base + "  extra_files: [missing.txt]\n",
			`svcship.yaml:10: packaging.extra_files[0]: "missing.txt" does not exist (paths are relative to the folder of svcship.yaml)`, false},
		{"extra file is a folder", base + "  extra_files: [docs]\n",
			`svcship.yaml:10: packaging.extra_files[0]: "docs" is a folder (expected a file)`, false},
		{"extra files with one name", base + "  extra_files: [a/README.txt, b/README.txt]\n",
			`svcship.yaml:10: packaging.extra_files[1]: "b/README.txt" has the same name as packaging.extra_files[0] "a/README.txt" (both are installed as README.txt)`, false},
		{"extra file named like svcship.yaml", base + "  extra_files: [svcship.yaml]\n",
			`svcship.yaml:10: packaging.extra_files[0]: "svcship.yaml" is installed anyway (the MSI and zip carry svcship.yaml; list other files)`, false},
		{"extra file through a link outside", base + "  extra_files: [link.txt]\n",
			`svcship.yaml:10: packaging.extra_files[0]: "link.txt" is outside the project folder (it is a link to `, true},
		{"extra files inside", base + "  extra_files: [docs/guide.txt, ./a/../b/README.txt]\n", "", false},
		{"extra file through a link inside", base + "  extra_files: [inside-link.txt]\n", "", true},
		{"icon outside the project", withIcon("../outside.ico"),
			`svcship.yaml:5: product.icon: "../outside.ico" is outside the project folder (expected a path inside the folder of svcship.yaml)`, false},
		{"icon is a folder", withIcon("folder.ico"),
			`svcship.yaml:5: product.icon: "folder.ico" is a folder (expected a .ico file)`, false},
		{"icon missing", withIcon("none.ico"),
			`svcship.yaml:5: product.icon: "none.ico" does not exist (paths are relative to the folder of svcship.yaml)`, false},
		{"icon inside", withIcon("app.ico"), "", false},
		{"logs dir escaping the install folder", withLogs("logs:", `..\..\Temp`),
			`svcship.yaml:8: service.logs.dir: "..\\..\\Temp" leaves the install folder (expected an absolute path such as C:\ProgramData\hellosvc\logs, or a folder inside the install folder)`, false},
		{"logs dir with a variable", withLogs("logs:", `'%ProgramData%\hellosvc\logs'`),
			`svcship.yaml:8: service.logs.dir: "%ProgramData%\\hellosvc\\logs" uses an environment variable, which svcship does not expand (expected an absolute path such as C:\ProgramData\hellosvc\logs, or a folder inside the install folder)`, false},
		{"logs dir drive-relative", withLogs("logs:", `'\logs'`),
			`svcship.yaml:8: service.logs.dir: "\\logs" has no drive letter`, false},
		{"logs dir drive without a slash", withLogs("logs:", `D:logs`),
			`svcship.yaml:8: service.logs.dir: "D:logs" is relative to the current folder of drive D: (expected`, false},
		{"logs dir with a bad character", withLogs("logs:", `'C:\logs|x'`),
			`svcship.yaml:8: service.logs.dir: "C:\\logs|x" contains a character Windows does not allow in paths`, false},
		{"logs dir absolute", withLogs("logs:", `'D:\Logs\hellosvc'`), "", false},
		{"logs dir UNC", withLogs("logs:", `'\\server\share\logs'`), "", false},
		{"logs dir relative", withLogs("logs:", `logs\service`), "", false},
		{"working directory escaping", strings.Replace(base, "service:\n  name: hellosvc\n", "service:\n  name: hellosvc\n  working_directory: ../data\n", 1),
			`svcship.yaml:7: service.working_directory: "../data" leaves the install folder`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.unixOnly && runtime.GOOS == "windows" {
				t.Skip("symbolic links need a privilege on Windows")
			}
			p := project(t, tt.yaml)
			root := filepath.Dir(filepath.Dir(p))
			_, err := Load(p)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				return
			}
			want := p + strings.TrimPrefix(strings.ReplaceAll(tt.want, "$ROOT", filepath.ToSlash(root)), "svcship.yaml")
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("err = %v\nwant prefix %s", err, want)
			}
		})
	}
}

func TestHostedExecutableStaysInside(t *testing.T) {
	for _, tc := range []struct {
		exe, want string
	}{
		{`bin\app.exe`, ""},
		{`C:\Program Files\Vendor\app.exe`, ""},
		{`..\..\Users\Public\x.exe`, `svcship.yaml:9: service.hosted.executable: "..\\..\\Users\\Public\\x.exe" leaves the install folder`},
	} {
		y := "product:\n  name: app\n  company: Acme\n  description: d\nservice:\n  name: app\n  mode: hosted\n  hosted:\n    executable: '" + tc.exe + "'\npackaging:\n  upgrade_code: 6B0F4C3E-2D8A-4E59-9A71-3C5D8E2F1B64\n"
		_, err := Parse("svcship.yaml", []byte(y))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.exe, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: err = %v, want %q", tc.exe, err, tc.want)
		}
	}
}
