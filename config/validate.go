package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"
)

var (
	productNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	guidRE        = regexp.MustCompile(`^\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}?$`)
	envNameRE     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	iceRuleRE     = regexp.MustCompile(`^(ICE[0-9]{2,3}|CABINET)$`)
	ownerRepoRE   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$`)
	// wingetIDRE is the PackageIdentifier pattern of winget's manifest schema.
	wingetIDRE = regexp.MustCompile(`^[^.\s\\/:*?"<>|\x01-\x1f]{1,32}(\.[^.\s\\/:*?"<>|\x01-\x1f]{1,32}){1,7}$`)
)

// ValidateServiceName checks a Windows service key name: 1 to 256
// characters, printable, without '/' or '\'.
func ValidateServiceName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("service name is empty")
	case len(name) > 256:
		return fmt.Errorf("service name %q is longer than 256 characters", clipped(name))
	case strings.ContainsAny(name, `/\`):
		return fmt.Errorf("service name %q contains '/' or '\\' (not allowed by the service manager)", clipped(name))
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("service name %q contains a control character", clipped(name))
		}
	}
	return nil
}

// IsBuiltinAccount reports whether account is one of the built-in service
// accounts or the virtual account, which need no password.
func IsBuiltinAccount(account string) bool {
	switch strings.ToLower(account) {
	case "", "localsystem", "localservice", "networkservice", "virtual",
		`nt authority\system`, `nt authority\localservice`, `nt authority\networkservice`:
		return true
	}
	return strings.HasPrefix(strings.ToLower(account), `nt service\`)
}

// IsManagedAccount reports whether account is a (group) managed service
// account, DOMAIN\name$, whose password Windows keeps.
func IsManagedAccount(account string) bool {
	dom, name, ok := strings.Cut(account, `\`)
	return ok && dom != "" && len(name) > 1 && strings.HasSuffix(name, "$") && !strings.ContainsAny(name, `\@`)
}

// ValidateFolderPath checks a folder on the target machine as
// service.logs.dir and service.data_dir accept it: an absolute Windows
// path, or a path inside the install folder.
func ValidateFolderPath(p string) error {
	if p == "" {
		return nil
	}
	return checkTargetDir(p)
}

func (c *Config) validate(errAt func(key, format string, args ...any) error) error {
	p, s := &c.Product, &c.Service
	if !productNameRE.MatchString(p.Name) {
		return errAt("product.name", "%q is not a product name (expected 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit)", p.Name)
	}
	if p.Binary != "" && !productNameRE.MatchString(p.Binary) {
		return errAt("product.binary", "%q is not an executable name (expected letters, digits, '.', '_' or '-', without .exe)", p.Binary)
	}
	if strings.TrimSpace(p.Company) == "" {
		return errAt("product.company", "is empty (expected the publisher's name)")
	}
	if strings.TrimSpace(p.Description) == "" {
		return errAt("product.description", "is empty (expected a one-line description)")
	}
	if p.Homepage != "" {
		u, err := url.Parse(p.Homepage)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errAt("product.homepage", "%q is not an http(s) URL", p.Homepage)
		}
	}
	if p.Icon != "" && !strings.EqualFold(pathExt(p.Icon), ".ico") {
		return errAt("product.icon", "%q is not a .ico file", p.Icon)
	}

	if err := ValidateServiceName(s.Name); err != nil {
		return errAt("service.name", "%v", err)
	}
	switch s.Mode {
	case "", ModeNative, ModeHosted:
	case ModeAutostart:
		if c.Autostart == nil {
			return errAt("service.mode", "is autostart, but there is no autostart section (expected autostart.kind run-key or task)")
		}
	default:
		return errAt("service.mode", "%q is not a mode (expected native, hosted or autostart)", s.Mode)
	}
	switch s.Start {
	case "", StartAuto, StartDelayedAuto, StartManual, StartDisabled:
	default:
		return errAt("service.start", "%q is not a start type (expected auto, delayed-auto, manual or disabled)", s.Start)
	}
	if err := validateAccount(s.Account); err != nil {
		return errAt("service.account", "%v", err)
	}
	if s.PasswordEnv != "" {
		if IsBuiltinAccount(s.Account) || IsManagedAccount(s.Account) {
			return errAt("service.password_env", "is set, but account %q needs no password", accountOrDefault(s.Account))
		}
		if !envNameRE.MatchString(s.PasswordEnv) {
			return errAt("service.password_env", "%q is not an environment variable name", s.PasswordEnv)
		}
	}
	for i, dep := range s.Dependencies {
		if err := ValidateServiceName(strings.TrimPrefix(dep, "+")); err != nil {
			return errAt(fmt.Sprintf("service.dependencies[%d]", i), "%v (a group is written +Name)", err)
		}
	}
	for k := range s.Environment {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			return errAt("service.environment."+k, "%q is not an environment variable name", k)
		}
	}
	if s.EventSource != "" && strings.ContainsAny(s.EventSource, `\/`) {
		return errAt("service.event_source", "%q contains '\\' or '/'", s.EventSource)
	}
	for i, a := range s.Recovery.Actions {
		key := fmt.Sprintf("service.recovery.actions[%d].action", i)
		switch a.Action {
		case ActionNone, ActionRestart, ActionReboot:
		case ActionRun:
			if s.Recovery.Command == "" {
				return errAt(key, "is run, but service.recovery.command is empty (expected the command to run)")
			}
		default:
			return errAt(key, "%q is not a recovery action (expected restart, run, reboot or none)", a.Action)
		}
		if a.Delay.D() > 0x7fffffff*time.Millisecond {
			return errAt(fmt.Sprintf("service.recovery.actions[%d].delay", i), "%s is longer than the service manager allows (about 24 days)", a.Delay.D())
		}
	}
	if len(s.Recovery.Actions) > 32 {
		return errAt("service.recovery.actions", "has %d actions (at most 32)", len(s.Recovery.Actions))
	}
	if d := s.Logs.Dir; d != "" {
		if err := checkTargetDir(d); err != nil {
			return errAt("service.logs.dir", "%v", err)
		}
	}
	if d := s.WorkingDirectory; d != "" {
		if err := checkTargetDir(d); err != nil {
			return errAt("service.working_directory", "%v", err)
		}
	}
	// The hosted program runs with the service's account: relative to the
	// install folder (which the MSI locks) it must stay inside it.
	if e := s.Hosted.Executable; e != "" {
		if err := checkTargetDir(e); err != nil {
			return errAt("service.hosted.executable", "%v", err)
		}
	}
	if d := s.DataDir; d != "" {
		if err := checkTargetDir(d); err != nil {
			return errAt("service.data_dir", "%v", err)
		}
		if s.Logs.Dir != "" && strings.EqualFold(strings.TrimRight(d, `\/`), strings.TrimRight(s.Logs.Dir, `\/`)) {
			return errAt("service.data_dir", "%q is also the log folder (expected a folder of its own)", clipped(d))
		}
	}
	if s.Logs.Keep < 0 {
		return errAt("service.logs.keep", "is %d (expected 0 or more rotated files)", s.Logs.Keep)
	}
	if s.Logs.Level != "" {
		if _, err := ParseLogLevel(s.Logs.Level); err != nil {
			return errAt("service.logs.level", "%v", err)
		}
	}
	if s.Health.URL != "" {
		if err := ValidateHealthURL(s.Health.URL); err != nil {
			return errAt("service.health.url", "%v", err)
		}
	}
	switch strings.ToLower(s.Hosted.StopSignal) {
	case "", "ctrl-break", "ctrl-c":
	default:
		return errAt("service.hosted.stop_signal", "%q is not a stop signal (expected ctrl-break or ctrl-c)", s.Hosted.StopSignal)
	}
	if s.Hosted.Restart.MaxFailures < 0 {
		return errAt("service.hosted.restart.max_failures", "is %d (expected 1 or more)", s.Hosted.Restart.MaxFailures)
	}
	if d, m := s.Hosted.Restart.Delay, s.Hosted.Restart.MaxDelay; d > 0 && m > 0 && m < d {
		return errAt("service.hosted.restart.max_delay", "%s is shorter than restart.delay %s", m.D(), d.D())
	}

	if a := c.Autostart; a != nil {
		switch a.Kind {
		case "run-key", "task":
		default:
			return errAt("autostart.kind", "%q is not an autostart kind (expected run-key or task)", a.Kind)
		}
		switch a.Scope {
		case "", "user", "machine":
		default:
			return errAt("autostart.scope", "%q is not a scope (expected user or machine)", a.Scope)
		}
		switch a.Trigger {
		case "", "logon":
		case "startup":
			if a.Kind != "task" {
				return errAt("autostart.trigger", "startup needs kind task (a Run key starts at logon only)")
			}
		default:
			return errAt("autostart.trigger", "%q is not a trigger (expected logon or startup)", a.Trigger)
		}
		if a.Kind == "run-key" && (a.Delay > 0 || a.Account != "") {
			return errAt("autostart.kind", "delay and account need kind task (a Run key has neither)")
		}
	}

	if !guidRE.MatchString(c.Packaging.UpgradeCode) {
		return errAt("packaging.upgrade_code", "%q is not a GUID (expected e.g. {8F1C2A6E-5B7D-4E3A-9C21-0D4B6A7E9F10}; generate one once and keep it)", c.Packaging.UpgradeCode)
	}
	if d := c.Packaging.InstallDir; d != "" && (strings.ContainsAny(d, `<>:"/\|?*`) || strings.TrimSpace(d) != d) {
		return errAt("packaging.install_dir", "%q is not a folder name (expected one name without \\ / : * ? \" < > |)", d)
	}
	for i, r := range c.Packaging.SuppressICE {
		if !iceRuleRE.MatchString(r) {
			return errAt(fmt.Sprintf("packaging.suppress_ice[%d]", i), "%q is not a validation rule name (expected e.g. ICE61, ICE82 or CABINET)", r)
		}
	}
	if r := c.Release.GitHub; r != "" && !ownerRepoRE.MatchString(r) {
		return errAt("release.github", "%q is not owner/repo", r)
	}
	if err := c.validateSigning(errAt); err != nil {
		return err
	}
	if id := c.Release.WingetID; id != "" && !wingetIDRE.MatchString(id) {
		return errAt("release.winget_id", "%q is not a winget package identifier (expected Publisher.Package: 2 to 8 parts of 1-32 characters without spaces or \\ / : * ? \" < > |)", id)
	}
	return nil
}

// ValidateHealthURL checks a health probe URL: plain http to a loopback
// address (127.0.0.0/8, ::1 or localhost), so that a probe never leaves
// the machine and needs no certificates.
func ValidateHealthURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Host == "" || u.User != nil {
		return fmt.Errorf("%q is not an http URL (expected e.g. http://127.0.0.1:8080/healthz)", raw)
	}
	h := u.Hostname()
	if strings.EqualFold(h, "localhost") {
		return nil
	}
	if ip := net.ParseIP(h); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%q is not a loopback address (expected 127.0.0.1, [::1] or localhost)", h)
}

func validateAccount(a string) error {
	if IsBuiltinAccount(a) {
		return nil
	}
	switch {
	case strings.Count(a, `\`) == 1 && !strings.HasPrefix(a, `\`) && !strings.HasSuffix(a, `\`):
	case strings.Count(a, "@") == 1 && !strings.HasPrefix(a, "@") && !strings.HasSuffix(a, "@"):
	default:
		return fmt.Errorf("%q is not an account (expected LocalSystem, LocalService, NetworkService, virtual, or a user as DOMAIN\\user, .\\user or user@domain)", clipped(a))
	}
	return nil
}

func accountOrDefault(a string) string {
	if a == "" {
		return AccountVirtual
	}
	return a
}

func pathExt(p string) string {
	if i := strings.LastIndexByte(p, '.'); i >= 0 && !strings.ContainsAny(p[i:], `/\`) {
		return p[i:]
	}
	return ""
}

// DefaultStopTimeout is service.stop_timeout when svcship.yaml sets none:
// the service runtime, the installer and the MSI all use it.
const DefaultStopTimeout = 20 * time.Second

// DefaultRecovery is service.recovery when svcship.yaml sets none: restart
// after 5s, 10s and 30s, forget failures after a day, and count non-crash
// failures (a non-zero exit) too.
func DefaultRecovery() Recovery {
	t := true
	return Recovery{
		Actions: []FailureAction{
			{Action: ActionRestart, Delay: Duration(5 * time.Second)},
			{Action: ActionRestart, Delay: Duration(10 * time.Second)},
			{Action: ActionRestart, Delay: Duration(30 * time.Second)},
		},
		ResetAfter:        Duration(24 * time.Hour),
		OnNonCrashFailure: &t,
	}
}

func (c *Config) applyDefaults() {
	if c.Signing != nil {
		c.Signing.Defaults()
	}
	p, s := &c.Product, &c.Service
	if p.DisplayName == "" {
		p.DisplayName = p.Name
	}
	if p.Binary == "" {
		p.Binary = p.Name
	}
	if p.Main == "" {
		p.Main = "."
	}
	if s.DisplayName == "" {
		s.DisplayName = p.DisplayName
	}
	if s.Description == "" {
		s.Description = p.Description
	}
	if s.Mode == "" {
		s.Mode = ModeNative
	}
	if s.Start == "" {
		s.Start = StartAuto
	}
	if s.Account == "" {
		// Least privilege unless svcship.yaml says otherwise.
		s.Account = AccountVirtual
	}
	if s.EventSource == "" {
		s.EventSource = s.Name
	}
	if s.StopTimeout == 0 {
		s.StopTimeout = Duration(DefaultStopTimeout)
	}
	def := DefaultRecovery()
	if s.Recovery.Actions == nil {
		s.Recovery.Actions = def.Actions
	}
	if s.Recovery.ResetAfter == 0 {
		s.Recovery.ResetAfter = def.ResetAfter
	}
	if s.Recovery.OnNonCrashFailure == nil {
		s.Recovery.OnNonCrashFailure = def.OnNonCrashFailure
	}
	if s.Logs.MaxSize == 0 {
		s.Logs.MaxSize = 10 << 20
	}
	if s.Logs.Keep == 0 {
		s.Logs.Keep = 5
	}
	if s.Logs.Level == "" {
		s.Logs.Level = LogInfo
	}
	s.Logs.Level = strings.ToLower(strings.TrimSpace(s.Logs.Level))
	if s.Logs.Level == "warning" {
		s.Logs.Level = LogWarn
	}
	h := &s.Hosted
	if h.Executable == "" {
		h.Executable = p.Binary + ".exe"
	}
	if h.StopSignal == "" {
		h.StopSignal = "ctrl-break"
	}
	h.StopSignal = strings.ToLower(h.StopSignal)
	if h.StopTimeout == 0 {
		h.StopTimeout = Duration(15 * time.Second)
	}
	if h.Restart.Delay == 0 {
		h.Restart.Delay = Duration(time.Second)
	}
	if h.Restart.MaxDelay == 0 {
		h.Restart.MaxDelay = Duration(time.Minute)
	}
	if h.Restart.MaxFailures == 0 {
		h.Restart.MaxFailures = 5
	}
	if h.Restart.Window == 0 {
		h.Restart.Window = Duration(10 * time.Minute)
	}
	if h.SuccessExitCodes == nil {
		h.SuccessExitCodes = []int{0}
	}
	if a := c.Autostart; a != nil {
		if a.Scope == "" {
			a.Scope = "user"
		}
		if a.Trigger == "" {
			a.Trigger = "logon"
		}
	}
	pk := &c.Packaging
	pk.UpgradeCode = NormalizeGUID(pk.UpgradeCode)
	if pk.InstallDir == "" {
		pk.InstallDir = p.DisplayName
	}
	t := true
	if pk.MSI == nil {
		pk.MSI = &t
	}
	if pk.Zip == nil {
		pk.Zip = &t
	}
	if pk.SameVersionUpgrade == nil {
		pk.SameVersionUpgrade = &t
	}
}

// NormalizeGUID returns a GUID in the registry form MSI expects:
// upper case, in braces.
func NormalizeGUID(g string) string {
	return "{" + strings.ToUpper(strings.Trim(g, "{}")) + "}"
}

// BuildsMSI reports whether MSIs are wanted.
func (p Packaging) BuildsMSI() bool { return p.MSI == nil || *p.MSI }

// BuildsZip reports whether zips are wanted.
func (p Packaging) BuildsZip() bool { return p.Zip == nil || *p.Zip }

// UpgradesSameVersion reports whether an MSI replaces an installed build of
// the same version.
func (p Packaging) UpgradesSameVersion() bool {
	return p.SameVersionUpgrade == nil || *p.SameVersionUpgrade
}
