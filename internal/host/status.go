package host

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/svcship/svcship/internal/atomicfile"
)

// StatusFile is the name of the status file the host keeps in its log
// folder (Options.StatusPath overrides it).
const StatusFile = "host-status.json"

// Child states recorded in the status file.
const (
	StateStarting   = "starting"    // the host is starting the child
	StateRunning    = "running"     // the child runs
	StateBackingOff = "backing-off" // the child exited; the host waits to restart it
	StateGaveUp     = "gave-up"     // too many failures in the window: the host stopped as failed
	StateStopped    = "stopped"     // stopped on request, or the child exited with a success code
)

// Status is what the host records about its child, so that an operator
// (and `svcship-installer doctor`) can see a crash loop after the fact. The
// host replaces the file atomically at every change of state.
type Status struct {
	Executable string `json:"executable"`
	HostPID    int    `json:"host_pid"`
	State      string `json:"state"`
	ChildPID   int    `json:"child_pid,omitempty"`
	// Starts counts starts of the child by this host process; Restarts
	// is Starts minus the first.
	Starts   int `json:"starts"`
	Restarts int `json:"restarts"`
	// FailuresInWindow are the unexpected exits within the restart window;
	// MaxFailures of them make the host give up.
	FailuresInWindow int        `json:"failures_in_window"`
	MaxFailures      int        `json:"max_failures"`
	LastExit         *ChildExit `json:"last_exit,omitempty"`
	// NextStart is when a backing-off host starts the child again.
	NextStart *time.Time `json:"next_start,omitempty"`
	Updated   time.Time  `json:"updated"`
}

// ChildExit is how the child last ended.
type ChildExit struct {
	Code    int       `json:"code"`
	Success bool      `json:"success"` // one of the success exit codes
	At      time.Time `json:"at"`
	RanMS   int64     `json:"ran_ms"`
}

// ReadStatus reads a status file written by the host.
func ReadStatus(path string) (*Status, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("host: status: %w", err)
	}
	var s Status
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("host: status %s: %w", path, err)
	}
	return &s, nil
}

// statusWriter keeps the status file; a failed write is logged once and
// never stops the supervision.
type statusWriter struct {
	path   string
	st     Status
	warned bool
}

func (w *statusWriter) write(s *supervisor) {
	if w == nil || w.path == "" {
		return
	}
	w.st.Updated = time.Now().UTC()
	b, err := json.MarshalIndent(&w.st, "", "  ")
	if err == nil {
		err = atomicfile.WriteFile(w.path, append(b, '\n'), 0o644)
	}
	if err != nil && !w.warned {
		w.warned = true
		s.log.Warn("host: cannot write the status file", "path", w.path, "err", err)
	}
}
