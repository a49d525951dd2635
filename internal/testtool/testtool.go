// Package testtool finds the external programs that svcship's tests run
// (msitools, wine, exiftool, osslsigncode, ...).
//
// A missing program skips the test with the Debian package that provides
// it, except when CI=true: there a missing program means a broken runner,
// so the test fails and a green CI always means the checks ran. On Windows
// the Linux-only tools skip even in CI; the Linux job runs those tests.
package testtool

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
)

// packageOf maps a program to the Debian package that installs it.
func packageOf(name string) string {
	switch name {
	case "msiinfo", "msidump", "msiextract", "msibuild":
		return "msitools"
	case "exiftool":
		return "libimage-exiftool-perl"
	case "wine", "wineserver":
		return "wine wine64"
	case "x86_64-w64-mingw32-gcc":
		return "gcc-mingw-w64-x86-64-win32"
	case "softhsm2-util":
		return "softhsm2"
	case "pkcs11-tool":
		return "opensc"
	}
	if name == "sha256sum" {
		return "coreutils"
	}
	return name // gcab, cabextract, osslsigncode, openssl, git
}

// linuxOnly reports programs that the Windows CI job does not have.
func linuxOnly(name string) bool {
	switch name {
	case "go", "git":
		return false
	}
	return true
}

// Require returns the path of each program, in order, or skips t (fails it
// under CI=true) when one is missing.
func Require(t testing.TB, names ...string) []string {
	t.Helper()
	paths := make([]string, len(names))
	for i, name := range names {
		if runtime.GOOS == "windows" && linuxOnly(name) {
			t.Skipf("%s is a Linux tool; this test runs in the Linux job", name)
		}
		p, err := exec.LookPath(name)
		if err != nil {
			Missing(t, name+" not found on PATH (Debian package "+packageOf(name)+")")
		}
		paths[i] = p
	}
	return paths
}

// Path is Require for one program.
func Path(t testing.TB, name string) string {
	t.Helper()
	return Require(t, name)[0]
}

// Missing skips t with reason, or fails it when CI=true.
func Missing(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: not skipping)", reason)
	}
	t.Skip(reason)
}
