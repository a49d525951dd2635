package installer

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/host"
	"github.com/svcship/svcship/service"
)

// cmdHost is the service program in hosted mode: the service manager runs
// `svcship-exe host --config <svcship.yaml>`, and the host keeps
// the product's ordinary executable running as a child process. Started
// from a console it runs in the foreground until Ctrl-C.
func cmdHost(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("host", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "svcship.yaml to read (default: the one beside this program)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "svcship-installer host: unexpected argument %q\n", fs.Arg(0))
		return ExitUsage
	}
	if *cfgPath == "" {
		exe, err := os.Executable()
		if err != nil {
			fmt.Fprintf(stderr, "svcship-installer host: %v\n", err)
			return ExitFailure
		}
		*cfgPath = filepath.Join(filepath.Dir(exe), config.FileName)
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "svcship-installer host: %v\n", err)
		return ExitUsage
	}
	sopts, hopts, err := hostedOptions(cfg, os.Getenv)
	if err != nil {
		fmt.Fprintf(stderr, "svcship-installer host: %v\n", err)
		return ExitUsage
	}
	err = service.Run(ctx, sopts, func(ctx context.Context, ready func()) error {
		hopts.Logger = service.Logger(ctx)
		return host.Run(ctx, hopts, ready)
	})
	if err != nil {
		fmt.Fprintf(stderr, "svcship-installer host: %v\n", err)
		return ExitFailure
	}
	return ExitOK
}

// hostedOptions maps svcship.yaml onto the service runtime and the host.
// The child's output goes to the same log folder as the host's own log.
func hostedOptions(cfg *config.Config, getenv func(string) string) (service.Options, host.Options, error) {
	s := cfg.Service
	h := s.Hosted
	sig, err := host.ParseSignal(h.StopSignal)
	if err != nil {
		return service.Options{}, host.Options{}, err
	}
	logDir := cfg.Resolve(s.Logs.Dir)
	if logDir == "" {
		logDir = service.DefaultLogDir(s.Name, getenv)
	}
	// The service manager must wait for the child's own grace period plus
	// the time to kill its tree.
	stop := max(s.StopTimeout.D(), h.StopTimeout.D()+5*time.Second)
	// The runtime reads service.logs.level from the svcship.yaml beside
	// the host; this one counts when --config points elsewhere.
	level, err := config.ParseLogLevel(s.Logs.Level)
	if err != nil {
		return service.Options{}, host.Options{}, fmt.Errorf("service.logs.level: %w", err)
	}
	sopts := service.Options{
		Name:        s.Name,
		EventSource: s.EventSource,
		Logs: service.LogOptions{
			Dir:      logDir,
			MaxBytes: int64(s.Logs.MaxSize),
			Keep:     s.Logs.Keep,
			Daily:    s.Logs.Daily,
			Level:    level,
		},
		StopTimeout: stop,
	}
	var env []string
	for k, v := range s.Environment {
		env = append(env, k+"="+v)
	}
	// The child's data folder, which the installer created writable for
	// the service's account (service.DataDir reads it).
	if _, set := s.Environment[service.EnvDataDir]; !set {
		dataDir := cfg.Resolve(s.DataDir)
		if dataDir == "" {
			dataDir = service.DefaultDataDir(s.Name, getenv)
		}
		env = append(env, service.EnvDataDir+"="+dataDir)
	}
	slices.Sort(env)
	hopts := host.Options{
		Executable:  cfg.Resolve(h.Executable),
		Args:        s.Arguments,
		Env:         env,
		Dir:         cfg.Resolve(s.WorkingDirectory),
		LogDir:      logDir,
		LogMaxBytes: int64(s.Logs.MaxSize),
		LogKeep:     s.Logs.Keep,
		LogDaily:    s.Logs.Daily,
		StopSignal:  sig,
		StopTimeout: h.StopTimeout.D(),
		Restart: host.RestartPolicy{
			Delay:       h.Restart.Delay.D(),
			MaxDelay:    h.Restart.MaxDelay.D(),
			MaxFailures: h.Restart.MaxFailures,
			Window:      h.Restart.Window.D(),
		},
		SuccessExitCodes: h.SuccessExitCodes,
	}
	return sopts, hopts, nil
}
