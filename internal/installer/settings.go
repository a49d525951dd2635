package installer

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/svcship/svcship/internal/winargs"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/service"
)

// InstallerExe is the bundled installer's file name; in hosted mode it is
// the service program.
const InstallerExe = "svcship-installer.exe"

// Settings is the desired service, resolved from svcship.yaml and flags.
type Settings struct {
	Name        string
	DisplayName string
	Description string
	Mode        config.Mode
	// Dir is the install folder (Windows path) holding the program, the
	// installer and svcship.yaml.
	Dir string
	// Executable is the program's file name in Dir (native mode), or an
	// absolute path.
	Executable string
	// ConfigPath is the svcship.yaml the host reads (hosted mode).
	ConfigPath string
	Arguments  []string
	Start      config.StartType
	// Account as in svcship.yaml: LocalSystem, LocalService,
	// NetworkService, virtual, or a user.
	Account string
	// Password of a user account, from the environment or a prompt. Never
	// printed.
	Password         string
	Dependencies     []string
	Environment      map[string]string
	WorkingDirectory string
	EventSource      string
	StopTimeout      time.Duration
	Recovery         config.Recovery
	Logs             config.Logs
	// DataDir is the service's data folder as svcship.yaml gives it
	// ("": %ProgramData%\<name>\data).
	DataDir string
}

// FromConfig turns a loaded svcship.yaml into Settings for a service
// installed in dir (the folder of svcship-installer.exe).
func FromConfig(c *config.Config, dir, configPath string) Settings {
	s := c.Service
	return Settings{
		Name:             s.Name,
		DisplayName:      s.DisplayName,
		Description:      s.Description,
		Mode:             s.Mode,
		Dir:              dir,
		Executable:       c.Product.Binary + ".exe",
		ConfigPath:       configPath,
		Arguments:        slices.Clone(s.Arguments),
		Start:            s.Start,
		Account:          s.Account,
		Dependencies:     slices.Clone(s.Dependencies),
		Environment:      maps.Clone(s.Environment),
		WorkingDirectory: s.WorkingDirectory,
		EventSource:      s.EventSource,
		StopTimeout:      s.StopTimeout.D(),
		Recovery:         s.Recovery,
		Logs:             s.Logs,
		DataDir:          s.DataDir,
	}
}

// BadInputError is invalid input; nothing was changed. Exit code 2.
type BadInputError struct{ Msg string }

func (e *BadInputError) Error() string { return e.Msg }

func bad(format string, args ...any) error { return &BadInputError{Msg: fmt.Sprintf(format, args...)} }

var envKeyRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_().]*$`)

// Validate checks s before any Windows call is made.
func (s *Settings) Validate() error {
	if err := config.ValidateServiceName(s.Name); err != nil {
		return bad("invalid service name: %v", err)
	}
	switch s.Mode {
	case config.ModeNative, config.ModeHosted:
	default:
		return bad("mode %q is not a mode (expected native or hosted)", s.Mode)
	}
	if s.Dir == "" {
		return bad("install folder is empty")
	}
	if s.Mode == config.ModeNative && s.Executable == "" {
		return bad("no executable given")
	}
	if s.Mode == config.ModeHosted && s.ConfigPath == "" {
		return bad("hosted mode needs the path of svcship.yaml")
	}
	if _, err := startMode(s.Start); err != nil {
		return err
	}
	// The password, when one is needed, is checked where it is read.
	if _, err := accountKind(s.Account); err != nil {
		return err
	}
	for _, p := range []struct{ what, path string }{{"log folder", s.Logs.Dir}, {"data folder", s.DataDir}} {
		if err := config.ValidateFolderPath(p.path); err != nil {
			return bad("%s: %v", p.what, err)
		}
	}
	for _, d := range s.Dependencies {
		if strings.TrimSpace(d) == "" || strings.ContainsAny(d, `/\`) {
			return bad("dependency %q is not a service name", d)
		}
	}
	for k := range s.Environment {
		if !envKeyRE.MatchString(k) {
			return bad("environment variable name %q is invalid", k)
		}
	}
	if err := validateRecovery(s.Recovery); err != nil {
		return err
	}
	if s.StopTimeout < 0 {
		return bad("stop timeout %s is negative", s.StopTimeout)
	}
	if s.EventSource != "" && strings.ContainsAny(s.EventSource, `/\`) {
		return bad("event source %q contains '/' or '\\'", s.EventSource)
	}
	return nil
}

func validateRecovery(r config.Recovery) error {
	for i, a := range r.Actions {
		if _, err := actionOf(a.Action); err != nil {
			return bad("recovery action %d: %v", i+1, err)
		}
		if a.Delay < 0 {
			return bad("recovery action %d: delay %s is negative", i+1, a.Delay.D())
		}
		if a.Action == config.ActionRun && strings.TrimSpace(r.Command) == "" {
			return bad("recovery action %d is run but recovery.command is empty", i+1)
		}
	}
	if r.ResetAfter < 0 {
		return bad("recovery reset period %s is negative", r.ResetAfter.D())
	}
	return nil
}

func actionOf(a config.RecoveryAction) (Action, error) {
	switch a {
	case config.ActionNone:
		return ActionNone, nil
	case config.ActionRestart:
		return ActionRestart, nil
	case config.ActionRun:
		return ActionRun, nil
	case config.ActionReboot:
		return ActionReboot, nil
	}
	return 0, fmt.Errorf("%q is not a recovery action (expected restart, run, reboot or none)", a)
}

func startMode(t config.StartType) (StartMode, error) {
	switch t {
	case config.StartAuto, config.StartDelayedAuto:
		return StartModeAuto, nil
	case config.StartManual:
		return StartModeManual, nil
	case config.StartDisabled:
		return StartModeDisabled, nil
	}
	return 0, bad("start type %q is not a start type (expected auto, delayed-auto, manual or disabled)", t)
}

type acctKind int

const (
	accountBuiltin acctKind = iota
	accountVirtual
	// accountManaged: a (group) managed service account, DOMAIN\name$;
	// Windows keeps its password.
	accountManaged
	accountUser
)

// accountKind classifies an account as svcship.yaml spells it.
func accountKind(a string) (acctKind, error) {
	l := strings.ToLower(a)
	switch l {
	case "", "localsystem", "localservice", "networkservice",
		`nt authority\system`, `nt authority\localservice`, `nt authority\networkservice`:
		return accountBuiltin, nil
	case "virtual":
		return accountVirtual, nil
	}
	if strings.HasPrefix(l, `nt service\`) {
		return accountVirtual, nil
	}
	oneSep := func(sep string) bool {
		return strings.Count(a, sep) == 1 && !strings.HasPrefix(a, sep) && !strings.HasSuffix(a, sep)
	}
	if config.IsManagedAccount(a) {
		return accountManaged, nil
	}
	if (oneSep(`\`) && !strings.Contains(a, "@")) || (oneSep("@") && !strings.Contains(a, `\`)) {
		return accountUser, nil
	}
	return 0, bad("account \"%s\" is not an account (expected LocalSystem, LocalService, NetworkService, virtual, or a user as DOMAIN\\user, .\\user or user@domain)", a)
}

// serviceStartName is the account as the service manager stores it.
func (s *Settings) serviceStartName() string {
	switch strings.ToLower(s.Account) {
	case "", "localsystem", `nt authority\system`:
		return "LocalSystem"
	case "localservice", `nt authority\localservice`:
		return `NT AUTHORITY\LocalService`
	case "networkservice", `nt authority\networkservice`:
		return `NT AUTHORITY\NetworkService`
	case "virtual":
		return `NT SERVICE\` + s.Name
	}
	return s.Account
}

// ImagePath is the service command line.
func (s *Settings) ImagePath() string {
	if s.Mode == config.ModeHosted {
		return winargs.Join([]string{winJoin(s.Dir, InstallerExe), "host", "--config", winJoin(s.Dir, s.ConfigPath)})
	}
	return winargs.Join(append([]string{winJoin(s.Dir, s.Executable)}, s.Arguments...))
}

// winJoin joins a Windows folder and a file name unless name is absolute.
func winJoin(dir, name string) string {
	if isWinAbs(name) {
		return name
	}
	return strings.TrimRight(dir, `\/`) + `\` + name
}

func isWinAbs(p string) bool {
	return strings.HasPrefix(p, `\\`) || (len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/'))
}

// EnvironmentLines is the service's registry Environment value. In native
// mode it also carries the runtime settings package service reads
// (working directory, log folder and rotation, stop timeout); in hosted
// mode the host reads svcship.yaml itself, so only nothing is set.
func (s *Settings) EnvironmentLines() []string {
	if s.Mode == config.ModeHosted {
		return nil
	}
	env := maps.Clone(s.Environment)
	if env == nil {
		env = map[string]string{}
	}
	if s.WorkingDirectory != "" {
		env[service.EnvWorkDir] = winJoin(s.Dir, s.WorkingDirectory)
	}
	if s.Logs.Dir != "" {
		env[service.EnvLogDir] = winJoin(s.Dir, s.Logs.Dir)
	}
	if s.DataDir != "" {
		env[service.EnvDataDir] = winJoin(s.Dir, s.DataDir)
	}
	if s.Logs.MaxSize > 0 {
		env[service.EnvLogMaxBytes] = strconv.FormatInt(int64(s.Logs.MaxSize), 10)
	}
	if s.Logs.Keep > 0 {
		env[service.EnvLogKeep] = strconv.Itoa(s.Logs.Keep)
	}
	if s.Logs.Daily {
		env[service.EnvLogDaily] = "true"
	}
	if s.StopTimeout > 0 {
		env[service.EnvStopTimeout] = s.StopTimeout.String()
	}
	var lines []string
	for k, v := range env {
		lines = append(lines, k+"="+v)
	}
	slices.Sort(lines)
	return lines
}

// core is the desired CoreConfig (password included).
func (s *Settings) core() CoreConfig {
	m, _ := startMode(s.Start)
	kind, _ := accountKind(s.Account)
	c := CoreConfig{
		DisplayName:  s.DisplayName,
		BinaryPath:   s.ImagePath(),
		Start:        m,
		Account:      s.serviceStartName(),
		Password:     s.Password,
		PasswordNull: kind == accountVirtual || kind == accountManaged,
		Dependencies: slices.Clone(s.Dependencies),
	}
	if c.PasswordNull || kind == accountBuiltin {
		c.Password = ""
	}
	return c
}

func (s *Settings) failureActions() FailureActions {
	fa := FailureActions{
		ResetPeriod:   s.Recovery.ResetAfter.D(),
		Command:       s.Recovery.Command,
		RebootMessage: s.Recovery.RebootMessage,
	}
	for _, a := range s.Recovery.Actions {
		act, _ := actionOf(a.Action)
		fa.Steps = append(fa.Steps, FailureStep{Action: act, Delay: a.Delay.D()})
	}
	return fa
}

func (s *Settings) nonCrash() bool {
	return s.Recovery.OnNonCrashFailure == nil || *s.Recovery.OnNonCrashFailure
}

func (s *Settings) sidType() uint32 {
	if k, _ := accountKind(s.Account); k == accountVirtual {
		// A virtual account logs on with the service SID.
		return SIDTypeUnrestricted
	}
	return SIDTypeNone
}

func (s *Settings) eventSource() string {
	if s.EventSource == "" {
		return s.Name
	}
	return s.EventSource
}
