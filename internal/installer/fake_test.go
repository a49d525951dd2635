package installer

import (
	"fmt"
	"github.com/svcship/svcship/internal/svcstate"
	"slices"
	"strings"
)

// fakeSys is an in-memory service manager, registry and LSA. It records
// every call so tests can assert which Windows calls a decision makes.
type fakeSys struct {
	svcs    map[string]*fakeSvc
	sources map[string]bool
	calls   []string
	granted []string
	// wine mimics wine's service manager: optional levels are rejected
	// and cannot be queried.
	wine bool
	// fail makes the named method fail with the error.
	fail map[string]error
	// onStart is the state a started service reaches (default running).
	onStart svcstate.State
	// stuck services ignore stop requests.
	stuck   bool
	nextPID uint32
	killed  []uint32
	// startPending: a started service stays start-pending for this many
	// status queries, refusing stop requests meanwhile.
	startPending int
	*fakeFS
}

type fakeSvc struct {
	core     CoreConfig
	desc     string
	delayed  bool
	sid      uint32
	fa       FailureActions
	nonCrash bool
	env      []string
	status   RunStatus
	// pendingLeft counts the calls until a start-pending service runs.
	pendingLeft int
}

func newFake() *fakeSys {
	return &fakeSys{svcs: map[string]*fakeSvc{}, sources: map[string]bool{}, fail: map[string]error{}, nextPID: 100, fakeFS: newFakeFS()}
}

// mutating lists the calls that change something.
func (f *fakeSys) mutating() []string {
	var out []string
	for _, c := range f.calls {
		m, _, _ := strings.Cut(c, " ")
		switch m {
		case "Query", "Status", "EventSourceExists":
		default:
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeSys) methods() []string {
	var out []string
	for _, c := range f.mutating() {
		m, _, _ := strings.Cut(c, " ")
		out = append(out, m)
	}
	return out
}

func (f *fakeSys) call(method string, args ...any) error {
	s := method
	for _, a := range args {
		s += " " + fmt.Sprint(a)
	}
	f.calls = append(f.calls, s)
	return f.fail[method]
}

func (f *fakeSys) get(name string) (*fakeSvc, error) {
	s, ok := f.svcs[name]
	if !ok {
		return nil, fmt.Errorf("open service %s: %w", name, ErrNotInstalled)
	}
	return s, nil
}

func (f *fakeSys) Query(name string) (*Current, error) {
	if err := f.call("Query", name); err != nil {
		return nil, err
	}
	s, err := f.get(name)
	if err != nil {
		return nil, err
	}
	c := &Current{CoreConfig: s.core, Description: s.desc, Environment: slices.Clone(s.env)}
	c.Password = ""
	if !f.wine {
		c.DelayedAutoStart = Known[bool]{s.delayed, true}
		c.SIDType = Known[uint32]{s.sid, true}
		c.Failure = Known[FailureActions]{s.fa, true}
		c.NonCrashFailures = Known[bool]{s.nonCrash, true}
	}
	return c, nil
}

func (f *fakeSys) Status(name string) (RunStatus, error) {
	if err := f.call("Status", name); err != nil {
		return RunStatus{}, err
	}
	s, err := f.get(name)
	if err != nil {
		return RunStatus{}, err
	}
	f.tick(s)
	return s.status, nil
}

func (f *fakeSys) Create(name string, c CoreConfig) error {
	if err := f.call("Create", name, c.Account); err != nil {
		return err
	}
	if _, ok := f.svcs[name]; ok {
		return fmt.Errorf("create %s: already exists", name)
	}
	f.svcs[name] = &fakeSvc{core: c, status: RunStatus{State: svcstate.Stopped}}
	return nil
}

func (f *fakeSys) ChangeCore(name string, c CoreConfig) error {
	if err := f.call("ChangeCore", name, c.Account); err != nil {
		return err
	}
	s, err := f.get(name)
	if err != nil {
		return err
	}
	acct, pw := s.core.Account, s.core.Password
	s.core = c
	if c.Account == "" {
		s.core.Account, s.core.Password = acct, pw
	}
	return nil
}

func (f *fakeSys) optional(method, name string, args ...any) (*fakeSvc, error) {
	if err := f.call(method, append([]any{name}, args...)...); err != nil {
		return nil, err
	}
	s, err := f.get(name)
	if err != nil {
		return nil, err
	}
	if f.wine && method != "SetFailureActions" {
		return nil, fmt.Errorf("set %s: %w", method, ErrUnsupported)
	}
	return s, nil
}

func (f *fakeSys) SetDescription(name, desc string) error {
	if err := f.call("SetDescription", name, desc); err != nil {
		return err
	}
	s, err := f.get(name)
	if err != nil {
		return err
	}
	s.desc = desc
	return nil
}

func (f *fakeSys) SetDelayedAutoStart(name string, on bool) error {
	s, err := f.optional("SetDelayedAutoStart", name, on)
	if err == nil {
		s.delayed = on
	}
	return err
}

func (f *fakeSys) SetSIDType(name string, t uint32) error {
	s, err := f.optional("SetSIDType", name, t)
	if err == nil {
		s.sid = t
	}
	return err
}

func (f *fakeSys) SetFailureActions(name string, fa FailureActions) error {
	s, err := f.optional("SetFailureActions", name)
	if err == nil && !f.wine { // wine accepts and ignores them
		s.fa = fa
	}
	return err
}

func (f *fakeSys) SetNonCrashFailures(name string, on bool) error {
	s, err := f.optional("SetNonCrashFailures", name, on)
	if err == nil {
		s.nonCrash = on
	}
	return err
}

func (f *fakeSys) SetEnvironment(name string, env []string) error {
	if err := f.call("SetEnvironment", name, strings.Join(env, ";")); err != nil {
		return err
	}
	s, err := f.get(name)
	if err != nil {
		return err
	}
	s.env = slices.Clone(env)
	return nil
}

func (f *fakeSys) Start(name string) error {
	if err := f.call("Start", name); err != nil {
		return err
	}
	s, err := f.get(name)
	if err != nil {
		return err
	}
	if f.onStart == svcstate.Stopped {
		s.status = RunStatus{State: svcstate.Stopped, Win32ExitCode: 1066, ServiceExitCode: 1}
		return nil
	}
	f.nextPID++
	s.status = RunStatus{State: svcstate.Running, PID: f.nextPID}
	if f.startPending != 0 {
		s.status.State = svcstate.StartPending
		s.pendingLeft = f.startPending
	}
	return nil
}

// tick lets time pass for a starting service: after pendingLeft calls it
// runs (zero or negative: it stays start-pending).
func (f *fakeSys) tick(s *fakeSvc) {
	if s.status.State != svcstate.StartPending || s.pendingLeft <= 0 {
		return
	}
	s.pendingLeft--
	if s.pendingLeft == 0 {
		s.status.State = svcstate.Running
	}
}

func (f *fakeSys) Stop(name string) error {
	if err := f.call("Stop", name); err != nil {
		return err
	}
	s, err := f.get(name)
	if err != nil {
		return err
	}
	if s.status.State == svcstate.StartPending {
		f.tick(s)
		return fmt.Errorf("stop %s: %w", name, ErrCannotAcceptControl)
	}
	if f.stuck {
		s.status.State = svcstate.StopPending
		return nil
	}
	s.status = RunStatus{State: svcstate.Stopped}
	return nil
}

func (f *fakeSys) Delete(name string) error {
	if err := f.call("Delete", name); err != nil {
		return err
	}
	if _, err := f.get(name); err != nil {
		return err
	}
	delete(f.svcs, name)
	return nil
}

func (f *fakeSys) KillProcess(pid uint32) error {
	if err := f.call("KillProcess", pid); err != nil {
		return err
	}
	f.killed = append(f.killed, pid)
	for _, s := range f.svcs {
		if s.status.PID == pid {
			s.status = RunStatus{State: svcstate.Stopped}
		}
	}
	return nil
}

func (f *fakeSys) EventSourceExists(src string) (bool, error) {
	return f.sources[src], f.call("EventSourceExists", src)
}

func (f *fakeSys) InstallEventSource(src string) error {
	if err := f.call("InstallEventSource", src); err != nil {
		return err
	}
	f.sources[src] = true
	return nil
}

func (f *fakeSys) RemoveEventSource(src string) error {
	if err := f.call("RemoveEventSource", src); err != nil {
		return err
	}
	delete(f.sources, src)
	return nil
}

func (f *fakeSys) GrantServiceLogon(acct string) error {
	if err := f.call("GrantServiceLogon", acct); err != nil {
		return err
	}
	f.granted = append(f.granted, acct)
	return nil
}
