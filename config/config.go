// Package config reads and validates svcship.yaml, the one file that
// describes a product, its Windows service and how it is packaged.
//
// Every key is typed; unknown keys, wrong types, missing required keys and
// out-of-range values are reported as one error that names the file, the
// line, the key path and what was expected, for example:
//
//	svcship.yaml:14: service.start: "sometimes" is not a start type (expected auto, delayed-auto, manual or disabled)
//
// Load applies defaults after validation, so callers see a complete Config.
// docs/config.md documents each key with an example.
package config

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"
)

// FileName is the conventional name of the configuration file. The service
// installer looks for it beside its own executable.
const FileName = "svcship.yaml"

// Config is the whole of svcship.yaml.
type Config struct {
	// Product is the metadata shown in VERSIONINFO, Add/Remove Programs and
	// release pages.
	Product Product `yaml:"product" required:"true"`
	// Service describes the Windows service.
	Service Service `yaml:"service" required:"true"`
	// Autostart registers the program to start in a user session instead of
	// (or besides) a service. Optional.
	Autostart *Autostart `yaml:"autostart"`
	// Packaging describes zips and MSIs.
	Packaging Packaging `yaml:"packaging" required:"true"`
	// Release describes where releases are published. Optional.
	Release Release `yaml:"release"`
	// Signing is how exes, MSIs and scripts are Authenticode-signed.
	// Optional: without it, the pfx method with the SVCSHIP_SIGN_*
	// variables.
	Signing *Signing `yaml:"signing"`

	dir string // folder of the file Load read; relative paths start here
}

// Dir is the folder svcship.yaml was loaded from ("" after Parse).
func (c *Config) Dir() string { return c.dir }

// Resolve returns a path from svcship.yaml made absolute against Dir.
func (c *Config) Resolve(rel string) string {
	if rel == "" || filepath.IsAbs(rel) || c.dir == "" {
		return rel
	}
	return filepath.Join(c.dir, rel)
}

// Product is the metadata of the shipped program.
type Product struct {
	// Name is the product identifier: letters, digits, '.', '_' and '-'.
	Name string `yaml:"name" required:"true"`
	// DisplayName is the human name (default: Name).
	DisplayName string `yaml:"display_name"`
	// Company is the publisher (VERSIONINFO CompanyName, MSI Manufacturer).
	Company string `yaml:"company" required:"true"`
	// Description is a one-line description (VERSIONINFO FileDescription).
	Description string `yaml:"description" required:"true"`
	// Copyright is the LegalCopyright string.
	Copyright string `yaml:"copyright"`
	// Homepage is a http(s) URL shown in Add/Remove Programs.
	Homepage string `yaml:"homepage"`
	// Icon is a path to a .ico file, relative to svcship.yaml.
	Icon string `yaml:"icon"`
	// License is an SPDX identifier, e.g. MIT.
	License string `yaml:"license"`
	// Binary is the executable name without .exe (default: Name).
	Binary string `yaml:"binary"`
	// Main is the Go main package that builds Binary (default ".").
	Main string `yaml:"main"`
}

// Mode says how the program runs as a service.
type Mode string

const (
	// ModeNative: the program itself speaks to the service manager (it uses
	// package service).
	ModeNative Mode = "native"
	// ModeHosted: the bundled installer runs as the service and supervises
	// the program as a child process.
	ModeHosted Mode = "hosted"
	// ModeAutostart: no service; the program starts in user sessions from
	// the autostart section's Run key or scheduled task, which the
	// installer's install command and the MSI register instead.
	ModeAutostart Mode = "autostart"
)

// StartType is when the service manager starts the service.
type StartType string

const (
	StartAuto        StartType = "auto"
	StartDelayedAuto StartType = "delayed-auto"
	StartManual      StartType = "manual"
	StartDisabled    StartType = "disabled"
)

// Built-in accounts. Any other value of Service.Account is a user account
// (DOMAIN\user, .\user or user@domain) whose password comes from the
// environment variable named by Service.PasswordEnv, or a prompt.
const (
	AccountLocalSystem    = "LocalSystem"
	AccountLocalService   = "LocalService"
	AccountNetworkService = "NetworkService"
	// AccountVirtual selects the virtual account NT SERVICE\<service name>.
	AccountVirtual = "virtual"
)

// Service is the Windows service.
type Service struct {
	// Name is the service key name: 1-256 characters, no '/' or '\'.
	Name string `yaml:"name" required:"true"`
	// DisplayName is shown in services.msc (default: Product.DisplayName).
	DisplayName string `yaml:"display_name"`
	// Description is shown in services.msc (default: Product.Description).
	Description string `yaml:"description"`
	// Mode is native (default), hosted or autostart.
	Mode Mode `yaml:"mode"`
	// Start is auto (default), delayed-auto, manual or disabled.
	Start StartType `yaml:"start"`
	// Account is virtual (default: the virtual account NT SERVICE\<name>,
	// which has no password and few rights), LocalService, NetworkService,
	// LocalSystem, a managed service account DOMAIN\name$, or a user
	// account. LocalSystem is used only when written here.
	Account string `yaml:"account"`
	// PasswordEnv names the environment variable that holds a user account's
	// password. Never put the password itself in this file.
	PasswordEnv string `yaml:"password_env"`
	// Dependencies are services that must run first.
	Dependencies []string `yaml:"dependencies"`
	// Arguments are passed to the program.
	Arguments []string `yaml:"arguments"`
	// Environment is added to the program's environment.
	Environment map[string]string `yaml:"environment"`
	// WorkingDirectory defaults to the executable's folder.
	WorkingDirectory string `yaml:"working_directory"`
	// EventSource is the Windows Event Log source (default: Name).
	EventSource string `yaml:"event_source"`
	// StopTimeout bounds a graceful stop (default 20s).
	StopTimeout Duration `yaml:"stop_timeout"`
	// Recovery is what the service manager does when the service fails.
	Recovery Recovery `yaml:"recovery"`
	// Logs is where the service's logs go.
	Logs Logs `yaml:"logs"`
	// DataDir is the folder the service may write its own data to
	// (default %ProgramData%\<name>\data). The installer creates it, with
	// the same permissions as the log folder, and passes it to the program
	// as SVCSHIP_DATA_DIR.
	DataDir string `yaml:"data_dir"`
	// Hosted configures the supervisor in hosted mode.
	Hosted Hosted `yaml:"hosted"`
	// Health is how svcship-installer doctor checks that the service
	// answers. Optional.
	Health Health `yaml:"health"`
}

// Health describes a probe of the running service.
type Health struct {
	// URL is a loopback http URL that answers 2xx when the service is
	// healthy, e.g. http://127.0.0.1:8080/healthz.
	URL string `yaml:"url"`
}

// RecoveryAction is one of restart, run, reboot or none.
type RecoveryAction string

const (
	ActionNone    RecoveryAction = "none"
	ActionRestart RecoveryAction = "restart"
	ActionRun     RecoveryAction = "run"
	ActionReboot  RecoveryAction = "reboot"
)

// Recovery maps to the service's failure actions.
type Recovery struct {
	// Actions apply to the first, second and later failures (the last one
	// repeats). Default: restart after 5s, 10s, 30s.
	Actions []FailureAction `yaml:"actions"`
	// ResetAfter is the failure-free time after which the count resets
	// (default 24h).
	ResetAfter Duration `yaml:"reset_after"`
	// Command is run by a "run" action.
	Command string `yaml:"command"`
	// RebootMessage is broadcast before a "reboot" action.
	RebootMessage string `yaml:"reboot_message"`
	// OnNonCrashFailure also applies the actions when the service stops
	// with a non-zero exit code (default true).
	OnNonCrashFailure *bool `yaml:"on_non_crash_failure"`
}

// FailureAction is one recovery step.
type FailureAction struct {
	Action RecoveryAction `yaml:"action" required:"true"`
	Delay  Duration       `yaml:"delay"`
}

// Logs configures log files.
type Logs struct {
	// Dir defaults to %ProgramData%\<service name>\logs.
	Dir string `yaml:"dir"`
	// MaxSize is the size at which a file rotates, e.g. 10MB (default 10MB).
	MaxSize Size `yaml:"max_size"`
	// Keep is how many rotated files are kept (default 5).
	Keep int `yaml:"keep"`
	// Daily also rotates at midnight (local time).
	Daily bool `yaml:"daily"`
	// Level is the lowest level written: debug, info (default), warn or
	// error. Read at every start, so an edit applies on the next start.
	Level string `yaml:"level"`
}

// Log levels accepted by service.logs.level.
const (
	LogDebug = "debug"
	LogInfo  = "info"
	LogWarn  = "warn"
	LogError = "error"
)

// ParseLogLevel reads a level as svcship.yaml, SVCSHIP_LOG_LEVEL and
// `svcship-installer configure --log-level` spell it (case-insensitive).
func ParseLogLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case LogDebug:
		return slog.LevelDebug, nil
	case LogInfo:
		return slog.LevelInfo, nil
	case LogWarn, "warning":
		return slog.LevelWarn, nil
	case LogError:
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("%q is not a log level (expected debug, info, warn or error)", s)
}

// Hosted configures hosted mode.
type Hosted struct {
	// Executable is the program to host, relative to the install folder
	// (default: Product.Binary + ".exe").
	Executable string `yaml:"executable"`
	// StopSignal is ctrl-break (default) or ctrl-c.
	StopSignal string `yaml:"stop_signal"`
	// StopTimeout is how long the child may take to exit after the signal
	// before its whole process tree is terminated (default 15s).
	StopTimeout Duration `yaml:"stop_timeout"`
	// Restart throttles restarts of a child that exits unexpectedly.
	Restart RestartPolicy `yaml:"restart"`
	// SuccessExitCodes are exit codes that mean "stopped on purpose": the
	// service then stops instead of restarting the child (default [0]).
	SuccessExitCodes []int `yaml:"success_exit_codes"`
}

// RestartPolicy throttles child restarts.
type RestartPolicy struct {
	// Delay is the first back-off (default 1s); it doubles each time.
	Delay Duration `yaml:"delay"`
	// MaxDelay caps the back-off (default 1m).
	MaxDelay Duration `yaml:"max_delay"`
	// MaxFailures within Window stop the service with an error so the
	// service manager's recovery applies (default 5 in 10m).
	MaxFailures int      `yaml:"max_failures"`
	Window      Duration `yaml:"window"`
}

// Autostart registers the program to start in a user session.
type Autostart struct {
	// Kind is run-key or task.
	Kind string `yaml:"kind" required:"true"`
	// Scope is user (HKCU / current user) or machine (HKLM / all users).
	Scope string `yaml:"scope"`
	// Trigger is logon (default) or startup (task only).
	Trigger string `yaml:"trigger"`
	// Delay postpones the start (task only).
	Delay Duration `yaml:"delay"`
	// Account runs the task as this account (task only).
	Account string `yaml:"account"`
	// Arguments are passed to the program.
	Arguments []string `yaml:"arguments"`
}

// Packaging describes the zip and the MSI.
type Packaging struct {
	// UpgradeCode is the MSI UpgradeCode GUID: keep it forever for one
	// product. Required.
	UpgradeCode string `yaml:"upgrade_code" required:"true"`
	// InstallDir is the folder under Program Files (default:
	// Product.DisplayName).
	InstallDir string `yaml:"install_dir"`
	// MSI builds an MSI for every Windows arch (default true).
	MSI *bool `yaml:"msi"`
	// Zip builds a zip for every Windows arch (default true).
	Zip *bool `yaml:"zip"`
	// ExtraFiles are added to the zip and the MSI install folder, relative to
	// svcship.yaml.
	ExtraFiles []string `yaml:"extra_files"`
	// SameVersionUpgrade lets an MSI replace an installed build of the same
	// version (a rebuild, or 1.2.3 after 1.2.3-rc.1); false refuses it like
	// a downgrade (default true; docs/msi.md).
	SameVersionUpgrade *bool `yaml:"same_version_upgrade"`
	// SuppressICE names MSI validation warnings not to print, e.g. ICE61
	// (errors always fail the build; docs/msi.md lists the rules).
	SuppressICE []string `yaml:"suppress_ice"`
}

// Release describes where releases go.
type Release struct {
	// GitHub is "owner/repo" (default: from the origin remote).
	GitHub string `yaml:"github"`
	// WingetID is the winget PackageIdentifier (default: the company
	// without spaces or punctuation, '.', product.name).
	WingetID string `yaml:"winget_id"`
}

// Duration is a time.Duration written as "5s", "1m30s".
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Size is a byte count written as "10MB", "512KiB" or a plain integer.
type Size int64

// MarshalYAML writes the duration as svcship.yaml spells it ("1m30s").
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// MarshalYAML writes the size with the largest exact binary unit ("10MiB").
func (s Size) MarshalYAML() (any, error) {
	for _, u := range []struct {
		name string
		n    int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if s > 0 && int64(s)%u.n == 0 {
			return fmt.Sprintf("%d%s", int64(s)/u.n, u.name), nil
		}
	}
	return int64(s), nil
}
