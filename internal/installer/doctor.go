package installer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/svcship/svcship/internal/svcstate"
	"io"
	"io/fs"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/host"
	"github.com/svcship/svcship/internal/winargs"
	"github.com/svcship/svcship/service"
)

// Inspector is what doctor reads besides System: the Event Log,
// signatures, permissions, files and the health probe. NewInspector
// returns the real one; every method reports ErrAccessDenied when the
// caller lacks the rights, so doctor can say "run as administrator"
// instead of "missing".
type Inspector interface {
	// Events returns the newest entries, newest first and at most max,
	// that source wrote to the Application log.
	Events(source string, max int) ([]Event, error)
	// Signature verifies the Authenticode signature of a file.
	Signature(path string) (Signature, error)
	// CanWrite reports whether account (as the service manager stores
	// it, e.g. NT SERVICE\x or LocalSystem) may create files in dir.
	CanWrite(dir, account string) (bool, error)
	// Exists reports whether path exists ((false, nil) when it does not).
	Exists(path string) (bool, error)
	// ReadDir lists the names of the files in dir, sorted.
	ReadDir(dir string) ([]string, error)
	// Tail returns at most max bytes from the end of a file.
	Tail(path string, max int64) ([]byte, error)
	// Get requests url and returns the HTTP status code.
	Get(ctx context.Context, url string) (int, error)
}

// Event is one Event Log entry.
type Event struct {
	Time    time.Time `json:"time"`
	Type    string    `json:"type"` // error, warning, information
	ID      uint32    `json:"id"`
	Message string    `json:"message"`
}

// SignatureState is the outcome of an Authenticode check.
type SignatureState int

const (
	SigValid     SignatureState = iota // signed, and the chain is trusted
	SigUnsigned                        // no signature
	SigUntrusted                       // signed, but by a certificate this machine does not trust
	SigInvalid                         // the signature does not match the file (changed after signing)
)

// Signature is what WinVerifyTrust said about a file.
type Signature struct {
	State  SignatureState
	Detail string // the verifier's message, for everything but SigValid
}

// Severities of a finding.
const (
	SevOK      = "ok"
	SevInfo    = "info"
	SevWarning = "warning"
	SevError   = "error"
)

// Finding is one result of doctor.
type Finding struct {
	Check    string   `json:"check"`
	Severity string   `json:"severity"`
	Message  string   `json:"message"`
	Fix      string   `json:"fix,omitempty"`
	Detail   []string `json:"detail,omitempty"`
}

// DoctorReport is doctor's answer (also its --json form).
type DoctorReport struct {
	Service  string    `json:"service"`
	Mode     string    `json:"mode"`
	Errors   int       `json:"errors"`
	Warnings int       `json:"warnings"`
	Findings []Finding `json:"findings"`
}

// Doctor's checks, in the order they are reported.
const (
	CheckInstalled    = "installed"
	CheckConfig       = "config"
	CheckState        = "state"
	CheckDependencies = "dependencies"
	CheckEventLog     = "event-log"
	CheckLogs         = "logs"
	CheckLogFolder    = "log-folder"
	CheckExecutable   = "executable"
	CheckSignature    = "signature"
	CheckHost         = "hosted-child"
	CheckHealth       = "health"
)

const (
	doctorEvents   = 5
	doctorTailSize = 16 << 10
	doctorTailLine = 10
	// minSecret: shorter values are not masked; they would garble the
	// report and cannot be a meaningful secret.
	minSecret = 4
)

func (r *DoctorReport) add(f Finding) {
	r.Findings = append(r.Findings, f)
	switch f.Severity {
	case SevError:
		r.Errors++
	case SevWarning:
		r.Warnings++
	}
}

// denied is the finding for something only an administrator may read.
func denied(check, what string) Finding {
	return Finding{Check: check, Severity: SevWarning,
		Message: fmt.Sprintf("cannot read %s: access denied", what),
		Fix:     fmt.Sprintf("run as administrator to read %s", what)}
}

func isDenied(err error) bool {
	return errors.Is(err, ErrAccessDenied) || errors.Is(err, fs.ErrPermission)
}

// doctor holds one run's inputs.
type doctor struct {
	sys   System
	in    Inspector
	ctx   context.Context
	s     Settings
	cfg   *config.Config
	env   Env
	cur   *Current
	st    RunStatus
	rep   DoctorReport
	probe string
}

// Diagnose runs every check for the service cfg describes, installed from
// dir, and returns the findings in order.
func Diagnose(ctx context.Context, sys System, in Inspector, cfg *config.Config, env Env, cfgPath string) DoctorReport {
	d := &doctor{sys: sys, in: in, ctx: ctx, cfg: cfg, env: env, s: FromConfig(cfg, env.Dir, cfgPath), probe: cfg.Service.Health.URL}
	d.rep = DoctorReport{Service: d.s.Name, Mode: string(d.s.Mode)}
	installed := d.checkInstalled()
	if installed {
		d.checkConfig()
		d.checkState()
		d.checkDependencies()
		d.checkEvents()
	}
	d.checkLogs()
	d.checkExecutables()
	if d.s.Mode == config.ModeHosted {
		d.checkHost()
	}
	if installed {
		d.checkHealth()
	}
	return d.rep
}

func (d *doctor) checkInstalled() bool {
	cur, err := d.sys.Query(d.s.Name)
	switch {
	case errors.Is(err, ErrNotInstalled):
		d.rep.add(Finding{Check: CheckInstalled, Severity: SevError,
			Message: fmt.Sprintf("service %s is not installed", d.s.Name),
			Fix:     "run 'svcship-installer install' as administrator (or install the MSI)"})
		return false
	case isDenied(err):
		d.rep.add(denied(CheckInstalled, "the service's configuration"))
		return false
	case err != nil:
		d.rep.add(Finding{Check: CheckInstalled, Severity: SevError, Message: fmt.Sprintf("query service %s: %v", d.s.Name, err)})
		return false
	}
	st, err := d.sys.Status(d.s.Name)
	if err != nil {
		if isDenied(err) {
			d.rep.add(denied(CheckInstalled, "the service's status"))
		} else {
			d.rep.add(Finding{Check: CheckInstalled, Severity: SevError, Message: fmt.Sprintf("query status of %s: %v", d.s.Name, err)})
		}
		return false
	}
	d.cur, d.st = cur, st
	d.rep.add(Finding{Check: CheckInstalled, Severity: SevOK, Message: fmt.Sprintf("service %s is installed: %s", d.s.Name, cur.BinaryPath)})
	return true
}

// checkConfig compares the installed service with svcship.yaml, one
// finding per setting that differs.
func (d *doctor) checkConfig() {
	s, cur := &d.s, d.cur
	if k, _ := accountKind(s.Account); k == accountUser {
		s.Password = "-" // never compared; Validate wants one
	}
	if err := s.Validate(); err != nil {
		d.rep.add(Finding{Check: CheckConfig, Severity: SevError, Message: fmt.Sprintf("svcship.yaml: %v", err)})
		return
	}
	want := s.core()
	fix := "run 'svcship-installer install' as administrator to apply svcship.yaml (then 'svcship-installer restart')"
	diff := func(what, have, wantS string) {
		verb := "differs"
		if strings.HasSuffix(what, "s") {
			verb = "differ" // arguments, dependencies, recovery actions
		}
		d.rep.add(Finding{Check: CheckConfig, Severity: SevError,
			Message: fmt.Sprintf("%s %s from svcship.yaml: installed %s, svcship.yaml wants %s", what, verb, have, wantS), Fix: fix})
	}
	n := len(d.rep.Findings)
	haveArgs, wantArgs := winargs.Split(cur.BinaryPath), winargs.Split(want.BinaryPath)
	switch {
	case len(haveArgs) == 0 || len(wantArgs) == 0 || !strings.EqualFold(haveArgs[0], wantArgs[0]):
		diff("binary path", quoteOrNone(first(haveArgs)), quoteOrNone(first(wantArgs)))
	case !slices.Equal(haveArgs[1:], wantArgs[1:]):
		diff("arguments", fmt.Sprintf("%q", haveArgs[1:]), fmt.Sprintf("%q", wantArgs[1:]))
	}
	if !strings.EqualFold(cur.Account, want.Account) {
		diff("account", cur.Account, want.Account)
	}
	wantStart := string(s.Start)
	haveStart := cur.Start.String()
	if cur.Start == StartModeAuto && cur.DelayedAutoStart.OK && cur.DelayedAutoStart.Value {
		haveStart = string(config.StartDelayedAuto)
	}
	switch {
	case cur.Start != want.Start:
		diff("start type", haveStart, wantStart)
	case cur.DelayedAutoStart.OK && haveStart != wantStart && (haveStart == "delayed-auto" || wantStart == "delayed-auto"):
		diff("start type", haveStart, wantStart)
	}
	if !equalFoldSlices(cur.Dependencies, want.Dependencies) {
		diff("dependencies", listOrNone(cur.Dependencies), listOrNone(want.Dependencies))
	}
	fa := s.failureActions()
	switch {
	case !cur.Failure.OK:
		d.rep.add(Finding{Check: CheckConfig, Severity: SevInfo,
			Message: "recovery actions cannot be read back on this system; not compared"})
	case !equalFailure(cur.Failure.Value, fa):
		diff("recovery actions", describeFailure(cur.Failure.Value), describeFailure(fa))
	}
	if cur.NonCrashFailures.OK && cur.NonCrashFailures.Value != s.nonCrash() {
		diff("recovery on non-crash failure", onOff(cur.NonCrashFailures.Value), onOff(s.nonCrash()))
	}
	if env := s.EnvironmentLines(); !slices.Equal(slices.Sorted(slices.Values(cur.Environment)), env) {
		d.rep.add(Finding{Check: CheckConfig, Severity: SevWarning,
			Message: fmt.Sprintf("environment differs from svcship.yaml: installed %s, svcship.yaml wants %s", envNames(cur.Environment), envNames(env)), Fix: fix})
	}
	if ok, err := d.sys.EventSourceExists(s.eventSource()); err == nil && !ok {
		d.rep.add(Finding{Check: CheckConfig, Severity: SevWarning,
			Message: fmt.Sprintf("event source %s is not registered: lifecycle entries cannot reach the Event Log", s.eventSource()), Fix: fix})
	}
	if len(d.rep.Findings) == n || onlyInfo(d.rep.Findings[n:]) {
		d.rep.add(Finding{Check: CheckConfig, Severity: SevOK, Message: "binary path, arguments, account, start type, dependencies and recovery match svcship.yaml"})
	}
}

func onlyInfo(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity != SevInfo {
			return false
		}
	}
	return true
}

func first(a []string) string {
	if len(a) == 0 {
		return ""
	}
	return a[0]
}

func quoteOrNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "(none)"
	}
	return strings.Join(l, ", ")
}

// exitMeaning explains a Win32 exit code the service manager recorded,
// and how to fix it. The codes are the ones a service's start or run
// commonly ends with (System Error Codes, learn.microsoft.com/windows/win32/debug/system-error-codes).
func exitMeaning(code uint32) (meaning, fix string) {
	switch code {
	case 2:
		return "ERROR_FILE_NOT_FOUND: the program file was not found", "reinstall, or correct the binary path with 'svcship-installer install'"
	case 3:
		return "ERROR_PATH_NOT_FOUND: a folder on the program's path does not exist", "reinstall, or correct the binary path with 'svcship-installer install'"
	case 5:
		return "ERROR_ACCESS_DENIED: the service account may not run the program or open a file it needs", "give the service account read and execute on the install folder and modify on the log folder"
	case 193, 216:
		return "the program is not a valid Windows executable for this machine (wrong architecture?)", "install the MSI or zip built for this machine's architecture"
	case 1053:
		return "ERROR_SERVICE_REQUEST_TIMEOUT: the program did not report to the service manager in time (not a service program, or stuck starting)", "in native mode the program must call service.Run; otherwise use service.mode: hosted. Check the log tail below"
	case 1054:
		return "ERROR_SERVICE_NO_THREAD: the service thread could not be created", "check free memory and the program's log"
	case 1058:
		return "ERROR_SERVICE_DISABLED: the service is disabled", "set service.start and run 'svcship-installer install'"
	case 1064:
		return "ERROR_EXCEPTION_IN_SERVICE: the program crashed while handling a control", "check the log tail below"
	case 1067:
		return "ERROR_PROCESS_ABORTED: the process ended without telling the service manager (crash, panic or os.Exit)", "check the log tail below and the Application log"
	case 1068:
		return "ERROR_SERVICE_DEPENDENCY_FAIL: a dependency did not start", "start the dependencies listed below, or fix service.dependencies"
	case 1069:
		return "ERROR_SERVICE_LOGON_FAILED: the account could not log on (wrong password, or no \"Log on as a service\" right)", "run 'svcship-installer install' as administrator with the password in service.password_env; it grants the logon right"
	case 1075:
		return "ERROR_SERVICE_DEPENDENCY_DELETED: a dependency does not exist", "install the dependency, or remove it from service.dependencies"
	case 1077:
		return "ERROR_SERVICE_NEVER_STARTED: the service has not been started since the machine booted", "run 'svcship-installer start'"
	case 1079:
		return "ERROR_DIFFERENT_SERVICE_ACCOUNT: another service in the same process runs under a different account", "give each service its own process"
	case 1326:
		return "ERROR_LOGON_FAILURE: unknown user name or bad password", "run 'svcship-installer install' as administrator with the current password in service.password_env"
	case 1385:
		return "ERROR_LOGON_TYPE_NOT_GRANTED: the account lacks the \"Log on as a service\" right", "run 'svcship-installer install' as administrator; it grants the right"
	}
	return fmt.Sprintf("exit code %d (see learn.microsoft.com/windows/win32/debug/system-error-codes)", code), "check the log tail below"
}

// serviceSpecificMeaning explains the codes package service exits with.
func serviceSpecificMeaning(code uint32, hosted bool) string {
	switch code {
	case service.ExitAppFailed:
		if hosted {
			return "the hosted program failed too often and the host gave up (see hosted-child below)"
		}
		return "the program returned an error (its last log lines say which)"
	case service.ExitStartTimeout:
		return "the program did not become ready within the start timeout"
	case service.ExitSetupFailed:
		return "the runtime could not set up its working directory or log file"
	}
	return fmt.Sprintf("the program's own code %d", code)
}

func (d *doctor) checkState() {
	st := d.st
	hosted := d.s.Mode == config.ModeHosted
	autoStart := d.cur.Start == StartModeAuto
	switch st.State {
	case svcstate.Running:
		d.rep.add(Finding{Check: CheckState, Severity: SevOK, Message: fmt.Sprintf("running (pid %d)", st.PID)})
		return
	case svcstate.StartPending, svcstate.StopPending, svcstate.ContinuePending, svcstate.PausePending:
		d.rep.add(Finding{Check: CheckState, Severity: SevWarning,
			Message: fmt.Sprintf("%s (pid %d): the service is between states", st.State, st.PID),
			Fix:     "wait, then run doctor again; a service stuck here for minutes can be ended with 'svcship-installer stop'"})
		return
	case svcstate.Paused:
		d.rep.add(Finding{Check: CheckState, Severity: SevWarning, Message: "paused", Fix: "continue it from services.msc, or run 'svcship-installer restart'"})
		return
	}
	// Stopped.
	switch {
	case st.Win32ExitCode == errServiceSpecific:
		d.rep.add(Finding{Check: CheckState, Severity: SevError,
			Message: fmt.Sprintf("stopped with service-specific exit code %d: %s", st.ServiceExitCode, serviceSpecificMeaning(st.ServiceExitCode, hosted)),
			Fix:     "fix the cause in the log tail below, then run 'svcship-installer start'"})
	case st.Win32ExitCode == 1077 && !autoStart:
		d.rep.add(Finding{Check: CheckState, Severity: SevInfo, Message: "stopped; not started since boot (start type " + d.cur.Start.String() + ")"})
	case st.Win32ExitCode != 0:
		m, fix := exitMeaning(st.Win32ExitCode)
		d.rep.add(Finding{Check: CheckState, Severity: SevError, Message: fmt.Sprintf("stopped with exit code %d: %s", st.Win32ExitCode, m), Fix: fix})
	case autoStart:
		d.rep.add(Finding{Check: CheckState, Severity: SevError, Message: "stopped, although it starts automatically (exit code 0: it stopped itself or was stopped)",
			Fix: "run 'svcship-installer start'"})
	default:
		d.rep.add(Finding{Check: CheckState, Severity: SevInfo, Message: "stopped (exit code 0; start type " + d.cur.Start.String() + ")"})
	}
}

func (d *doctor) checkDependencies() {
	deps := d.cur.Dependencies
	if len(deps) == 0 {
		return
	}
	bad := false
	for _, dep := range deps {
		if strings.HasPrefix(dep, "+") {
			d.rep.add(Finding{Check: CheckDependencies, Severity: SevInfo, Message: fmt.Sprintf("depends on the load-order group %s (not checked)", dep[1:])})
			continue
		}
		st, err := d.sys.Status(dep)
		switch {
		case errors.Is(err, ErrNotInstalled):
			bad = true
			d.rep.add(Finding{Check: CheckDependencies, Severity: SevError, Message: fmt.Sprintf("dependency %s is not installed: the service cannot start (error 1075)", dep),
				Fix: fmt.Sprintf("install %s, or remove it from service.dependencies and run 'svcship-installer install'", dep)})
		case isDenied(err):
			d.rep.add(denied(CheckDependencies, "the status of dependency "+dep))
		case err != nil:
			d.rep.add(Finding{Check: CheckDependencies, Severity: SevWarning, Message: fmt.Sprintf("dependency %s: %v", dep, err)})
		case st.State != svcstate.Running:
			bad = true
			sev := SevError
			if d.st.State == svcstate.Running {
				sev = SevWarning // it runs now, but a restart would fail
			}
			d.rep.add(Finding{Check: CheckDependencies, Severity: sev, Message: fmt.Sprintf("dependency %s is %s", dep, st.State),
				Fix: fmt.Sprintf("start %s (sc start %s), or find out why it stopped", dep, dep)})
		}
	}
	if !bad {
		d.rep.add(Finding{Check: CheckDependencies, Severity: SevOK, Message: "dependencies running: " + strings.Join(deps, ", ")})
	}
}

func (d *doctor) checkEvents() {
	src := d.s.eventSource()
	evs, err := d.in.Events(src, doctorEvents)
	switch {
	case isDenied(err):
		d.rep.add(denied(CheckEventLog, "the Application log"))
		return
	case errors.Is(err, ErrUnsupported):
		d.rep.add(Finding{Check: CheckEventLog, Severity: SevInfo, Message: "the Event Log cannot be read on this system"})
		return
	case err != nil:
		d.rep.add(Finding{Check: CheckEventLog, Severity: SevWarning, Message: fmt.Sprintf("read the Application log: %v", err)})
		return
	case len(evs) == 0:
		d.rep.add(Finding{Check: CheckEventLog, Severity: SevInfo, Message: fmt.Sprintf("no entries from source %s in the Application log", src)})
		return
	}
	var lines []string
	for _, e := range evs {
		lines = append(lines, fmt.Sprintf("%s %-11s %s", e.Time.UTC().Format(time.RFC3339), e.Type, e.Message))
	}
	f := Finding{Check: CheckEventLog, Severity: SevOK, Message: fmt.Sprintf("last %d entries from %s (newest first)", len(evs), src), Detail: lines}
	if evs[0].Type == "error" {
		f.Severity = SevWarning
		f.Message = fmt.Sprintf("the newest entry from %s is an error: %s", src, evs[0].Message)
	}
	d.rep.add(f)
}

// logDir is where the runtime (or host) writes, as it resolves it.
func (d *doctor) logDir() string {
	if d.s.Logs.Dir != "" {
		return winJoin(d.s.Dir, d.s.Logs.Dir)
	}
	return service.DefaultLogDir(d.s.Name, d.env.Getenv)
}

// logFiles are the files whose tails doctor shows.
func (d *doctor) logFiles() []string {
	files := []string{d.s.Name + ".log"}
	if d.s.Mode == config.ModeHosted {
		base := strings.TrimSuffix(baseName(d.cfg.Service.Hosted.Executable), ".exe")
		files = append(files, base+".stderr.log", base+".stdout.log")
	}
	return files
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `\/`); i >= 0 {
		return p[i+1:]
	}
	return p
}

func (d *doctor) checkLogs() {
	dir := d.logDir()
	names, err := d.in.ReadDir(dir)
	switch {
	case isDenied(err):
		d.rep.add(denied(CheckLogs, "the log folder "+dir))
	case errors.Is(err, fs.ErrNotExist):
		d.rep.add(Finding{Check: CheckLogs, Severity: SevWarning, Message: fmt.Sprintf("log folder %s does not exist: the service has not written a log yet", dir),
			Fix: "start the service; if it never gets as far as logging, see the state and event-log findings"})
	case err != nil:
		d.rep.add(Finding{Check: CheckLogs, Severity: SevWarning, Message: fmt.Sprintf("read log folder %s: %v", dir, err)})
	default:
		for _, f := range d.logFiles() {
			if !slices.Contains(names, f) {
				continue
			}
			path := winJoin(dir, f)
			b, err := d.in.Tail(path, doctorTailSize)
			if isDenied(err) {
				d.rep.add(denied(CheckLogs, path))
				continue
			}
			if err != nil {
				d.rep.add(Finding{Check: CheckLogs, Severity: SevWarning, Message: fmt.Sprintf("read %s: %v", path, err)})
				continue
			}
			lines := lastLines(b, doctorTailLine)
			f := Finding{Check: CheckLogs, Severity: SevOK, Message: fmt.Sprintf("last %d lines of %s", len(lines), path), Detail: lines}
			if n := countErrors(lines); n > 0 {
				f.Severity = SevWarning
				f.Message = fmt.Sprintf("%d of the last %d lines of %s are errors", n, len(lines), path)
			}
			d.rep.add(f)
		}
		if !slices.Contains(names, d.s.Name+".log") {
			d.rep.add(Finding{Check: CheckLogs, Severity: SevWarning, Message: fmt.Sprintf("%s has no %s.log: the service has not logged yet", dir, d.s.Name)})
		}
	}
	d.checkLogFolder(dir)
}

// lastLines returns the last n complete lines (a first partial line is
// dropped when b is a tail).
func lastLines(b []byte, n int) []string {
	s := strings.TrimRight(string(b), "\r\n")
	if s == "" {
		return nil
	}
	lines := strings.Split(s, "\n")
	if len(b) >= doctorTailSize && len(lines) > 1 {
		lines = lines[1:]
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, "\r")
	}
	return lines
}

func countErrors(lines []string) int {
	n := 0
	for _, l := range lines {
		if strings.Contains(l, `"level":"ERROR"`) || strings.Contains(l, "level=ERROR") {
			n++
		}
	}
	return n
}

func (d *doctor) serviceAccount() string {
	if d.cur != nil && d.cur.Account != "" {
		return d.cur.Account
	}
	return d.s.serviceStartName()
}

func (d *doctor) checkLogFolder(dir string) {
	acct := d.serviceAccount()
	ok, err := d.in.CanWrite(dir, acct)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Reported by the logs check; the runtime creates the folder.
	case isDenied(err):
		d.rep.add(denied(CheckLogFolder, "the permissions of "+dir))
	case errors.Is(err, ErrUnsupported):
		d.rep.add(Finding{Check: CheckLogFolder, Severity: SevInfo, Message: "folder permissions cannot be read on this system"})
	case err != nil:
		d.rep.add(Finding{Check: CheckLogFolder, Severity: SevWarning, Message: fmt.Sprintf("permissions of %s: %v", dir, err)})
	case !ok:
		d.rep.add(Finding{Check: CheckLogFolder, Severity: SevError,
			Message: fmt.Sprintf("the service account %s cannot create files in %s: the service fails at start (service-specific exit code %d)", acct, dir, service.ExitSetupFailed),
			Fix:     "run 'svcship-installer install' as administrator, which sets the log folder's permissions for the service account"})
	default:
		d.rep.add(Finding{Check: CheckLogFolder, Severity: SevOK, Message: fmt.Sprintf("%s can write to %s", acct, dir)})
	}
}

// executables are the files the service runs: the program, and in hosted
// mode the host too.
func (d *doctor) executables() []string {
	var out []string
	if d.cur != nil {
		if args := winargs.Split(d.cur.BinaryPath); len(args) > 0 {
			out = append(out, args[0])
		}
	} else {
		out = append(out, first(winargs.Split(d.s.ImagePath())))
	}
	if d.s.Mode == config.ModeHosted {
		child := winJoin(d.s.Dir, d.cfg.Service.Hosted.Executable)
		if !slices.ContainsFunc(out, func(p string) bool { return strings.EqualFold(p, child) }) {
			out = append(out, child)
		}
	}
	return out
}

func (d *doctor) checkExecutables() {
	for _, exe := range d.executables() {
		ok, err := d.in.Exists(exe)
		switch {
		case isDenied(err):
			d.rep.add(denied(CheckExecutable, exe))
			continue
		case err != nil:
			d.rep.add(Finding{Check: CheckExecutable, Severity: SevWarning, Message: fmt.Sprintf("%s: %v", exe, err)})
			continue
		case !ok:
			d.rep.add(Finding{Check: CheckExecutable, Severity: SevError,
				Message: fmt.Sprintf("%s does not exist: the service cannot start (exit code 2)", exe),
				Fix:     "repair the installation (msiexec /fa <the MSI>, or unpack the zip again and run 'svcship-installer install')"})
			continue
		}
		d.rep.add(Finding{Check: CheckExecutable, Severity: SevOK, Message: exe + " exists"})
		sig, err := d.in.Signature(exe)
		switch {
		case isDenied(err):
			d.rep.add(denied(CheckSignature, exe))
		case errors.Is(err, ErrUnsupported):
			d.rep.add(Finding{Check: CheckSignature, Severity: SevInfo, Message: "signatures cannot be verified on this system"})
		case err != nil:
			d.rep.add(Finding{Check: CheckSignature, Severity: SevWarning, Message: fmt.Sprintf("verify %s: %v", exe, err)})
		case sig.State == SigValid:
			d.rep.add(Finding{Check: CheckSignature, Severity: SevOK, Message: exe + " has a valid Authenticode signature"})
		case sig.State == SigUnsigned:
			d.rep.add(Finding{Check: CheckSignature, Severity: SevWarning, Message: exe + " is not signed",
				Fix: "sign releases (docs/pipeline.md, signing); unsigned programs meet SmartScreen and application control policies"})
		case sig.State == SigUntrusted:
			d.rep.add(Finding{Check: CheckSignature, Severity: SevWarning, Message: fmt.Sprintf("%s is signed by a certificate this machine does not trust: %s", exe, sig.Detail)})
		default:
			d.rep.add(Finding{Check: CheckSignature, Severity: SevError, Message: fmt.Sprintf("%s has a signature that does not match its content (changed after signing): %s", exe, sig.Detail),
				Fix: "reinstall from a trusted package; find out who changed the file"})
		}
	}
}

func (d *doctor) checkHost() {
	path := winJoin(d.logDir(), host.StatusFile)
	b, err := d.in.Tail(path, 1<<20)
	switch {
	case isDenied(err):
		d.rep.add(denied(CheckHost, path))
		return
	case errors.Is(err, fs.ErrNotExist):
		d.rep.add(Finding{Check: CheckHost, Severity: SevInfo, Message: fmt.Sprintf("no %s yet: the host has not started the program", path)})
		return
	case err != nil:
		d.rep.add(Finding{Check: CheckHost, Severity: SevWarning, Message: fmt.Sprintf("read %s: %v", path, err)})
		return
	}
	var st host.Status
	if err := json.Unmarshal(b, &st); err != nil {
		d.rep.add(Finding{Check: CheckHost, Severity: SevWarning, Message: fmt.Sprintf("%s: %v", path, err)})
		return
	}
	exe := baseName(st.Executable)
	last := "none"
	if e := st.LastExit; e != nil {
		last = fmt.Sprintf("exit code %d at %s after %s", e.Code, e.At.UTC().Format(time.RFC3339), (time.Duration(e.RanMS) * time.Millisecond).String())
	}
	detail := []string{fmt.Sprintf("state %s, starts %d, restarts %d, failures in window %d of %d, last exit: %s", st.State, st.Starts, st.Restarts, st.FailuresInWindow, st.MaxFailures, last)}
	stderrLog := strings.TrimSuffix(exe, ".exe") + ".stderr.log"
	switch {
	case st.State == host.StateGaveUp:
		d.rep.add(Finding{Check: CheckHost, Severity: SevError,
			Message: fmt.Sprintf("%s kept crashing: it exited unexpectedly %d times within the restart window and the host gave up (last %s)", exe, st.FailuresInWindow, last),
			Fix:     fmt.Sprintf("read %s and the log tails above; after fixing, run 'svcship-installer start' (the service manager's recovery may already restart it)", stderrLog),
			Detail:  detail})
	case st.State == host.StateBackingOff:
		d.rep.add(Finding{Check: CheckHost, Severity: SevError,
			Message: fmt.Sprintf("%s is in a crash loop: it exited unexpectedly (last %s) and the host restarts it after a back-off (%d of %d failures)", exe, last, st.FailuresInWindow, st.MaxFailures),
			Fix:     fmt.Sprintf("read %s and the log tails above", stderrLog), Detail: detail})
	case st.Restarts > 0 && st.LastExit != nil && !st.LastExit.Success:
		d.rep.add(Finding{Check: CheckHost, Severity: SevWarning,
			Message: fmt.Sprintf("%s is %s but was restarted %d times (last %s)", exe, st.State, st.Restarts, last), Detail: detail})
	default:
		d.rep.add(Finding{Check: CheckHost, Severity: SevOK, Message: fmt.Sprintf("%s is %s (restarts %d)", exe, st.State, st.Restarts), Detail: detail})
	}
}

func (d *doctor) checkHealth() {
	if d.probe == "" {
		return
	}
	if d.st.State != svcstate.Running {
		d.rep.add(Finding{Check: CheckHealth, Severity: SevInfo, Message: fmt.Sprintf("not probed: %s needs a running service", d.probe)})
		return
	}
	code, err := d.in.Get(d.ctx, d.probe)
	switch {
	case err != nil:
		d.rep.add(Finding{Check: CheckHealth, Severity: SevError, Message: fmt.Sprintf("%s: %v", d.probe, err),
			Fix: "the service runs but does not answer: check the address it listens on (service.arguments) and the log tail above; another program may hold the port"})
	case code < 200 || code > 299:
		d.rep.add(Finding{Check: CheckHealth, Severity: SevError, Message: fmt.Sprintf("%s answered %d (%s)", d.probe, code, statusClass(code)),
			Fix: "the service reports itself unhealthy: see the log tail above"})
	default:
		d.rep.add(Finding{Check: CheckHealth, Severity: SevOK, Message: fmt.Sprintf("%s answered %d", d.probe, code)})
	}
}

// statusClass names the kind of a non-2xx answer (RFC 9110, section 15).
func statusClass(code int) string {
	switch code / 100 {
	case 1:
		return "an interim response"
	case 3:
		return "a redirect, which the probe does not follow"
	case 4:
		return "a client error: is the path right?"
	case 5:
		return "a server error"
	}
	return "not an HTTP status"
}

// Text renders the report for a terminal.
func (r DoctorReport) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "svcship-installer doctor: %s (%s mode)\n", r.Service, r.Mode)
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "%-8s %-13s %s\n", strings.ToUpper(f.Severity), f.Check, f.Message)
		if f.Fix != "" {
			fmt.Fprintf(&b, "%-8s %-13s fix: %s\n", "", "", f.Fix)
		}
		for _, l := range f.Detail {
			fmt.Fprintf(&b, "%-8s %-13s | %s\n", "", "", l)
		}
	}
	fmt.Fprintf(&b, "%d %s, %d %s\n", r.Errors, plural(r.Errors, "error"), r.Warnings, plural(r.Warnings, "warning"))
	return b.String()
}

func plural(n int, w string) string {
	if n == 1 {
		return w
	}
	return w + "s"
}

// redactor masks secret values in everything doctor prints.
type redactor struct{ r *strings.Replacer }

const redacted = "[redacted]"

// newRedactor masks the values of svcship.yaml's environment, the
// installed service's registry environment, and the password from
// password_env, each as written and as JSON escapes it.
func newRedactor(cfg *config.Config, cur *Current, getenv func(string) string) redactor {
	var secrets []string
	if cfg != nil {
		for _, v := range cfg.Service.Environment {
			secrets = append(secrets, v)
		}
		if cfg.Service.PasswordEnv != "" {
			secrets = append(secrets, getenv(cfg.Service.PasswordEnv))
		}
	}
	if cur != nil {
		for _, kv := range cur.Environment {
			k, v, _ := strings.Cut(kv, "=")
			if !strings.HasPrefix(k, "SVCSHIP_") {
				secrets = append(secrets, v)
			}
		}
	}
	seen := map[string]bool{}
	var forms []string
	for _, s := range secrets {
		if len(s) < minSecret {
			continue
		}
		j, _ := json.Marshal(s)
		for _, f := range []string{s, string(j[1 : len(j)-1]), strconv.Quote(s)[1 : len(strconv.Quote(s))-1]} {
			if !seen[f] {
				seen[f] = true
				forms = append(forms, f)
			}
		}
	}
	// Longest first, so a secret containing another is masked whole.
	sort.Slice(forms, func(i, j int) bool { return len(forms[i]) > len(forms[j]) })
	var pairs []string
	for _, f := range forms {
		pairs = append(pairs, f, redacted)
	}
	return redactor{strings.NewReplacer(pairs...)}
}

func (r redactor) String(s string) string { return r.r.Replace(s) }

func runDoctor(ctx context.Context, env Env, args []string) int {
	in, err := NewInspector()
	if err != nil {
		return fail(env, err)
	}
	return doctorMain(ctx, env, in, args)
}

// doctorMain is the doctor command with its Inspector given. Everything
// it prints, to stdout and stderr, passes the redactor.
func doctorMain(ctx context.Context, env Env, in Inspector, args []string) int {
	var out, errb bytes.Buffer
	stdout, stderr := env.Stdout, env.Stderr
	env.Stdout, env.Stderr = &out, &errb
	red := redactor{strings.NewReplacer()}
	defer func() {
		io.WriteString(stdout, red.String(out.String()))
		io.WriteString(stderr, red.String(errb.String()))
	}()

	fs := newFlagSet(env, "doctor")
	var c common
	c.register(fs)
	asJSON := fs.Bool("json", false, "print the findings as JSON")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "svcship-installer doctor: unexpected argument %q\n", fs.Arg(0))
		return ExitUsage
	}
	cfg, cfgPath, err := loadConfig(env, c.config)
	if err != nil {
		return fail(env, err)
	}
	if cfg == nil {
		return fail(env, bad("doctor needs svcship.yaml beside the installer (or --config)"))
	}
	if cfg.Service.Mode == config.ModeAutostart {
		return fail(env, bad("service.mode is autostart: there is no service to examine (see 'svcship-installer status')"))
	}
	if c.name != "" {
		cfg.Service.Name = c.name
	}
	var cur *Current
	if q, err := env.Sys.Query(cfg.Service.Name); err == nil {
		cur = q
	}
	red = newRedactor(cfg, cur, env.Getenv)
	rep := Diagnose(ctx, env.Sys, in, cfg, env, cfgPath)
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fail(env, err)
		}
	} else {
		io.WriteString(env.Stdout, rep.Text())
	}
	if rep.Errors > 0 {
		return ExitFailure
	}
	return ExitOK
}
