package host

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestBackoffDoublesUpToMaxDelay(t *testing.T) {
	tests := []struct {
		name string
		p    RestartPolicy
		want []time.Duration
	}{
		{"defaults", RestartPolicy{}, []time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second, time.Minute, time.Minute}},
		{"uneven cap", RestartPolicy{Delay: 100 * time.Millisecond, MaxDelay: 350 * time.Millisecond}, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 350 * time.Millisecond, 350 * time.Millisecond}},
		{"cap below delay", RestartPolicy{Delay: 5 * time.Second, MaxDelay: time.Second}, []time.Duration{5 * time.Second, 5 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p.withDefaults()
			var got []time.Duration
			for n := 1; n <= len(tt.want); n++ {
				got = append(got, p.backoff(n))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("backoff sequence = %v, want %v", got, tt.want)
			}
		})
	}
	// No overflow however long the streak.
	if d := (RestartPolicy{}).withDefaults().backoff(10000); d != time.Minute {
		t.Errorf("backoff(10000) = %v, want the cap", d)
	}
}

func TestFailureWindow(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	type step struct {
		at        time.Duration
		count     int
		exhausted bool
	}
	tests := []struct {
		name  string
		max   int
		steps []step
	}{
		{"limit reached inside window", 3, []step{{0, 1, false}, {time.Minute, 2, false}, {2 * time.Minute, 3, true}}},
		{"old failures age out", 3, []step{{0, 1, false}, {5 * time.Minute, 2, false}, {11 * time.Minute, 2, false}, {12 * time.Minute, 3, true}}},
		{"exactly one window apart do not count", 2, []step{{0, 1, false}, {10 * time.Minute, 1, false}}},
		{"unlimited", -1, []step{{0, 1, false}, {1, 2, false}, {2, 3, false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := failureWindow{span: 10 * time.Minute, max: tt.max}
			for i, s := range tt.steps {
				n, ex := w.add(t0.Add(s.at))
				if n != s.count || ex != s.exhausted {
					t.Errorf("step %d (+%v): got (%d, %v), want (%d, %v)", i, s.at, n, ex, s.count, s.exhausted)
				}
			}
		})
	}
}

func TestIsSuccess(t *testing.T) {
	tests := []struct {
		code    int
		success []int
		want    bool
	}{
		{0, nil, true},
		{1, nil, false},
		{-1, nil, false}, // killed by a signal
		{0, []int{}, false},
		{7, []int{0, 7}, true},
		{0, []int{7}, false},
		{-1073741510, []int{0}, false}, // STATUS_CONTROL_C_EXIT as a 32-bit int
	}
	for _, tt := range tests {
		if got := isSuccess(tt.code, tt.success); got != tt.want {
			t.Errorf("isSuccess(%d, %v) = %v, want %v", tt.code, tt.success, got, tt.want)
		}
	}
}

func TestParseSignal(t *testing.T) {
	tests := []struct {
		in   string
		want Signal
		ok   bool
	}{
		{"", CtrlBreak, true},
		{"ctrl-break", CtrlBreak, true},
		{"Ctrl-C", CtrlC, true},
		{"sigterm", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseSignal(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("ParseSignal(%q) = %v, %v", tt.in, got, err)
		}
	}
}

// recorder keeps each Write separately, to see what reached the file.
type recorder struct{ writes []string }

func (r *recorder) Write(p []byte) (int, error) {
	r.writes = append(r.writes, string(p))
	return len(p), nil
}

func TestLineWriterPassesWholeLinesOnly(t *testing.T) {
	rec := &recorder{}
	w := &lineWriter{dst: rec}
	for _, chunk := range []string{"hel", "lo\nwor", "ld\nA\nB\nC", "", "\r\n", "tail"} {
		if n, err := w.Write([]byte(chunk)); n != len(chunk) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", chunk, n, err)
		}
	}
	w.flush()
	want := []string{"hello\n", "world\nA\nB\n", "C\r\n", "tail\n"}
	if !slices.Equal(rec.writes, want) {
		t.Errorf("writes = %q, want %q", rec.writes, want)
	}
	for _, s := range rec.writes {
		if !strings.HasSuffix(s, "\n") {
			t.Errorf("write %q does not end a line", s)
		}
	}
}

func TestLineWriterCutsRunawayLine(t *testing.T) {
	rec := &recorder{}
	w := &lineWriter{dst: rec}
	big := bytes.Repeat([]byte("x"), maxLine+10)
	w.Write(big)
	if len(rec.writes) != 1 || len(rec.writes[0]) != len(big)+1 {
		t.Fatalf("runaway line not written once with a newline: %d writes", len(rec.writes))
	}
	if len(w.buf) != 0 {
		t.Errorf("buffer keeps %d bytes", len(w.buf))
	}
}

func TestResolveDefaults(t *testing.T) {
	o, err := Options{Executable: "/opt/app/bin/app.exe", LogDir: "/var/log/app"}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	if o.Dir != "/opt/app/bin" {
		t.Errorf("Dir = %q, want the executable's folder", o.Dir)
	}
	if o.StdoutPath != "/var/log/app/app.stdout.log" || o.StderrPath != "/var/log/app/app.stderr.log" {
		t.Errorf("log paths = %q, %q", o.StdoutPath, o.StderrPath)
	}
	if o.StopTimeout != DefaultStopTimeout || o.StopSignal != CtrlBreak || o.Restart.MaxFailures != DefaultMaxFailures {
		t.Errorf("defaults not applied: %+v", o)
	}
	if _, err := (Options{}).resolve(); err == nil {
		t.Error("empty executable accepted")
	}
	if _, err := (Options{Executable: "/x", StopSignal: 9}).resolve(); err == nil {
		t.Error("unknown signal accepted")
	}
}
