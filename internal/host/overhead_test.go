//go:build linux

package host

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// overhead is what the host process costs while its child idles.
type overhead struct {
	rssKiB      int64
	cpuPercent  float64 // of one core, over the idle period
	stopLatency time.Duration
}

// measureOverhead runs `svcship-installer host` (the real hosted-mode
// entry point, foreground on Linux) with hostedapp as the child, lets it
// idle, then stops it with SIGTERM.
func measureOverhead(tb testing.TB, idle time.Duration) overhead {
	tb.Helper()
	dir := tb.TempDir()
	for pkg, name := range map[string]string{
		"github.com/svcship/svcship/cmd/svcship-installer":       "svcship-installer",
		"github.com/svcship/svcship/internal/testapps/hostedapp": "hostedapp",
	} {
		if b, err := exec.Command("go", "build", "-o", filepath.Join(dir, name), pkg).CombinedOutput(); err != nil {
			tb.Fatalf("build %s: %v\n%s", pkg, err, b)
		}
	}
	addr := freeAddr(tb)
	yaml := fmt.Sprintf(`product: {name: hostedapp, company: t, description: t}
service:
  name: hostedapp
  mode: hosted
  arguments: ["--listen", %q]
  logs: {dir: logs}
  hosted: {executable: hostedapp, stop_signal: ctrl-break}
packaging: {upgrade_code: 8f1c2a6e-5b7d-4e3a-9c21-0d4b6a7e9f10}
`, addr)
	cfg := filepath.Join(dir, "svcship.yaml")
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(dir, "svcship-installer"), "host", "--config", cfg)
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	if err := waitHTTP("http://" + addr + "/"); err != nil {
		tb.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // let start-up work settle
	pid := cmd.Process.Pid
	cpu0, t0 := cpuTicks(tb, pid), time.Now()
	time.Sleep(idle)
	cpu1, t1 := cpuTicks(tb, pid), time.Now()
	var o overhead
	o.cpuPercent = float64(cpu1-cpu0) / 100 / t1.Sub(t0).Seconds() * 100 // USER_HZ is 100 on Linux
	o.rssKiB = rssKiB(tb, pid)

	begin := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		tb.Fatalf("host exited with %v", err)
	}
	o.stopLatency = time.Since(begin)
	if out := readFile(filepath.Join(dir, "logs", "hostedapp.stdout.log")); !strings.Contains(out, "shutting down gracefully") {
		tb.Fatalf("child not stopped gracefully:\n%s", out)
	}
	return o
}

func cpuTicks(tb testing.TB, pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		tb.Fatal(err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64) // fields 14 and 15 of stat
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return ut + st
}

func rssKiB(tb testing.TB, pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	tb.Fatal("no VmRSS")
	return 0
}

func TestHostOverhead(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: idles the host for 3s")
	}
	o := measureOverhead(t, 3*time.Second)
	t.Logf("host while child idles: RSS %d KiB, CPU %.2f%% of a core; stop latency %v", o.rssKiB, o.cpuPercent, o.stopLatency.Round(time.Millisecond))
	if o.rssKiB > 64<<10 {
		t.Errorf("host RSS %d KiB, want < 64 MiB", o.rssKiB)
	}
	if o.cpuPercent > 2 {
		t.Errorf("host uses %.2f%% CPU while idle, want < 2%%", o.cpuPercent)
	}
	if o.stopLatency > 3*time.Second {
		t.Errorf("stop took %v for a child that honours the signal", o.stopLatency)
	}
}

func BenchmarkHostOverhead(b *testing.B) {
	var rss, cpu, stop float64
	for i := 0; i < b.N; i++ {
		o := measureOverhead(b, time.Second)
		rss += float64(o.rssKiB)
		cpu += o.cpuPercent
		stop += float64(o.stopLatency.Milliseconds())
	}
	n := float64(b.N)
	b.ReportMetric(rss/n, "rss-KiB")
	b.ReportMetric(cpu/n, "idle-cpu-%")
	b.ReportMetric(stop/n, "stop-ms")
}
