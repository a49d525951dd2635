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
	once             sync.Once
	warm, cold       []float64 // mage/bare ratio of each pair
	warmMage, warmGR []time.Duration
	coldMage, coldGR []time.Duration
}

// BenchmarkSnapshot measures, in one run, on testdata/initdefault (a
// program with the config `goreleaser init` writes), the wall time of
// `go tool mage snapshot` after `svcship init` (GoReleaser's whole release
// with svcship's hooks: resources, installer, MSIs; unsigned) against a
// bare `goreleaser release --snapshot --clean` on the project's config as
// it was before init, on the same commit, alternating the two:
//
//   - warm: the caller's build cache, after one untimed run of each;
//   - cold: an empty GOCACHE (and mage cache) in a fresh folder for every
//     run of both, as on a new CI runner; the goreleaser binary of the
//     pinned version is on PATH, as goreleaser-action's install-only step
//     provides it, so neither side compiles GoReleaser.
//
// It reports the median of the pairwise ratios for each. Pairs:
// SVCSHIP_BENCH_WARM (default 3) and SVCSHIP_BENCH_COLD (default 1); b.N is
// not used (the whole measurement is made once per process).
//
// Run: go test ./internal/e2e -run '^$' -bench Snapshot -benchtime 1x
func BenchmarkSnapshot(b *testing.B) {
	benchResult.once.Do(func() { measureSnapshot(b) })
	r := &benchResult
	if len(r.warm) == 0 {
		b.Fatal("the measurement failed in an earlier call")
	}
	b.ReportMetric(median(r.warm), "warm-ratio")
	b.ReportMetric(float64(medianDur(r.warmMage).Milliseconds()), "warm-mage-ms")
	b.ReportMetric(float64(medianDur(r.warmGR).Milliseconds()), "warm-goreleaser-ms")
	if len(r.cold) > 0 {
		b.ReportMetric(median(r.cold), "cold-ratio")
		b.ReportMetric(float64(medianDur(r.coldMage).Milliseconds()), "cold-mage-ms")
		b.ReportMetric(float64(medianDur(r.coldGR).Milliseconds()), "cold-goreleaser-ms")
	}
}

func measureSnapshot(b *testing.B) {
	testtool.Require(b, "git")
	warmPairs, coldPairs := envInt(b, "SVCSHIP_BENCH_WARM", 3), envInt(b, "SVCSHIP_BENCH_COLD", 1)
	root := repoRoot(b)
	bin := goreleaserDir(b)
	dir := filepath.Join(b.TempDir(), "greetd")
	copyTree(b, filepath.Join(root, "internal", "e2e", "testdata", "initdefault"), dir)
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
	mage := func(env []string) time.Duration {
		return benchRun(b, dir, env, "go", "tool", "mage", "snapshot")
	}
	bare := func(env []string) time.Duration {
		return benchRun(b, dir, env, filepath.Join(bin, "goreleaser"), "release", "--snapshot", "--clean", "--config", "bare.goreleaser.yaml")
	}
	// cold is a fresh, empty build cache (and mage cache) for one run.
	cold := func() []string {
		c := b.TempDir()
		return append(slices.Clone(base), "GOCACHE="+filepath.Join(c, "go-build"), "MAGEFILE_CACHE="+filepath.Join(c, "mage"))
	}
	pairs := func(n int, env func() []string, ratios *[]float64, tm, tg *[]time.Duration) {
		for i := 0; i < n; i++ {
			var dm, dg time.Duration
			if i%2 == 0 {
				dm, dg = mage(env()), bare(env())
			} else {
				dg, dm = bare(env()), mage(env())
			}
			*tm, *tg = append(*tm, dm), append(*tg, dg)
			*ratios = append(*ratios, float64(dm)/float64(dg))
			fmt.Printf("  pair %d: mage snapshot %s, bare goreleaser %s, ratio %.2f\n", i+1, dm.Round(time.Millisecond), dg.Round(time.Millisecond), float64(dm)/float64(dg))
		}
	}
	r := &benchResult
	warmEnv := func() []string { return base }
	mage(base) // warm both: build cache, mage's compiled magefile
	bare(base)
	fmt.Printf("warm (%d pairs):\n", warmPairs)
	pairs(warmPairs, warmEnv, &r.warm, &r.warmMage, &r.warmGR)
	fmt.Printf("cold, empty GOCACHE per run (%d pairs):\n", coldPairs)
	pairs(coldPairs, cold, &r.cold, &r.coldMage, &r.coldGR)
	fmt.Printf("median ratio mage snapshot / bare goreleaser: warm %.2fx (mage %s, goreleaser %s), cold %.2fx (mage %s, goreleaser %s)\n",
		median(r.warm), medianDur(r.warmMage).Round(time.Millisecond), medianDur(r.warmGR).Round(time.Millisecond),
		median(r.cold), medianDur(r.coldMage).Round(time.Millisecond), medianDur(r.coldGR).Round(time.Millisecond))
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
