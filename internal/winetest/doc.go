// Package winetest runs Windows programs under wine in tests.
//
// # What it does
//
// New(t) gives every test its own WINEPREFIX below t.TempDir(), so tests
// never share registry, services or files. Creating a prefix with
// "wineboot --init" takes about ten seconds, so the first New in a machine
// initialises a pristine template prefix once (under os.TempDir(), keyed by
// the wine version and the harness version, guarded by a file lock so
// parallel test binaries wait for each other) and every later New copies it:
// large PE files are hard-linked, everything else is copied. A copy takes
// well under a second.
//
// The environment of every wine process is pinned: WINEDEBUG=-all (override
// with SVCSHIP_WINEDEBUG when debugging), WINEDLLOVERRIDES="mscoree,mshtml="
// so wine never offers to download Mono or Gecko, and DISPLAY unset so
// nothing tries to open a window.
//
// # ProcessPrng
//
// Go 1.21 and later import bcryptprimitives.dll!ProcessPrng, which wine 8.0
// lacks (it ships no bcryptprimitives.dll at all), so any modern Go binary
// aborts at start. The template gets a tiny native bcryptprimitives.dll,
// built from prng/processprng.c with x86_64-w64-mingw32-gcc, whose
// ProcessPrng forwards to advapi32!SystemFunction036 (RtlGenRandom).
// 32-bit binaries are not supported: Debian's wine64 package has no 32-bit
// loader unless wine32:i386 is installed.
//
// # Skipping
//
// Without wine, wineserver or the mingw compiler the test is skipped with
// the reason; with CI=true in the environment it fails instead, so a CI
// machine that lost a tool cannot pass silently.
//
// # Cleanup
//
// t.Cleanup kills every process started through Start, then runs
// "wineserver -k" for the prefix and waits for the server to exit, which
// ends services.exe and every service it started.
//
// # Services
//
// sc.exe, reg.exe, taskkill.exe and msiexec.exe are wine's own. The service
// manager (services.exe) lives inside the prefix's wineserver session;
// services created with sc.exe or CreateService start under it. Known wine
// 8.0 gaps: delayed auto-start, SID type and the non-crash-failure flag
// return ERROR_INVALID_LEVEL, and failure actions are ignored.
// GenerateConsoleCtrlEvent delivers CTRL_C_EVENT but fails for
// CTRL_BREAK_EVENT (not implemented), and a process ended by taskkill /F or
// a Unix SIGKILL reports exit code 0 rather than 1.
//
// A booting prefix starts its services one at a time, and while one is
// pending, wine's StartServiceCtrlDispatcher in any process connects to
// the control pipe meant for that service's process: a service-aware
// program run on the console at that moment becomes the boot service. So
// New returns only once the boot services (Eventlog, PlugPlay, RpcSs, the
// driver hosts) all report RUNNING, 3 to 5 s after the copy.
package winetest
