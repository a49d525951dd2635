package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/testtool"
)

// benchResult is one measurement, made once per process: the benchmark
// framework calls the function again with a larger b.N, and a cold run
// takes minutes.
var benchResult struct {
	once       sync.Once
	warm, cold benchSeries
}

// benchSeries holds the runs of one mode: svcship's, and bare
// GoReleaser's on the project's original config.
type benchSeries struct {
	mage, bare []time.Duration
}

// ratios returns the pairwise ratios of svcship's runs to the bare ones.
func (s benchSeries) ratios() []float64 {
	r := make([]float64, len(s.mage))
	for i := range s.mage {
		r[i] = float64(s.mage[i]) / float64(s.bare[i])
	}
	return r
}

// BenchmarkSnapshot measures, in one run, on testdata/initdefault (a
// program with the config `goreleaser init` writes), the wall time of
// `go tool mage snapshot` after `svcship init` (GoReleaser's whole release
// with svcship's hooks: resources, installer, MSIs, SBOMs; unsigned)
// against a bare `goreleaser release --snapshot --clean` on the same
// commit with the project's GoReleaser config as it was before init,
// alternating the two.
//
// Two modes:
//
//   - warm: the caller's build cache, after one untimed run of each;
//   - cold: an empty GOCACHE (and mage cache) in a fresh folder for every
//     run, as on a new CI runner; the goreleaser binary of the pinned
//     version is on PATH, as goreleaser-action's install-only step
//     provides it, so no run compiles GoReleaser.
//
// It reports the median of the pairwise ratios for each. Rounds:
// SVCSHIP_BENCH_WARM (default 3) and SVCSHIP_BENCH_COLD (default 1); b.N is
// not used (the whole measurement is made once per process).
//
// Run: go test ./internal/e2e -run '^$' -bench Snapshot -benchtime 1x
func BenchmarkSnapshot(b *testing.B) {
	benchResult.once.Do(func() { measureSnapshot(b) })
	r := &benchResult
	if len(r.warm.mage) == 0 {
		b.Fatal("the measurement failed in an earlier call")
	}
	report := func(mode string, s benchSeries) {
		b.ReportMetric(median(s.ratios()), mode+"-ratio")
		b.ReportMetric(float64(medianDur(s.mage).Milliseconds()), mode+"-mage-ms")
		b.ReportMetric(float64(medianDur(s.bare).Milliseconds()), mode+"-goreleaser-ms")
	}
	report("warm", r.warm)
	if len(r.cold.mage) > 0 {
		report("cold", r.cold)
	}
}

func measureSnapshot(b *testing.B) {
	testtool.Require(b, "git")
	warmRounds, coldRounds := envInt(b, "SVCSHIP_BENCH_WARM", 3), envInt(b, "SVCSHIP_BENCH_COLD", 1)
	root := repoRoot(b)
	bin := goreleaserDir(b)
	dir := filepath.Join(b.TempDir(), "greetd")
	testtool.CopyTree(b, filepath.Join(root, "internal", "e2e", "testdata", "initdefault"), dir)
	setup := func(name string, args ...string) {
		b.Helper()
		benchRun(b, dir, append(os.Environ(), pathWith(bin)), name, args...)
	}
	// The project's config before svcship, kept for the bare runs.
	orig, err := os.ReadFile(filepath.Join(dir, ".goreleaser.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bare.goreleaser.yaml"), orig, 0o644); err != nil {
		b.Fatal(err)
	}
	gitCommit(b, dir, "init", "-q")
	gitCommit(b, dir, "remote", "add", "origin", "https://github.com/acme/greetd.git")
	// Adopt svcship the README's way, pointed at this checkout.
	setup("go", "mod", "edit", "-require=github.com/svcship/svcship@v0.0.0", "-replace=github.com/svcship/svcship="+root)
	setup("go", "get", "github.com/svcship/svcship@v0.0.0")
	setup("go", "run", "-mod=mod", "github.com/svcship/svcship/cmd/svcship", "init")
	setup("go", "mod", "tidy")
	gitCommit(b, dir, "add", "-A")
	gitCommit(b, dir, "commit", "-q", "-m", "greetd with svcship")
	gitCommit(b, dir, "tag", "-a", "v1.0.0", "-m", "v1.0.0")

	base := append(os.Environ(), pathWith(bin))
	runs := []func([]string) time.Duration{
		func(env []string) time.Duration { return benchRun(b, dir, env, "go", "tool", "mage", "snapshot") },
		func(env []string) time.Duration {
			return benchRun(b, dir, env, filepath.Join(bin, "goreleaser"), "release", "--snapshot", "--clean", "--config", "bare.goreleaser.yaml")
		},
	}
	// cold is a fresh, empty build cache (and mage cache) for one run.
	cold := func() []string {
		c := b.TempDir()
		return append(slices.Clone(base), "GOCACHE="+filepath.Join(c, "go-build"), "MAGEFILE_CACHE="+filepath.Join(c, "mage"))
	}
	rounds := func(n int, env func() []string, s *benchSeries) {
		for i := 0; i < n; i++ {
			d := make([]time.Duration, len(runs))
			// Each round starts with a different run, so none always goes
			// first (or last) on a machine that drifts.
			for k := range runs {
				j := (i + k) % len(runs)
				d[j] = runs[j](env())
			}
			s.mage, s.bare = append(s.mage, d[0]), append(s.bare, d[1])
			fmt.Printf("  round %d: mage snapshot %s, bare goreleaser %s (ratio %.2f)\n", i+1,
				d[0].Round(time.Millisecond), d[1].Round(time.Millisecond), float64(d[0])/float64(d[1]))
		}
	}
	r := &benchResult
	for _, run := range runs { // warm the build cache and mage's compiled magefile
		run(base)
	}
	fmt.Printf("warm (%d rounds):\n", warmRounds)
	rounds(warmRounds, func() []string { return base }, &r.warm)
	fmt.Printf("cold, empty GOCACHE per run (%d rounds):\n", coldRounds)
	rounds(coldRounds, cold, &r.cold)
	summary := func(mode string, s benchSeries) {
		if len(s.mage) == 0 {
			return
		}
		fmt.Printf("%s: median ratio mage snapshot / bare goreleaser %.2fx (medians: mage %s, bare %s)\n", mode,
			median(s.ratios()), medianDur(s.mage).Round(time.Millisecond), medianDur(s.bare).Round(time.Millisecond))
	}
	summary("warm", r.warm)
	summary("cold", r.cold)
}

func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		b.Fatalf("%s=%q: expected a whole number of pairs", name, v)
	}
	return n
}

// benchRun runs one timed command in dir; it fails the benchmark on error.
func benchRun(b *testing.B, dir string, env []string, name string, args ...string) time.Duration {
	b.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		b.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, tail(out.String(), 40))
	}
	return d
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func medianDur(ds []time.Duration) time.Duration {
	fs := make([]float64, len(ds))
	for i, d := range ds {
		fs[i] = float64(d)
	}
	return time.Duration(median(fs))
}
