// Package svcstate is the one list of Windows service states, shared by
// the service runtime (what it reports) and the installer (what it
// reads): the values are the SERVICE_* constants of SERVICE_STATUS, so
// both convert to and from Win32 directly.
package svcstate

// State is a service's current state (SERVICE_STATUS.dwCurrentState).
type State uint32

// The states, with their Win32 values.
const (
	Stopped         State = 1 // SERVICE_STOPPED
	StartPending    State = 2 // SERVICE_START_PENDING
	StopPending     State = 3 // SERVICE_STOP_PENDING
	Running         State = 4 // SERVICE_RUNNING
	ContinuePending State = 5 // SERVICE_CONTINUE_PENDING
	PausePending    State = 6 // SERVICE_PAUSE_PENDING
	Paused          State = 7 // SERVICE_PAUSED
)

// String is the state as svcship prints it everywhere (status output,
// logs, doctor): lower case, words joined by "-".
func (s State) String() string {
	switch s {
	case Stopped:
		return "stopped"
	case StartPending:
		return "start-pending"
	case StopPending:
		return "stop-pending"
	case Running:
		return "running"
	case ContinuePending:
		return "continue-pending"
	case PausePending:
		return "pause-pending"
	case Paused:
		return "paused"
	}
	return "unknown"
}
