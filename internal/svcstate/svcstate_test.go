package svcstate

import "testing"

func TestStates(t *testing.T) {
	for _, tc := range []struct {
		s    State
		win  uint32
		name string
	}{
		{Stopped, 1, "stopped"},
		{StartPending, 2, "start-pending"},
		{StopPending, 3, "stop-pending"},
		{Running, 4, "running"},
		{ContinuePending, 5, "continue-pending"},
		{PausePending, 6, "pause-pending"},
		{Paused, 7, "paused"},
		{State(9), 9, "unknown"},
	} {
		if uint32(tc.s) != tc.win || tc.s.String() != tc.name {
			t.Errorf("state %d: value %d, name %q; want %d, %q", tc.s, uint32(tc.s), tc.s.String(), tc.win, tc.name)
		}
	}
}
