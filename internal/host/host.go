// Package host supervises a program that knows nothing about services, so
// that svcship can run it as a Windows service ("hosted mode").
//
// Run starts the program, forwards its stdout and stderr line by line into
// rotating log files, restarts it with exponential back-off when it exits
// unexpectedly, gives up with an error when it fails too often (so the
// service manager's recovery actions take over) and stops it gracefully
// when ctx is cancelled.
//
// On Windows the child starts suspended, is put into a job object with
// JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE (so its whole tree dies with the host,
// even if the host crashes) and is then resumed. It gets a hidden console
// of its own (CREATE_NO_WINDOW) and, for Ctrl-Break, its own process group.
// A stop briefly attaches the host to that console, sends Ctrl-Break to the
// child's group (or Ctrl-C to the console) with GenerateConsoleCtrlEvent,
// waits StopTimeout and then terminates the job. Wine 8 delivers only
// Ctrl-C; Ctrl-Break fails there and the host falls back to terminating.
// On Unix the child leads its own process group; a stop sends SIGTERM
// (ctrl-break) or SIGINT (ctrl-c) to the group, then SIGKILL.
package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Signal is how the host asks the child to stop.
type Signal int

const (
	// CtrlBreak sends CTRL_BREAK_EVENT on Windows and SIGTERM on Unix.
	CtrlBreak Signal = iota
	// CtrlC sends CTRL_C_EVENT on Windows and SIGINT on Unix.
	CtrlC
)

func (s Signal) String() string {
	switch s {
	case CtrlBreak:
		return "ctrl-break"
	case CtrlC:
		return "ctrl-c"
	}
	return fmt.Sprintf("Signal(%d)", int(s))
}

// ParseSignal reads svcship.yaml's hosted.stop_signal ("" means ctrl-break).
func ParseSignal(s string) (Signal, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "ctrl-break":
		return CtrlBreak, nil
	case "ctrl-c":
		return CtrlC, nil
	}
	return 0, fmt.Errorf("host: unknown stop signal %q (expected ctrl-break or ctrl-c)", s)
}

// Options configures Run. Only Executable is required.
type Options struct {
	// Executable is the program to run.
	Executable string
	// Args are its arguments.
	Args []string
	// Env entries ("KEY=value") are added to the host's environment.
	Env []string
	// Dir is the working directory (default: the executable's folder).
	Dir string

	// StdoutPath and StderrPath receive the child's output; the same path
	// for both gives one file. When both are empty and LogDir is set they
	// default to LogDir\<exe name>.stdout.log and .stderr.log. With no
	// file at all, output lines go to Logger.
	StdoutPath string
	StderrPath string
	LogDir     string
	// Rotation of the output files (see package rotate): size limit, number
	// kept (default 5) and daily rotation. Files are appended to across
	// restarts of the child and of the host.
	LogMaxBytes int64
	LogKeep     int
	LogDaily    bool

	// StopSignal is sent to the child on stop (default CtrlBreak).
	StopSignal Signal
	// StopTimeout is how long the child may take to exit after the signal
	// before its whole process tree is killed (default 15s).
	StopTimeout time.Duration
	// Restart throttles restarts.
	Restart RestartPolicy
	// SuccessExitCodes mean "stopped on purpose": Run then returns nil and
	// the service stops cleanly instead of restarting the child. nil means
	// {0}; an empty non-nil slice means every exit is a failure.
	SuccessExitCodes []int

	// StatusPath is where the host keeps its Status (state, restarts, last
	// exit) as JSON, replaced atomically. Default: LogDir\host-status.json
	// when LogDir is set; none otherwise.
	StatusPath string

	// Logger receives the host's own records (default slog.Default()); its
	// level is the service's log level (service.logs.level).
	Logger *slog.Logger
}

func (o Options) resolve() (Options, error) {
	if o.Executable == "" {
		return o, errors.New("host: no executable")
	}
	if filepath.IsAbs(o.Executable) || strings.ContainsAny(o.Executable, `/\`) {
		abs, err := filepath.Abs(o.Executable)
		if err != nil {
			return o, fmt.Errorf("host: executable %s: %w", o.Executable, err)
		}
		o.Executable = abs
	} else {
		p, err := exec.LookPath(o.Executable)
		if err != nil {
			return o, fmt.Errorf("host: executable: %w", err)
		}
		o.Executable = p
	}
	if o.Dir == "" {
		o.Dir = filepath.Dir(o.Executable)
	}
	if o.StdoutPath == "" && o.StderrPath == "" && o.LogDir != "" {
		base := strings.TrimSuffix(filepath.Base(o.Executable), filepath.Ext(o.Executable))
		o.StdoutPath = filepath.Join(o.LogDir, base+".stdout.log")
		o.StderrPath = filepath.Join(o.LogDir, base+".stderr.log")
	}
	if o.StatusPath == "" && o.LogDir != "" {
		o.StatusPath = filepath.Join(o.LogDir, StatusFile)
	}
	if o.StopSignal != CtrlBreak && o.StopSignal != CtrlC {
		return o, fmt.Errorf("host: unknown stop signal %d", o.StopSignal)
	}
	if o.StopTimeout <= 0 {
		o.StopTimeout = DefaultStopTimeout
	}
	o.Restart = o.Restart.withDefaults()
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o, nil
}

// Run supervises the program until ctx is cancelled (then it stops the
// child and returns nil), the child exits with a success code (nil), or
// the child fails MaxFailures times within Window (an error). ready is
// called once, after the first successful start.
func Run(ctx context.Context, opts Options, ready func()) error {
	o, err := opts.resolve()
	if err != nil {
		return err
	}
	out, err := openOutputs(o)
	if err != nil {
		return err
	}
	defer out.close()
	s := &supervisor{o: o, log: o.Logger, plat: newPlatform(), out: out}
	s.status = &statusWriter{path: o.StatusPath, st: Status{Executable: o.Executable, HostPID: os.Getpid(), MaxFailures: o.Restart.MaxFailures}}
	s.log.Debug("host: settings", "exe", o.Executable, "dir", o.Dir, "stdout", o.StdoutPath, "stderr", o.StderrPath,
		"status", o.StatusPath, "stop_signal", o.StopSignal.String(), "stop_timeout", o.StopTimeout.String(),
		"restart_delay", o.Restart.Delay.String(), "restart_max_delay", o.Restart.MaxDelay.String(),
		"max_failures", o.Restart.MaxFailures, "window", o.Restart.Window.String())
	return s.run(ctx, ready)
}

type supervisor struct {
	o      Options
	log    *slog.Logger
	plat   platform
	out    *outputs
	status *statusWriter
}

// setState records st in the status file.
func (s *supervisor) setState(f func(st *Status)) {
	f(&s.status.st)
	s.status.write(s)
}

// exit is how a child ended.
type exit struct {
	code int
	err  error
	at   time.Time // when Wait returned, so that status writes never count as run time
}

type child struct {
	cmd     *exec.Cmd
	tree    tree
	done    chan exit
	stdout  *lineWriter
	stderr  *lineWriter
	started time.Time
}

func (s *supervisor) run(ctx context.Context, ready func()) error {
	if err := s.plat.prepare(s.log); err != nil {
		return fmt.Errorf("host: prepare: %w", err)
	}
	fails := failureWindow{span: s.o.Restart.Window, max: s.o.Restart.MaxFailures}
	consecutive := 0
	readied := false
	for attempt := 1; ; attempt++ {
		s.setState(func(st *Status) { st.State, st.ChildPID, st.NextStart = StateStarting, 0, nil })
		c, err := s.start(attempt)
		switch {
		case err != nil && attempt == 1:
			// Nothing ever ran: a configuration problem, not a crash.
			s.setState(func(st *Status) { st.State = StateStopped })
			return err
		case err != nil:
			s.log.Error("host: child did not start", "attempt", attempt, "err", err)
		default:
			s.setState(func(st *Status) {
				st.State, st.ChildPID = StateRunning, c.cmd.Process.Pid
				st.Starts++
				st.Restarts = st.Starts - 1
			})
			if !readied && ready != nil {
				ready()
			}
			readied = true
			select {
			case <-ctx.Done():
				s.stop(c)
				s.setState(func(st *Status) { st.State, st.ChildPID = StateStopped, 0 })
				return nil
			case ex := <-c.done:
				ran := ex.at.Sub(c.started)
				s.finish(c)
				success := isSuccess(ex.code, s.o.SuccessExitCodes)
				s.setState(func(st *Status) {
					st.ChildPID = 0
					st.LastExit = &ChildExit{Code: ex.code, Success: success, At: time.Now().UTC(), RanMS: ran.Milliseconds()}
				})
				if success {
					s.log.Info("host: child exited with a success code; stopping", "pid", c.cmd.Process.Pid, "exit_code", ex.code, "ran", ran.Round(time.Millisecond).String())
					s.setState(func(st *Status) { st.State = StateStopped })
					return nil
				}
				s.log.Warn("host: child exited unexpectedly", "pid", c.cmd.Process.Pid, "exit_code", ex.code, "ran", ran.Round(time.Millisecond).String(), "err", ex.err)
				if ran >= s.o.Restart.MaxDelay {
					consecutive = 0 // it was healthy for a while; start the back-off over
				}
			}
		}
		consecutive++
		count, exhausted := fails.add(time.Now())
		if exhausted {
			err := fmt.Errorf("host: %s failed %d times within %v; giving up", filepath.Base(s.o.Executable), count, s.o.Restart.Window)
			s.log.Error("host: giving up on child", "failures", count, "window", s.o.Restart.Window.String(), "err", err)
			s.setState(func(st *Status) { st.State, st.FailuresInWindow = StateGaveUp, count })
			return err
		}
		delay := s.o.Restart.backoff(consecutive)
		s.log.Warn("host: restarting child", "attempt", attempt+1, "backoff", delay.String(), "failures_in_window", count)
		next := time.Now().Add(delay).UTC()
		s.setState(func(st *Status) { st.State, st.FailuresInWindow, st.NextStart = StateBackingOff, count, &next })
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			s.setState(func(st *Status) { st.State, st.NextStart = StateStopped, nil })
			return nil
		case <-t.C:
		}
	}
}

// start launches one instance of the child.
func (s *supervisor) start(attempt int) (*child, error) {
	cmd := exec.Command(s.o.Executable, s.o.Args...)
	cmd.Dir = s.o.Dir
	cmd.Env = append(os.Environ(), s.o.Env...)
	c := &child{cmd: cmd, done: make(chan exit, 1)}
	c.stdout = &lineWriter{dst: s.out.stdout}
	c.stderr = &lineWriter{dst: s.out.stderr}
	cmd.Stdout, cmd.Stderr = c.stdout, c.stderr
	// A grandchild holding the pipes must not stall Wait forever.
	cmd.WaitDelay = 2 * time.Second
	s.plat.configure(cmd, s.o.StopSignal)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("host: start %s: %w", s.o.Executable, err)
	}
	tr, err := s.plat.adopt(cmd)
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("host: start %s: %w", s.o.Executable, err)
	}
	c.tree = tr
	c.started = time.Now()
	go func() {
		err := cmd.Wait()
		c.done <- exit{code: cmd.ProcessState.ExitCode(), err: err, at: time.Now()}
	}()
	s.log.Info("host: child started", "attempt", attempt, "pid", cmd.Process.Pid, "exe", s.o.Executable, "args", s.o.Args, "dir", s.o.Dir)
	return c, nil
}

// stop asks the child to exit, and kills its tree after StopTimeout.
func (s *supervisor) stop(c *child) {
	pid := c.cmd.Process.Pid
	begin := time.Now()
	s.log.Info("host: stopping child", "pid", pid, "signal", s.o.StopSignal.String(), "timeout", s.o.StopTimeout.String())
	if err := c.tree.interrupt(s.o.StopSignal); err != nil {
		s.log.Warn("host: could not signal child; terminating it", "pid", pid, "err", err)
		_ = c.tree.kill()
	}
	t := time.NewTimer(s.o.StopTimeout)
	defer t.Stop()
	select {
	case ex := <-c.done:
		s.log.Info("host: child stopped", "pid", pid, "exit_code", ex.code, "took", time.Since(begin).Round(time.Millisecond).String())
	case <-t.C:
		s.log.Warn("host: child ignored the stop signal; terminating its process tree", "pid", pid, "timeout", s.o.StopTimeout.String())
		if err := c.tree.kill(); err != nil {
			s.log.Error("host: terminate child", "pid", pid, "err", err)
		}
		select {
		case ex := <-c.done:
			s.log.Info("host: child terminated", "pid", pid, "exit_code", ex.code)
		case <-time.After(10 * time.Second):
			s.log.Error("host: child still running after termination", "pid", pid)
		}
	}
	s.finish(c)
}

// finish removes what the child left behind: grandchildren, handles and
// a last line without a newline.
func (s *supervisor) finish(c *child) {
	if err := c.tree.kill(); err != nil {
		s.log.Debug("host: clean up process tree", "err", err)
	}
	if err := c.tree.close(); err != nil {
		s.log.Debug("host: release process tree", "err", err)
	}
	c.stdout.flush()
	c.stderr.flush()
}

// platform is the operating-system side of starting and stopping a child.
type platform interface {
	// prepare runs once before the first start.
	prepare(log *slog.Logger) error
	// configure sets process-creation attributes before cmd.Start.
	configure(cmd *exec.Cmd, sig Signal)
	// adopt takes charge of the started child and its future descendants.
	adopt(cmd *exec.Cmd) (tree, error)
}

// tree is a child with all its descendants.
type tree interface {
	interrupt(sig Signal) error
	kill() error
	close() error
}

var _ io.Writer = (*lineWriter)(nil)
