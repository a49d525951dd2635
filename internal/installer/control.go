package installer

import (
	"context"
	"errors"
	"fmt"
	"github.com/svcship/svcship/internal/svcstate"
	"strings"
	"time"
)

// ErrTimeout: the service did not reach the wanted state in time.
var ErrTimeout = errors.New("timed out")

// Controller starts, stops and removes services, waiting for each state
// change within a bound.
type Controller struct {
	Sys System
	// Poll is the interval between status queries (default 200ms).
	Poll time.Duration
}

func (c *Controller) poll() time.Duration {
	if c.Poll > 0 {
		return c.Poll
	}
	return 200 * time.Millisecond
}

// wait polls until cond holds for the status, or timeout.
func (c *Controller) wait(ctx context.Context, name string, timeout time.Duration, cond func(RunStatus) (bool, error)) (RunStatus, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		st, err := c.Sys.Status(name)
		if err != nil {
			return st, err
		}
		done, err := cond(st)
		if done || err != nil {
			return st, err
		}
		select {
		case <-ctx.Done():
			return st, fmt.Errorf("%s is still %s after %s: %w", name, st.State, timeout, ErrTimeout)
		case <-time.After(c.poll()):
		}
	}
}

// Start starts the service and waits until it runs. A service that stops
// again during its start is reported with its exit codes.
func (c *Controller) Start(ctx context.Context, name string, timeout time.Duration) (string, error) {
	st, err := c.Sys.Status(name)
	if err != nil {
		return "", err
	}
	if st.State == svcstate.Running {
		return fmt.Sprintf("%s is already running (pid %d)", name, st.PID), nil
	}
	if st.State == svcstate.StopPending {
		if _, err := c.wait(ctx, name, timeout, func(s RunStatus) (bool, error) { return s.State == svcstate.Stopped, nil }); err != nil {
			return "", err
		}
	}
	if err := c.Sys.Start(name); err != nil {
		return "", fmt.Errorf("start %s: %w", name, err)
	}
	st, err = c.wait(ctx, name, timeout, func(s RunStatus) (bool, error) {
		switch s.State {
		case svcstate.Running:
			return true, nil
		case svcstate.Stopped:
			return false, fmt.Errorf("%s stopped while starting (%s)", name, exitCodes(s))
		}
		return false, nil
	})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s is running (pid %d)", name, st.PID), nil
}

// Stop asks the service to stop and waits until it has.
func (c *Controller) Stop(ctx context.Context, name string, timeout time.Duration) (string, error) {
	st, err := c.Sys.Status(name)
	if err != nil {
		return "", err
	}
	if st.State == svcstate.Stopped {
		return fmt.Sprintf("%s is already stopped", name), nil
	}
	begin := time.Now()
	if st.State != svcstate.StopPending {
		err := c.requestStop(ctx, name, timeout)
		if errors.Is(err, ErrTimeout) {
			// Still starting when the bound ran out: end the process, as a
			// service that ignores a stop request is ended.
			return c.kill(ctx, name, timeout, fmt.Sprintf("%s did not become ready to stop within %s", name, timeout))
		}
		if err != nil {
			return "", err
		}
	}
	if _, err := c.wait(ctx, name, timeout, func(s RunStatus) (bool, error) { return s.State == svcstate.Stopped, nil }); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s stopped in %s", name, time.Since(begin).Round(time.Millisecond)), nil
}

// requestStop sends the stop control. A service that is still starting
// answers ERROR_SERVICE_CANNOT_ACCEPT_CTRL until it reports running (or
// stops by itself); the request is repeated within timeout.
func (c *Controller) requestStop(ctx context.Context, name string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		err := c.Sys.Stop(name)
		if err == nil {
			return nil
		}
		if !errors.Is(err, ErrCannotAcceptControl) {
			return fmt.Errorf("stop %s: %w", name, err)
		}
		if st, serr := c.Sys.Status(name); serr == nil && st.State == svcstate.Stopped {
			return nil // its start failed meanwhile
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s is still starting after %s: %w", name, timeout, ErrTimeout)
		case <-time.After(c.poll()):
		}
	}
}

// kill ends the service's process and waits for the service manager to
// see it stopped.
func (c *Controller) kill(ctx context.Context, name string, timeout time.Duration, why string) (string, error) {
	st, err := c.Sys.Status(name)
	if err != nil {
		return "", err
	}
	if st.State == svcstate.Stopped {
		return fmt.Sprintf("%s stopped", name), nil
	}
	if st.PID == 0 {
		return "", fmt.Errorf("%s; it has no process to end: %w", why, ErrTimeout)
	}
	if err := c.Sys.KillProcess(st.PID); err != nil {
		return "", fmt.Errorf("%s; end process %d: %w", why, st.PID, err)
	}
	if _, err := c.wait(ctx, name, timeout, func(s RunStatus) (bool, error) { return s.State == svcstate.Stopped, nil }); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s: ended process %d", why, st.PID), nil
}

// Restart stops the service if it runs, then starts it.
func (c *Controller) Restart(ctx context.Context, name string, timeout time.Duration) (string, error) {
	if _, err := c.Stop(ctx, name, timeout); err != nil {
		return "", err
	}
	return c.Start(ctx, name, timeout)
}

// Uninstall stops the service (bounded), ends its process if it ignored the
// stop, deletes it and its event source. It returns ErrNotInstalled, after
// removing a leftover event source, when there is no such service.
func (c *Controller) Uninstall(ctx context.Context, name, source string, timeout time.Duration) ([]string, error) {
	var out []string
	st, err := c.Sys.Status(name)
	if errors.Is(err, ErrNotInstalled) {
		if ok, _ := c.Sys.EventSourceExists(source); ok {
			if err := c.Sys.RemoveEventSource(source); err != nil {
				return out, fmt.Errorf("remove event source %s: %w", source, err)
			}
			out = append(out, fmt.Sprintf("removed leftover event source %s", source))
		}
		return out, err
	}
	if err != nil {
		return out, err
	}
	if st.State != svcstate.Stopped {
		msg, err := c.Stop(ctx, name, timeout)
		switch {
		case err == nil:
			out = append(out, msg)
		case errors.Is(err, ErrTimeout):
			cur, _ := c.Sys.Status(name)
			if cur.PID != 0 {
				if kerr := c.Sys.KillProcess(cur.PID); kerr != nil {
					return out, fmt.Errorf("%v; end process %d: %w", err, cur.PID, kerr)
				}
				out = append(out, fmt.Sprintf("%s did not stop within %s: ended process %d", name, timeout, cur.PID))
			}
		default:
			return out, err
		}
	}
	if err := c.Sys.Delete(name); err != nil && !errors.Is(err, ErrNotInstalled) {
		return out, fmt.Errorf("delete %s: %w", name, err)
	}
	out = append(out, fmt.Sprintf("deleted service %s", name))
	if ok, err := c.Sys.EventSourceExists(source); err != nil {
		return out, fmt.Errorf("event source %s: %w", source, err)
	} else if ok {
		if err := c.Sys.RemoveEventSource(source); err != nil {
			return out, fmt.Errorf("remove event source %s: %w", source, err)
		}
		out = append(out, fmt.Sprintf("removed event source %s", source))
	}
	// Deletion completes when the last handle closes; wait a little so
	// that a following install does not meet ERROR_SERVICE_MARKED_FOR_DELETE.
	if _, err := c.wait(ctx, name, timeout, func(RunStatus) (bool, error) { return false, nil }); err != nil && !errors.Is(err, ErrNotInstalled) {
		out = append(out, fmt.Sprintf("%s is marked for deletion; it disappears when the last program holding it closes", name))
	}
	return out, nil
}

// Report is the status command's answer (also its JSON form).
type Report struct {
	Name             string   `json:"name"`
	Installed        bool     `json:"installed"`
	State            string   `json:"state,omitempty"`
	PID              uint32   `json:"pid,omitempty"`
	Start            string   `json:"start,omitempty"`
	DisplayName      string   `json:"display_name,omitempty"`
	Description      string   `json:"description,omitempty"`
	Account          string   `json:"account,omitempty"`
	Command          string   `json:"command,omitempty"`
	Dependencies     []string `json:"dependencies,omitempty"`
	Win32ExitCode    uint32   `json:"win32_exit_code"`
	ServiceExitCode  uint32   `json:"service_exit_code"`
	EventSource      string   `json:"event_source,omitempty"`
	EventSourceFound bool     `json:"event_source_registered"`
}

// Status collects the report for name.
func (c *Controller) Status(name, source string) (Report, error) {
	r := Report{Name: name, EventSource: source}
	r.EventSourceFound, _ = c.Sys.EventSourceExists(source)
	cur, err := c.Sys.Query(name)
	if errors.Is(err, ErrNotInstalled) {
		return r, nil
	}
	if err != nil {
		return r, err
	}
	st, err := c.Sys.Status(name)
	if err != nil {
		return r, err
	}
	r.Installed = true
	r.State = st.State.String()
	r.PID = st.PID
	r.Win32ExitCode, r.ServiceExitCode = st.Win32ExitCode, st.ServiceExitCode
	r.Start = cur.Start.String()
	if cur.Start == StartModeAuto && cur.DelayedAutoStart.OK && cur.DelayedAutoStart.Value {
		r.Start = "delayed-auto"
	}
	r.DisplayName, r.Description, r.Account = cur.DisplayName, cur.Description, cur.Account
	r.Command, r.Dependencies = cur.BinaryPath, cur.Dependencies
	return r, nil
}

// Human renders the report for a terminal.
func (r Report) Human() string {
	if !r.Installed {
		return fmt.Sprintf("%s: not installed\n", r.Name)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", r.Name, r.State)
	if r.PID != 0 {
		fmt.Fprintf(&b, " (pid %d)", r.PID)
	}
	b.WriteString("\n")
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "  %-13s %s\n", k+":", v)
		}
	}
	row("display name", r.DisplayName)
	row("description", r.Description)
	row("start", r.Start)
	row("account", r.Account)
	row("command", r.Command)
	row("dependencies", strings.Join(r.Dependencies, ", "))
	if r.State == svcstate.Stopped.String() && (r.Win32ExitCode != 0 || r.ServiceExitCode != 0) {
		row("last exit", exitCodes(RunStatus{Win32ExitCode: r.Win32ExitCode, ServiceExitCode: r.ServiceExitCode}))
	}
	src := r.EventSource + " (not registered)"
	if r.EventSourceFound {
		src = r.EventSource
	}
	row("event source", src)
	return b.String()
}

// errServiceSpecific is ERROR_SERVICE_SPECIFIC_ERROR.
const errServiceSpecific = 1066

func exitCodes(s RunStatus) string {
	if s.Win32ExitCode == errServiceSpecific {
		return fmt.Sprintf("service-specific exit code %d", s.ServiceExitCode)
	}
	return fmt.Sprintf("exit code %d", s.Win32ExitCode)
}
