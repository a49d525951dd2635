package installer

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/svcship/svcship/internal/svcstate"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/svcship/svcship/internal/atomicfile"

	"github.com/svcship/svcship/config"
)

// Exit codes of svcship-installer (documented in docs/installer.md).
const (
	ExitOK           = 0
	ExitFailure      = 1
	ExitUsage        = 2 // bad flags, bad svcship.yaml, bad settings
	ExitNotInstalled = 3
	ExitAccessDenied = 4
	ExitTimeout      = 5
)

// Env is what the commands need from the process.
type Env struct {
	Sys    System
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads the environment (passwords come from here).
	Getenv func(string) string
	// Dir is the folder of svcship-installer.exe as a Windows path; the
	// program and svcship.yaml are looked up there.
	Dir string
	// ReadFile reads svcship.yaml (os.ReadFile; a Windows path on Windows).
	ReadFile func(string) ([]byte, error)
	// WriteFile replaces a file atomically, creating its folder;
	// Remove deletes one. They save and restore svcship.yaml across MSI
	// upgrades.
	WriteFile func(path string, data []byte) error
	Remove    func(path string) error
	// Autostart runs `svcship-installer autostart <args>`; install,
	// uninstall and status use it when service.mode is autostart.
	Autostart func(ctx context.Context, args []string) int
	// Prompt asks for a password without echo; nil when not interactive.
	Prompt func(prompt string) (string, error)
	// Poll is the status polling interval (0: default).
	Poll time.Duration
}

// commandHelp lists the commands Main handles, for Usage.
func commandHelp() []struct{ name, help string } {
	return []struct{ name, help string }{
		{"install", "create the service, or update it to match the settings; starts it (auto start)"},
		{"configure", "apply the settings an MSI cannot (description, delayed start, recovery, SID type, environment, event source)"},
		{"uninstall", "stop and delete the service, its event source and log folder (--purge: also its data)"},
		{"start", "start the service and wait until it runs"},
		{"stop", "stop the service and wait until it has stopped"},
		{"restart", "stop, then start the service"},
		{"status", "show the service's state and settings (--json for machines)"},
		{"save-config", "keep a copy of svcship.yaml across an MSI upgrade (the MSI runs it)"},
		{"doctor", "say what is wrong with the service and how to fix it (--json for machines)"},
	}
}

// Usage prints the command list.
func Usage(w io.Writer, extra ...string) {
	fmt.Fprintln(w, "usage: svcship-installer <command> [flags]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commandHelp() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.help)
	}
	for _, e := range extra {
		fmt.Fprintln(w, e)
	}
	fmt.Fprintln(w, "\nsettings come from svcship.yaml beside the executable (--config to point elsewhere); flags override it.")
	fmt.Fprintln(w, "run 'svcship-installer <command> -h' for the flags of a command.")
}

// Main runs one command (args[0]) and returns the exit code.
func Main(ctx context.Context, env Env, args []string) int {
	if len(args) == 0 {
		Usage(env.Stderr)
		return ExitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "install", "configure":
		return runInstall(ctx, env, cmd, rest)
	case "uninstall", "start", "stop", "restart", "status":
		return runControl(ctx, env, cmd, rest)
	case "save-config":
		return runSaveConfig(env, rest)
	case "doctor":
		return runDoctor(ctx, env, rest)
	case "help", "-h", "--help":
		Usage(env.Stdout)
		return ExitOK
	}
	fmt.Fprintf(env.Stderr, "svcship-installer: unknown command %q\n", cmd)
	Usage(env.Stderr)
	return ExitUsage
}

// ExitCode maps an error to the documented exit code.
func ExitCode(err error) int {
	var bi *BadInputError
	var ce *config.Error
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &bi), errors.As(err, &ce):
		return ExitUsage
	case errors.Is(err, ErrNotInstalled):
		return ExitNotInstalled
	case errors.Is(err, ErrAccessDenied):
		return ExitAccessDenied
	case errors.Is(err, ErrTimeout):
		return ExitTimeout
	}
	return ExitFailure
}

func fail(env Env, err error) int {
	fmt.Fprintf(env.Stderr, "svcship-installer: %v\n", err)
	return ExitCode(err)
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// common holds the flags every command has.
type common struct {
	config  string
	name    string
	timeout time.Duration
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.config, "config", "", "svcship.yaml to read (default: the one beside svcship-installer.exe)")
	fs.StringVar(&c.name, "name", "", "service name (overrides service.name)")
	fs.DurationVar(&c.timeout, "timeout", 30*time.Second, "how long to wait for the service to start or stop")
}

// loadConfig reads --config, or svcship.yaml beside the installer when it
// exists. It returns nil without error when there is none and none was
// asked for.
func loadConfig(env Env, path string) (*config.Config, string, error) {
	explicit := path != ""
	if !explicit {
		path = winJoin(env.Dir, config.FileName)
	}
	data, err := env.ReadFile(path)
	if err != nil {
		if !explicit && errors.Is(err, os.ErrNotExist) {
			return nil, "", nil
		}
		return nil, "", &BadInputError{Msg: fmt.Sprintf("read %s: %v", path, err)}
	}
	c, err := config.Parse(path, data)
	if err != nil {
		return nil, "", err
	}
	return c, path, nil
}

func newFlagSet(env Env, cmd string) *flag.FlagSet {
	fs := flag.NewFlagSet("svcship-installer "+cmd, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	return fs
}

func runInstall(ctx context.Context, env Env, cmd string, args []string) int {
	fs := newFlagSet(env, cmd)
	var c common
	c.register(fs)
	var (
		displayName = fs.String("display-name", "", "display name")
		description = fs.String("description", "", "description")
		mode        = fs.String("mode", "", "native or hosted")
		exe         = fs.String("exe", "", "program to run, relative to the installer's folder (native mode)")
		start       = fs.String("start", "", "auto, delayed-auto, manual or disabled")
		account     = fs.String("account", "", `LocalSystem, LocalService, NetworkService, virtual (NT SERVICE\<name>), or DOMAIN\user, .\user, user@domain`)
		passwordEnv = fs.String("password-env", "", "environment variable holding the user account's password (never pass a password as a flag)")
		workdir     = fs.String("workdir", "", "working directory (default: the program's folder)")
		eventSource = fs.String("event-source", "", "Event Log source (default: the service name)")
		recovery    = fs.String("recovery", "", "failure actions, e.g. restart:5s,restart:10s,run:1m,reboot:5m or none")
		resetAfter  = fs.Duration("reset-after", 0, "failure-free time after which the failure count resets")
		recoveryCmd = fs.String("recovery-command", "", "command run by a run action")
		nonCrash    = fs.String("non-crash", "", "true/false: also apply recovery when the service stops with an error")
		logDir      = fs.String("log-dir", "", `log folder (default %ProgramData%\<name>\logs)`)
		stopTimeout = fs.Duration("stop-timeout", 0, "graceful stop bound for the service")
		noStart     = fs.Bool("no-start", false, "install: do not start the service")
		dataDir     = fs.String("data-dir", "", `the service's data folder (default %ProgramData%\<name>\data)`)
		restoreFrom = fs.String("restore-config", "", "configure: first put back the svcship.yaml saved by save-config at this path")
		repair      = fs.Bool("repair-folders", false, "take over a log, data or service folder another user created, and remove links planted in it")
		secureDir   = fs.Bool("secure-install-dir", false, "install: reset the install folder's permissions when non-administrators can write to it")
		logLevel    = fs.String("log-level", "", "set service.logs.level (debug, info, warn, error) in svcship.yaml; applies at the next start")
		dryRun      = fs.Bool("dry-run", false, "print the plan, change nothing")
		deps, argv  listFlag
		envs        listFlag
		msiProps    listFlag
	)
	fs.Var(&deps, "depends", "service this one depends on (repeatable, or comma-separated)")
	fs.Var(&argv, "arg", "argument passed to the program (repeatable)")
	fs.Var(&envs, "env", "KEY=VALUE added to the program's environment (repeatable)")
	fs.Var(&msiProps, "msi-property", "configure: NAME=VALUE of a public MSI property that overrides svcship.yaml (SERVICE_ACCOUNT, SERVICE_START, SERVICE_ARGUMENTS; repeatable; an empty VALUE is ignored)")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "svcship-installer %s: unexpected argument %q\n", cmd, fs.Arg(0))
		return ExitUsage
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if cmd != "configure" && (set["msi-property"] || set["restore-config"]) {
		return fail(env, bad("--msi-property and --restore-config are for configure (the MSI's step)"))
	}
	if cmd != "install" && set["secure-install-dir"] {
		return fail(env, bad("--secure-install-dir is for install (the MSI locks its install folder itself)"))
	}
	overrides, err := parseMSIProperties(msiProps)
	if err != nil {
		return fail(env, err)
	}
	guard, err := newFolderGuard(env.Sys, env.Stdout, *repair, *dryRun)
	if err != nil {
		return fail(env, err)
	}
	target := c.config
	if target == "" {
		target = winJoin(env.Dir, config.FileName)
	}
	restored := false
	if *restoreFrom != "" && !*dryRun {
		restored, err = restoreConfig(env, guard, *restoreFrom, target)
		var fe *FolderError
		if errors.As(err, &fe) {
			// A copy svcship did not save (planted by another user) is
			// never applied; the freshly installed settings are, so that
			// nobody can block an installation by planting one.
			fmt.Fprintf(env.Stderr, "svcship-installer: warning: not restoring saved settings: %v\n", err)
			err = nil
		}
		if err != nil {
			return fail(env, err)
		}
	}
	if len(overrides) > 0 {
		if err := applyMSIProperties(env, target, overrides, *dryRun); err != nil {
			return fail(env, err)
		}
	}

	if set["log-level"] {
		if code := applyLogLevelFlag(env, c.config, *logLevel, *dryRun); code != ExitOK {
			return code
		}
	}
	cfg, cfgPath, err := loadConfig(env, c.config)
	if err != nil {
		return fail(env, err)
	}
	if cfg != nil && cfg.Service.Mode == config.ModeAutostart {
		if cmd == "configure" {
			return fail(env, bad("service.mode is autostart: there is no service to configure"))
		}
		return autostartInstead(ctx, env, "add", cfgPath)
	}
	var s Settings
	if cfg != nil {
		s = FromConfig(cfg, env.Dir, cfgPath)
	} else {
		// No svcship.yaml: flags alone, with svcship.yaml's defaults.
		s = Settings{Mode: config.ModeNative, Dir: env.Dir, Start: config.StartAuto, Account: config.AccountVirtual,
			StopTimeout: config.DefaultStopTimeout,
			Recovery:    config.DefaultRecovery()}
	}
	if set["name"] {
		s.Name = c.name
		if cfg == nil && !set["exe"] {
			s.Executable = c.name + ".exe"
		}
	}
	if set["display-name"] {
		s.DisplayName = *displayName
	}
	if s.DisplayName == "" {
		s.DisplayName = s.Name
	}
	if set["description"] {
		s.Description = *description
	}
	if set["mode"] {
		s.Mode = config.Mode(*mode)
	}
	if set["exe"] {
		s.Executable = *exe
	}
	if set["start"] {
		s.Start = config.StartType(*start)
	}
	if set["account"] {
		s.Account = *account
	}
	pwEnv := ""
	if cfg != nil {
		pwEnv = cfg.Service.PasswordEnv
	}
	if set["password-env"] {
		pwEnv = *passwordEnv
	}
	if set["workdir"] {
		s.WorkingDirectory = *workdir
	}
	if set["event-source"] {
		s.EventSource = *eventSource
	}
	if set["depends"] {
		s.Dependencies = nil
		for _, d := range deps {
			for _, x := range strings.Split(d, ",") {
				s.Dependencies = append(s.Dependencies, strings.TrimSpace(x))
			}
		}
	}
	if set["arg"] {
		s.Arguments = argv
	}
	if set["env"] {
		if s.Environment == nil {
			s.Environment = map[string]string{}
		}
		for _, kv := range envs {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return fail(env, bad("--env %q is not KEY=VALUE", kv))
			}
			s.Environment[k] = v
		}
	}
	if set["recovery"] {
		acts, err := ParseRecovery(*recovery)
		if err != nil {
			return fail(env, err)
		}
		s.Recovery.Actions = acts
	}
	if set["reset-after"] {
		s.Recovery.ResetAfter = config.Duration(*resetAfter)
	}
	if set["recovery-command"] {
		s.Recovery.Command = *recoveryCmd
	}
	if set["non-crash"] {
		b, err := strconv.ParseBool(*nonCrash)
		if err != nil {
			return fail(env, bad("--non-crash %q is not true or false", *nonCrash))
		}
		s.Recovery.OnNonCrashFailure = &b
	}
	if set["log-dir"] {
		s.Logs.Dir = *logDir
	}
	if set["data-dir"] {
		s.DataDir = *dataDir
	}
	if set["stop-timeout"] {
		s.StopTimeout = *stopTimeout
	}
	if s.Name == "" {
		return fail(env, bad("no service name: pass --name or put svcship.yaml beside the installer (or --config)"))
	}

	// Validate before touching the system at all.
	if err := s.Validate(); err != nil {
		return fail(env, err)
	}

	cur, err := env.Sys.Query(s.Name)
	if errors.Is(err, ErrNotInstalled) {
		cur, err = nil, nil
	}
	if err != nil {
		return fail(env, fmt.Errorf("query %s: %w", s.Name, err))
	}
	// A user account's password is needed only when install sets the
	// account (a new service, or another account). configure never sets
	// a user account: the MSI's ServiceInstall did, with the password.
	if k, _ := accountKind(s.Account); k == accountUser && cmd == "install" &&
		(cur == nil || !strings.EqualFold(cur.Account, s.serviceStartName())) {
		if err := s.readPassword(env, pwEnv, *dryRun); err != nil {
			return fail(env, err)
		}
	}
	srcExists, err := env.Sys.EventSourceExists(s.eventSource())
	if err != nil {
		return fail(env, fmt.Errorf("event source %s: %w", s.eventSource(), err))
	}
	scope := ScopeAll
	if cmd == "configure" {
		scope = ScopeOptional
	}
	plan, err := Diff(&s, cur, srcExists, scope)
	if err != nil {
		return fail(env, err)
	}
	pd, err := env.Sys.ProgramData()
	if err != nil {
		return fail(env, err)
	}
	folders := s.resolveFolders(pd)
	if cmd == "install" {
		// Checked as a whole first (a refusal changes nothing), then set.
		if err := guard.checked(func(g *folderGuard) error {
			return checkInstallDir(g, s.Dir, *secureDir, folders.Logs, folders.Data)
		}); err != nil && !(*secureDir && isFolderError(err)) {
			return fail(env, err)
		}
		if *secureDir {
			if err := checkInstallDir(guard, s.Dir, true, folders.Logs, folders.Data); err != nil {
				return fail(env, err)
			}
		}
		warnUnreadable(guard, &s, env.Stderr)
	}
	if err := guard.checked(func(g *folderGuard) error { return secureServiceFolders(g, &s, folders) }); err != nil {
		return fail(env, err)
	}
	if *dryRun {
		printPlan(env.Stdout, plan)
		return ExitOK
	}
	if plan.Empty() {
		fmt.Fprintf(env.Stdout, "%s: unchanged\n", s.Name)
	} else {
		res, err := Apply(env.Sys, plan)
		for _, d := range res.Done {
			fmt.Fprintf(env.Stdout, "%s: %s\n", s.Name, d)
		}
		for _, w := range res.Warnings {
			fmt.Fprintf(env.Stderr, "svcship-installer: warning: %s\n", w)
		}
		if err != nil {
			return fail(env, err)
		}
	}
	for _, sk := range plan.Skipped {
		fmt.Fprintf(env.Stdout, "%s: not compared: %s\n", s.Name, sk)
	}
	if restored {
		// Only now: a configure step that failed above kept the copy for
		// the next attempt (or the rolled-back old version).
		if err := forgetSaved(env, guard, *restoreFrom); err != nil {
			return fail(env, err)
		}
	}
	if cmd == "configure" || *noStart {
		return ExitOK
	}
	ctl := &Controller{Sys: env.Sys, Poll: env.Poll}
	if s.Start == config.StartAuto || s.Start == config.StartDelayedAuto {
		st, err := env.Sys.Status(s.Name)
		if err != nil {
			return fail(env, err)
		}
		if st.State == svcstate.Running {
			if changesProcess(plan) {
				fmt.Fprintf(env.Stdout, "%s: running with the old settings; run 'svcship-installer restart' to apply them\n", s.Name)
			}
			return ExitOK
		}
		msg, err := ctl.Start(ctx, s.Name, c.timeout)
		if err != nil {
			return fail(env, err)
		}
		fmt.Fprintln(env.Stdout, msg)
	}
	return ExitOK
}

// changesProcess reports whether the plan changes what a running process
// sees (so that a restart is needed).
func changesProcess(p *Plan) bool {
	for _, o := range p.Ops {
		if o.Kind == OpChangeCore || o.Kind == OpEnvironment {
			return true
		}
	}
	return false
}

func printPlan(w io.Writer, p *Plan) {
	if p.Empty() {
		fmt.Fprintf(w, "%s: unchanged\n", p.Name)
	}
	for _, o := range p.Ops {
		opt := ""
		if o.Optional {
			opt = " (optional)"
		}
		fmt.Fprintf(w, "%s: would %s: %s%s\n", p.Name, o.Kind, o.Detail, opt)
	}
	for _, sk := range p.Skipped {
		fmt.Fprintf(w, "%s: not compared: %s\n", p.Name, sk)
	}
}

// ParseRecovery parses "restart:5s,run:1m,reboot:10m" or "none".
func ParseRecovery(spec string) ([]config.FailureAction, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" || spec == "none" {
		return []config.FailureAction{}, nil
	}
	var out []config.FailureAction
	for _, part := range strings.Split(spec, ",") {
		act, delay, _ := strings.Cut(strings.TrimSpace(part), ":")
		a := config.RecoveryAction(act)
		if _, err := actionOf(a); err != nil {
			return nil, bad("--recovery: %v", err)
		}
		var d time.Duration
		if delay != "" {
			var err error
			d, err = time.ParseDuration(delay)
			if err != nil {
				return nil, bad("--recovery: %q is not a delay (e.g. 5s, 1m)", delay)
			}
			if d < 0 {
				return nil, bad("--recovery: delay %s is negative", d)
			}
		}
		out = append(out, config.FailureAction{Action: a, Delay: config.Duration(d)})
	}
	return out, nil
}

func runControl(ctx context.Context, env Env, cmd string, args []string) int {
	fs := newFlagSet(env, cmd)
	var c common
	c.register(fs)
	asJSON := fs.Bool("json", false, "status: print JSON")
	purge := fs.Bool("purge", false, "uninstall: also remove the service's data folder")
	foldersOnly := fs.Bool("folders-only", false, "uninstall: only remove the service's folders (for an MSI, whose own tables removed the service)")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "svcship-installer %s: unexpected argument %q\n", cmd, fs.Arg(0))
		return ExitUsage
	}
	if (*purge || *foldersOnly) && cmd != "uninstall" {
		return fail(env, bad("--purge and --folders-only are for uninstall"))
	}
	name, source := c.name, c.name
	var folders Settings // where the service's folders are
	if c.config != "" || c.name == "" {
		cfg, cfgPath, err := loadConfig(env, c.config)
		if err != nil {
			return fail(env, err)
		}
		if cfg != nil {
			folders = FromConfig(cfg, env.Dir, cfgPath)
			if cfg.Service.Mode == config.ModeAutostart {
				return autostartControl(ctx, env, cmd, c.config)
			}
			if name == "" {
				name = cfg.Service.Name
			}
			source = cfg.Service.EventSource
		}
	}
	if name == "" {
		return fail(env, bad("no service name: pass --name or put svcship.yaml beside the installer (or --config)"))
	}
	if err := config.ValidateServiceName(name); err != nil {
		return fail(env, bad("invalid service name: %v", err))
	}
	if source == "" {
		source = name
	}
	ctl := &Controller{Sys: env.Sys, Poll: env.Poll}
	var msg string
	var err error
	switch cmd {
	case "status":
		r, err := ctl.Status(name, source)
		if err != nil {
			return fail(env, err)
		}
		if *asJSON {
			enc := json.NewEncoder(env.Stdout)
			enc.SetIndent("", "  ")
			enc.Encode(r)
		} else {
			io.WriteString(env.Stdout, r.Human())
		}
		if !r.Installed {
			return ExitNotInstalled
		}
		return ExitOK
	case "start":
		msg, err = ctl.Start(ctx, name, c.timeout)
	case "stop":
		msg, err = ctl.Stop(ctx, name, c.timeout)
	case "restart":
		msg, err = ctl.Restart(ctx, name, c.timeout)
	case "uninstall":
		if *foldersOnly {
			folders.Name = name
			for _, l := range removeFolders(env, &folders, *purge) {
				fmt.Fprintln(env.Stdout, l)
			}
			return ExitOK
		}
		var lines []string
		lines, err = ctl.Uninstall(ctx, name, source, c.timeout)
		for _, l := range lines {
			fmt.Fprintf(env.Stdout, "%s\n", l)
		}
		if errors.Is(err, ErrNotInstalled) {
			fmt.Fprintf(env.Stdout, "%s is not installed; nothing to uninstall\n", name)
			return ExitNotInstalled
		}
		if err == nil {
			folders.Name = name
			for _, l := range removeFolders(env, &folders, *purge) {
				fmt.Fprintln(env.Stdout, l)
			}
			fmt.Fprintf(env.Stdout, "%s uninstalled\n", name)
		}
	}
	if err != nil {
		if errors.Is(err, ErrNotInstalled) {
			err = fmt.Errorf("%s: %w", name, ErrNotInstalled)
		}
		return fail(env, err)
	}
	if msg != "" {
		fmt.Fprintln(env.Stdout, msg)
	}
	return ExitOK
}

// DefaultEnv is the real process environment with sys.
func DefaultEnv(sys System) (Env, error) {
	exe, err := os.Executable()
	if err != nil {
		return Env{}, fmt.Errorf("locate svcship-installer: %w", err)
	}
	return Env{
		Sys: sys, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv,
		Dir: filepath.Dir(exe), ReadFile: os.ReadFile, WriteFile: func(p string, b []byte) error { return atomicfile.WriteFile(p, b, 0o644) }, Remove: os.Remove,
		Prompt: consolePrompt(),
	}, nil
}

// autostartInstead registers (or removes, or shows) the autostart entry
// that replaces the service when service.mode is autostart.
func autostartInstead(ctx context.Context, env Env, verb, cfgPath string) int {
	if env.Autostart == nil {
		return fail(env, bad("service.mode is autostart, but this build cannot register autostart entries"))
	}
	return env.Autostart(ctx, []string{verb, "--config", cfgPath})
}

func autostartControl(ctx context.Context, env Env, cmd, cfgFlag string) int {
	path := cfgFlag
	if path == "" {
		path = winJoin(env.Dir, config.FileName)
	}
	switch cmd {
	case "uninstall":
		return autostartInstead(ctx, env, "remove", path)
	case "status":
		return autostartInstead(ctx, env, "status", path)
	}
	return fail(env, bad("service.mode is autostart: there is no service to %s", cmd))
}

// readPassword fills in a user account's password from the environment
// variable pwEnv, else from a prompt on the console. Without a console
// (a service, an MSI custom action, a pipe) it never waits for input: it
// fails at once and says what to set.
func (s *Settings) readPassword(env Env, pwEnv string, dryRun bool) error {
	if pwEnv != "" {
		s.Password = env.Getenv(pwEnv)
	}
	if s.Password != "" {
		return nil
	}
	if dryRun {
		s.Password = "(not needed for a dry run)"
		return nil
	}
	if env.Prompt == nil {
		if pwEnv == "" {
			return bad("account \"%s\" is a user account and needs a password, and there is no console to ask on: set service.password_env in svcship.yaml (or --password-env) to the name of an environment variable, and put the password in that variable", s.Account)
		}
		return bad("account \"%s\" is a user account and needs a password, and there is no console to ask on: set the environment variable %s to the password", s.Account, pwEnv)
	}
	pw, err := env.Prompt(fmt.Sprintf("Password for %s: ", s.Account))
	if err != nil {
		return fmt.Errorf("read password: %w", err)
	}
	if pw == "" {
		return bad("account \"%s\": no password given", s.Account)
	}
	s.Password = pw
	return nil
}

// removeFolders deletes the folders install created for s (the data
// folder only with purge); problems become warnings, never a failed
// uninstall.
func removeFolders(env Env, s *Settings, purge bool) []string {
	g, err := newFolderGuard(env.Sys, env.Stdout, false, false)
	if err != nil {
		return []string{"warning: folders left: " + err.Error()}
	}
	pd, err := env.Sys.ProgramData()
	if err != nil {
		return []string{"warning: folders left: " + err.Error()}
	}
	return removeServiceFolders(g, s.resolveFolders(pd), purge)
}

func isFolderError(err error) bool {
	var fe *FolderError
	return errors.As(err, &fe)
}
