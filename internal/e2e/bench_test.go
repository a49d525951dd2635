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

	"gopkg.in/yaml.v3"

	"github.com/svcship/svcship/internal/scaffold"
	"github.com/svcship/svcship/internal/testtool"
)

// benchResult is one measurement, made once per process: the benchmark
// framework calls the function again with a larger b.N, and a cold run
// takes minutes.
var benchResult struct {
	once       sync.Once
	warm, cold benchSeries
}

// benchSeries holds the runs of one mode: svcship's, bare GoReleaser's
// on the project's original config, and the floor's (see floorConfig).
type benchSeries struct {
	mage, bare, floor []time.Duration
}

// ratios returns the pairwise ratios of the runs in a to those in b, which
// come from the same rounds.
func ratios(a, b []time.Duration) []float64 {
	r := make([]float64, len(a))
	for i := range a {
		r[i] = float64(a[i]) / float64(b[i])
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
// A third run in each round measures the floor: the part of svcship's
// cost that no change to svcship can remove. It compiles mage
// (`go tool -n mage`, which `go tool mage` does first), then runs the bare
// config with one archive files entry more, which adds the files svcship
// stages for each Windows zip (the installer, svcship.yaml, the scripts),
// copied from an earlier svcship run. No svcship code runs in it: its cost
// above bare is mage's compile and GoReleaser's own archiving (at
// flate.BestCompression) of files the Windows zips must carry.
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
		b.ReportMetric(median(ratios(s.mage, s.bare)), mode+"-ratio")
		b.ReportMetric(median(ratios(s.floor, s.bare)), mode+"-floor-ratio")
		b.ReportMetric(float64(medianDur(s.mage).Milliseconds()), mode+"-mage-ms")
		b.ReportMetric(float64(medianDur(s.bare).Milliseconds()), mode+"-goreleaser-ms")
		b.ReportMetric(float64(medianDur(s.floor).Milliseconds()), mode+"-floor-ms")
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
	floor, err := floorConfig(orig)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "floor.goreleaser.yaml"), floor, 0o644); err != nil {
		b.Fatal(err)
	}
	gitCommit(b, dir, "init", "-q")
	gitCommit(b, dir, "remote", "add", "origin", "https://github.com/acme/greetd.git")
	// The floor's copies of svcship's staged files stay out of git, so the
	// tree GoReleaser and svcship see is the committed one.
	if err := os.WriteFile(filepath.Join(dir, ".git", "info", "exclude"), []byte(floorDir+"/\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	// Adopt svcship the README's way, pointed at this checkout.
	setup("go", "mod", "edit", "-require=github.com/svcship/svcship@v0.0.0", "-replace=github.com/svcship/svcship="+root)
	setup("go", "get", "github.com/svcship/svcship@v0.0.0")
	setup("go", "run", "-mod=mod", "github.com/svcship/svcship/cmd/svcship", "init")
	setup("go", "mod", "tidy")
	gitCommit(b, dir, "add", "-A")
	gitCommit(b, dir, "commit", "-q", "-m", "greetd with svcship")
	gitCommit(b, dir, "tag", "-a", "v1.0.0", "-m", "v1.0.0")

	base := append(os.Environ(), pathWith(bin))
	goreleaser := filepath.Join(bin, "goreleaser")
	runs := []func([]string) time.Duration{
		func(env []string) time.Duration { return benchRun(b, dir, env, "go", "tool", "mage", "snapshot") },
		func(env []string) time.Duration {
			return benchRun(b, dir, env, goreleaser, "release", "--snapshot", "--clean", "--config", "bare.goreleaser.yaml")
		},
		func(env []string) time.Duration {
			return benchRun(b, dir, env, "go", "tool", "-n", "mage") +
				benchRun(b, dir, env, goreleaser, "release", "--snapshot", "--clean", "--config", "floor.goreleaser.yaml")
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
			s.mage, s.bare, s.floor = append(s.mage, d[0]), append(s.bare, d[1]), append(s.floor, d[2])
			fmt.Printf("  round %d: mage snapshot %s, bare goreleaser %s, floor %s (ratios to bare: mage %.2f, floor %.2f)\n", i+1,
				d[0].Round(time.Millisecond), d[1].Round(time.Millisecond), d[2].Round(time.Millisecond),
				float64(d[0])/float64(d[1]), float64(d[2])/float64(d[1]))
		}
	}
	r := &benchResult
	// Warm the build cache and mage's compiled magefile; the floor's files
	// are the ones svcship's first run staged.
	runs[0](base)
	for _, arch := range []string{"amd64", "arm64", "386"} {
		src := filepath.Join(dir, "dist", "svcship", "windows_"+arch)
		if _, err := os.Stat(filepath.Join(src, "svcship-installer.exe")); err != nil {
			b.Fatalf("the floor needs what svcship stages for windows/%s: %v", arch, err)
		}
		testtool.CopyTree(b, src, filepath.Join(dir, floorDir, "windows_"+arch))
	}
	for _, run := range runs[1:] {
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
		fmt.Printf("%s: median ratios to bare goreleaser: mage snapshot %.2fx, floor %.2fx; mage snapshot / floor %.2fx (medians: mage %s, bare %s, floor %s)\n", mode,
			median(ratios(s.mage, s.bare)), median(ratios(s.floor, s.bare)), median(ratios(s.mage, s.floor)),
			medianDur(s.mage).Round(time.Millisecond), medianDur(s.bare).Round(time.Millisecond), medianDur(s.floor).Round(time.Millisecond))
	}
	summary("warm", r.warm)
	summary("cold", r.cold)
}

// floorDir holds, in the benchmark's project, the copies of what svcship
// stages for each Windows zip, one folder per <os>_<arch>.
const floorDir = "svcship-floor"

// floorConfig is the project's original GoReleaser config with one files
// entry more in every archive: floorDir's folder for the archive's target.
// An archive without files gets GoReleaser's default list first, which a
// files list replaces (as svcship init writes it).
func floorConfig(orig []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(orig, &doc); err != nil {
		return nil, fmt.Errorf("floor config: %w", err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("floor config: expected a mapping at the top")
	}
	archives := mapValue(doc.Content[0], "archives")
	if archives == nil || archives.Kind != yaml.SequenceNode || len(archives.Content) == 0 {
		return nil, fmt.Errorf("floor config: expected an archives list")
	}
	entry := func(src, dst string) *yaml.Node {
		n := &yaml.Node{Kind: yaml.MappingNode}
		n.Content = append(n.Content, scalar("src"), scalar(src))
		if dst != "" {
			n.Content = append(n.Content, scalar("dst"), scalar(dst))
		}
		return n
	}
	for _, a := range archives.Content {
		files := mapValue(a, "files")
		if files == nil {
			files = &yaml.Node{Kind: yaml.SequenceNode}
			for _, g := range scaffold.DefaultArchiveFiles() {
				files.Content = append(files.Content, entry(g, ""))
			}
			a.Content = append(a.Content, scalar("files"), files)
		}
		files.Content = append(files.Content, entry(floorDir+"/{{ .Os }}_{{ .Arch }}/**", "."))
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return nil, fmt.Errorf("floor config: %w", err)
	}
	return out, nil
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func scalar(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }

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

func TestFloorConfig(t *testing.T) {
	tests := []struct {
		name, in, want, err string
	}{
		{
			name: "no files: GoReleaser's defaults first",
			in:   "version: 2\narchives:\n  - formats: [zip]\n",
			want: `version: 2
archives:
    - formats: [zip]
      files:
        - src: license*
        - src: LICENSE*
        - src: readme*
        - src: README*
        - src: changelog*
        - src: CHANGELOG*
        - src: svcship-floor/{{ .Os }}_{{ .Arch }}/**
          dst: .
`,
		},
		{
			name: "own files and a second archive set",
			in:   "archives:\n  - id: a\n    files: [LICENSE]\n  - id: b\n    files:\n      - src: docs/*\n",
			want: `archives:
    - id: a
      files: [LICENSE, {src: 'svcship-floor/{{ .Os }}_{{ .Arch }}/**', dst: .}]
    - id: b
      files:
        - src: docs/*
        - src: svcship-floor/{{ .Os }}_{{ .Arch }}/**
          dst: .
`,
		},
		{name: "no archives", in: "version: 2\n", err: "floor config: expected an archives list"},
		{name: "not a mapping", in: "- a\n", err: "floor config: expected a mapping at the top"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := floorConfig([]byte(tt.in))
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
