// Package service runs a Go program as a Windows service, or in the
// foreground on a console, Linux and macOS, with one call:
//
//	err := service.Run(ctx, service.Options{Name: "hellosvc"},
//		func(ctx context.Context, ready func()) error {
//			// start listening, then:
//			ready()
//			<-ctx.Done() // stop requested
//			return nil
//		})
//
// On Windows, Run first calls svc.Run; when that fails with
// ERROR_FAILED_SERVICE_CONTROLLER_CONNECT the process was not started by
// the service manager and the app runs in the foreground, stopped by
// Ctrl-C. (svc.IsWindowsService alone misdetects in containers.)
//
// As a service it reports StartPending with growing checkpoints until the
// app calls ready, then Running; accepts Stop, Shutdown and PreShutdown;
// reports StopPending while the app winds down, bounded by StopTimeout; and
// when the app fails it stops with a service-specific exit code so that the
// service manager's recovery actions apply.
//
// The working directory is the executable's folder unless Options.WorkDir
// or the SVCSHIP_WORKING_DIRECTORY environment variable (which the svcship
// installer sets from svcship.yaml) says otherwise.
//
// Logs are log/slog records. As a service they go as JSON lines to a
// rotating file, by default %ProgramData%\<Name>\logs\<Name>.log, and
// start, stop and failure also go to the Windows Event Log. In the
// foreground they go as text to stderr, and also to the file when a log
// folder is configured. The app gets the logger with Logger(ctx).
//
// # Log level
//
// The lowest level written is service.logs.level from the svcship.yaml
// beside the executable (debug, info, warn or error; default info). The
// file is read at every start, so an edit applies on the next start
// without reinstalling; `svcship-installer configure --log-level` makes
// that edit for an installed service. On a console the environment
// variable SVCSHIP_LOG_LEVEL overrides the file, for a debugging run:
//
//	SVCSHIP_LOG_LEVEL=debug myapp.exe
//
// The same level applies to the runtime's own records, to the host's in
// hosted mode and to the logger the app gets from Logger(ctx), so an app
// logs with
//
//	log := service.Logger(ctx)
//	log.Debug("cache miss", "key", k) // written only at level debug
//
// and never builds a handler of its own.
package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/rotate"
)

// App is the program. It must call ready once it serves, and return when
// ctx is cancelled. Returning an error before a stop was requested is a
// failure of the service.
type App func(ctx context.Context, ready func()) error

// Environment variables read by Run. The svcship installer sets them in
// the service's environment from svcship.yaml.
const (
	EnvWorkDir     = "SVCSHIP_WORKING_DIRECTORY"
	EnvLogDir      = "SVCSHIP_LOG_DIR"
	EnvLogMaxBytes = "SVCSHIP_LOG_MAX_BYTES"
	EnvLogKeep     = "SVCSHIP_LOG_KEEP"
	EnvLogDaily    = "SVCSHIP_LOG_DAILY"
	EnvStopTimeout = "SVCSHIP_STOP_TIMEOUT"
	// EnvLogLevel overrides service.logs.level when the program runs on a
	// console (never as a service, where svcship.yaml decides).
	EnvLogLevel = "SVCSHIP_LOG_LEVEL"
	// EnvDataDir is the service's data folder (DataDir).
	EnvDataDir = "SVCSHIP_DATA_DIR"
)

// Defaults.
const (
	DefaultStartTimeout = 2 * time.Minute
	DefaultStopTimeout  = config.DefaultStopTimeout
	DefaultLogMaxBytes  = 10 << 20
	DefaultLogKeep      = 5
)

// Options configures Run. Only Name is required.
type Options struct {
	// Name is the service name; it also names the log folder and file.
	Name string
	// EventSource is the Windows Event Log source (default Name).
	EventSource string
	// Logger, if set, is used as is instead of the log file/stderr logger.
	Logger *slog.Logger
	// Logs configures the log file.
	Logs LogOptions
	// WorkDir overrides the working directory (default: the executable's
	// folder, or $SVCSHIP_WORKING_DIRECTORY).
	WorkDir string
	// StartTimeout bounds the time until the app calls ready.
	StartTimeout time.Duration
	// StopTimeout bounds a graceful stop ($SVCSHIP_STOP_TIMEOUT overrides
	// a zero value).
	StopTimeout time.Duration

	env [][2]string // from svcship.yaml, applied by prepare
}

// LogOptions configures the log file.
type LogOptions struct {
	// Dir is the log folder. As a service the default is
	// %ProgramData%\<Name>\logs; in the foreground the default is no file.
	// $SVCSHIP_LOG_DIR overrides an empty value.
	Dir string
	// MaxBytes rotates the file at this size (default 10 MiB).
	MaxBytes int64
	// Keep is the number of rotated files kept (default 5).
	Keep int
	// Daily also rotates at midnight.
	Daily bool
	// Level is the minimum level when svcship.yaml has no
	// service.logs.level and, on a console, $SVCSHIP_LOG_LEVEL is unset
	// (default Info). It has no effect when Options.Logger is set.
	Level slog.Leveler

	fileLevel string // service.logs.level from svcship.yaml, set by resolve
}

type loggerKey struct{}

// Logger returns the logger Run gave to the app: records go to the same
// file (JSON lines) and, on a console, stderr as the runtime's own, at the
// level svcship.yaml or $SVCSHIP_LOG_LEVEL chose, with a "service"
// attribute naming the service. Outside Run (and without WithLogger) it is
// slog.Default().
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// WithLogger returns ctx carrying l, for tests of apps.
func WithLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, l)
}

// resolve fills defaults and environment overrides. getenv is os.Getenv
// except in tests.
//
// Precedence: Options, then the SVCSHIP_* environment (set by the installer
// in the service's registry Environment value), then file, the svcship.yaml
// beside the executable (nil when absent; used because some service
// managers, such as wine's, ignore the registry Environment value), then
// defaults.
func (o Options) resolve(getenv func(string) string, file *config.Service, exeDir string) (Options, error) {
	if o.Name == "" {
		return o, fmt.Errorf("service: empty service name")
	}
	if file != nil && file.Name != o.Name {
		file = nil // describes another service
	}
	if file != nil {
		// Environment variables that are not set already.
		for k, v := range file.Environment {
			if getenv(k) == "" {
				o.env = append(o.env, [2]string{k, v})
			}
		}
	}
	if o.EventSource == "" {
		o.EventSource = o.Name
	}
	if o.WorkDir == "" {
		o.WorkDir = getenv(EnvWorkDir)
	}
	if o.WorkDir == "" && file != nil && file.WorkingDirectory != "" {
		o.WorkDir = joinDir(exeDir, file.WorkingDirectory)
	}
	if o.Logs.Dir == "" {
		o.Logs.Dir = getenv(EnvLogDir)
	}
	if o.Logs.Dir == "" && file != nil && file.Logs.Dir != "" {
		o.Logs.Dir = joinDir(exeDir, file.Logs.Dir)
	}
	if file != nil && file.DataDir != "" && getenv(EnvDataDir) == "" {
		// Service managers that ignore the registry Environment value
		// (wine's) still get the folder to DataDir.
		o.env = append(o.env, [2]string{EnvDataDir, joinDir(exeDir, file.DataDir)})
	}
	if o.Logs.MaxBytes == 0 && file != nil && getenv(EnvLogMaxBytes) == "" {
		o.Logs.MaxBytes = int64(file.Logs.MaxSize)
	}
	if o.Logs.Keep == 0 && file != nil && getenv(EnvLogKeep) == "" {
		o.Logs.Keep = file.Logs.Keep
	}
	if !o.Logs.Daily && file != nil && getenv(EnvLogDaily) == "" {
		o.Logs.Daily = file.Logs.Daily
	}
	if file != nil && file.Logs.Level != "" {
		o.Logs.fileLevel = file.Logs.Level
	}
	if o.StopTimeout == 0 && file != nil && getenv(EnvStopTimeout) == "" {
		o.StopTimeout = file.StopTimeout.D()
	}
	if o.Logs.MaxBytes == 0 {
		if v := getenv(EnvLogMaxBytes); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return o, fmt.Errorf("service: %s=%q is not a byte count", EnvLogMaxBytes, v)
			}
			o.Logs.MaxBytes = n
		}
	}
	if o.Logs.MaxBytes == 0 {
		o.Logs.MaxBytes = DefaultLogMaxBytes
	}
	if o.Logs.Keep == 0 {
		if v := getenv(EnvLogKeep); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return o, fmt.Errorf("service: %s=%q is not a count", EnvLogKeep, v)
			}
			o.Logs.Keep = n
		}
	}
	if o.Logs.Keep == 0 {
		o.Logs.Keep = DefaultLogKeep
	}
	if !o.Logs.Daily && getenv(EnvLogDaily) != "" {
		b, err := strconv.ParseBool(getenv(EnvLogDaily))
		if err != nil {
			return o, fmt.Errorf("service: %s=%q is not a boolean", EnvLogDaily, getenv(EnvLogDaily))
		}
		o.Logs.Daily = b
	}
	if o.StopTimeout == 0 {
		if v := getenv(EnvStopTimeout); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return o, fmt.Errorf("service: %s=%q is not a duration", EnvStopTimeout, v)
			}
			o.StopTimeout = d
		}
	}
	if o.StopTimeout == 0 {
		o.StopTimeout = DefaultStopTimeout
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = DefaultStartTimeout
	}
	return o, nil
}

// level is the minimum log level: on a console $SVCSHIP_LOG_LEVEL, then
// service.logs.level from svcship.yaml, then Options.Logs.Level, then Info.
// An unreadable value is an error naming its source, so a typo never
// silently hides the records an operator asked for.
func (o Options) level(console bool, getenv func(string) string) (slog.Leveler, error) {
	if console {
		if v := getenv(EnvLogLevel); v != "" {
			l, err := config.ParseLogLevel(v)
			if err != nil {
				return nil, fmt.Errorf("service: %s: %w", EnvLogLevel, err)
			}
			return l, nil
		}
	}
	if o.Logs.fileLevel != "" {
		l, err := config.ParseLogLevel(o.Logs.fileLevel)
		if err != nil {
			return nil, fmt.Errorf("service: service.logs.level: %w", err)
		}
		return l, nil
	}
	if o.Logs.Level != nil {
		return o.Logs.Level, nil
	}
	return slog.LevelInfo, nil
}

// joinDir resolves a path from svcship.yaml against the executable's folder.
func joinDir(dir, p string) string {
	if filepath.IsAbs(p) || filepath.VolumeName(p) != "" || dir == "" {
		return p
	}
	return filepath.Join(dir, p)
}

// exeDir is the executable's folder.
func exeDir() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("service: locate executable: %w", err)
	}
	return filepath.Dir(exe), nil
}

// loadFile reads the svcship.yaml beside the executable; nil if there is
// none. Errors in it are reported: a service should not run with half its
// settings.
func loadFile(dir string) (*config.Service, error) {
	path := filepath.Join(dir, config.FileName)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("service: %w", err)
	}
	c, err := config.Parse(path, data)
	if err != nil {
		return nil, fmt.Errorf("service: %w", err)
	}
	return &c.Service, nil
}

// prepare resolves options against the environment and svcship.yaml and
// applies the file's environment variables.
func prepare(opts Options) (Options, error) {
	dir, err := exeDir()
	if err != nil {
		return opts, err
	}
	file, err := loadFile(dir)
	if err != nil {
		return opts, err
	}
	o, err := opts.resolve(os.Getenv, file, dir)
	if err != nil {
		return o, err
	}
	for _, kv := range o.env {
		os.Setenv(kv[0], kv[1])
	}
	if o.WorkDir == "" {
		o.WorkDir = dir
	}
	return o, nil
}

// DefaultLogDir is the service-mode log folder for name:
// %ProgramData%\<name>\logs.
func DefaultLogDir(name string, getenv func(string) string) string {
	pd := getenv("ProgramData")
	if pd == "" {
		pd = `C:\ProgramData`
	}
	return pd + `\` + name + `\logs`
}

// DefaultDataDir is the service's data folder when svcship.yaml names
// none: %ProgramData%\<name>\data.
func DefaultDataDir(name string, getenv func(string) string) string {
	pd := getenv("ProgramData")
	if pd == "" {
		pd = `C:\ProgramData`
	}
	return pd + `\` + name + `\data`
}

// DataDir is the folder the service named name may keep its own data in:
// $SVCSHIP_DATA_DIR, which the svcship installer (native mode) and the
// host (hosted mode) set from service.data_dir, else
// %ProgramData%\<name>\data. The installer creates it writable by the
// service's account and by nobody else but administrators, so a service
// that runs with least privilege has somewhere to write.
func DataDir(name string) string {
	if d := os.Getenv(EnvDataDir); d != "" {
		return d
	}
	return DefaultDataDir(name, os.Getenv)
}

// chdir moves to the configured folder or the executable's folder.
func chdir(workDir string) (string, error) {
	if workDir == "" {
		exe, err := os.Executable()
		if err != nil {
			return "", fmt.Errorf("service: locate executable: %w", err)
		}
		workDir = filepath.Dir(exe)
	}
	if err := os.Chdir(workDir); err != nil {
		return "", fmt.Errorf("service: working directory: %w", err)
	}
	return workDir, nil
}

// newLogger builds the logger: JSON into a rotating file when dir is set,
// and text to console when console is non-nil. closeFn closes the file.
// The level is o.Logs.Level (Info when nil); callers put there what
// Options.level chose.
func newLogger(o Options, dir string, console io.Writer) (*slog.Logger, func() error, error) {
	if o.Logger != nil {
		return o.Logger, func() error { return nil }, nil
	}
	var level slog.Leveler = slog.LevelInfo
	if o.Logs.Level != nil {
		level = o.Logs.Level
	}
	hopts := &slog.HandlerOptions{Level: level}
	var handlers []slog.Handler
	closeFn := func() error { return nil }
	if dir != "" {
		w, err := rotate.New(rotate.Options{
			Path:     filepath.Join(dir, o.Name+".log"),
			MaxBytes: o.Logs.MaxBytes,
			Keep:     o.Logs.Keep,
			Daily:    o.Logs.Daily,
		})
		if err != nil {
			return nil, nil, fmt.Errorf("service: log file: %w", err)
		}
		handlers = append(handlers, slog.NewJSONHandler(w, hopts))
		closeFn = w.Close
	}
	if console != nil {
		handlers = append(handlers, slog.NewTextHandler(console, hopts))
	}
	var h slog.Handler
	switch len(handlers) {
	case 0:
		h = slog.DiscardHandler
	case 1:
		h = handlers[0]
	default:
		h = teeHandler(handlers)
	}
	return slog.New(h).With("service", o.Name), closeFn, nil
}

// teeHandler sends each record to every handler.
type teeHandler []slog.Handler

func (t teeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	for _, h := range t {
		if h.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (t teeHandler) Handle(ctx context.Context, r slog.Record) error {
	var first error
	for _, h := range t {
		if h.Enabled(ctx, r.Level) {
			if err := h.Handle(ctx, r.Clone()); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

func (t teeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make(teeHandler, len(t))
	for i, h := range t {
		out[i] = h.WithAttrs(as)
	}
	return out
}

func (t teeHandler) WithGroup(name string) slog.Handler {
	out := make(teeHandler, len(t))
	for i, h := range t {
		out[i] = h.WithGroup(name)
	}
	return out
}

// logSettings records, at debug level, what the runtime resolved.
func logSettings(log *slog.Logger, o Options, dir string, level slog.Leveler) {
	log.Debug("service settings", "log_level", level.Level().String(), "log_dir", dir,
		"log_max_bytes", o.Logs.MaxBytes, "log_keep", o.Logs.Keep, "log_daily", o.Logs.Daily,
		"stop_timeout", o.StopTimeout.String(), "start_timeout", o.StartTimeout.String())
}

func newMachine(o Options, app App, log *slog.Logger, ev events) *machine {
	return &machine{
		app:          app,
		log:          log,
		ev:           ev,
		tick:         time.Second,
		waitHint:     10 * time.Second,
		startTimeout: o.StartTimeout,
		stopTimeout:  o.StopTimeout,
	}
}

// runForeground runs app on a console until it returns or ctx is done
// (the caller cancels ctx on SIGINT/SIGTERM/Ctrl-C).
func runForeground(ctx context.Context, o Options, app App) error {
	o, err := prepare(o)
	if err != nil {
		return err
	}
	wd, err := chdir(o.WorkDir)
	if err != nil {
		return err
	}
	level, err := o.level(true, os.Getenv)
	if err != nil {
		return err
	}
	o.Logs.Level = level
	log, closeLog, err := newLogger(o, o.Logs.Dir, os.Stderr)
	if err != nil {
		return err
	}
	defer closeLog()
	log.Info("running in the foreground", "workdir", wd, "pid", os.Getpid())
	logSettings(log, o, o.Logs.Dir, level)
	return foreground(ctx, newMachine(o, app, log, noEvents{}), log)
}

// foreground maps ctx cancellation to a Stop control.
func foreground(ctx context.Context, m *machine, log *slog.Logger) error {
	controls := make(chan Control, 1)
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-ctx.Done():
			log.Info("stop requested", "cause", context.Cause(ctx))
			controls <- ControlStop
		case <-finished:
		}
	}()
	// The app's context ends through the Stop control, so that the stop
	// timeout applies as it does for a service.
	res := m.execute(context.WithoutCancel(ctx), controls, func(Status) {})
	return res.Err
}
