package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkSnapshot measures, in one run on one copy of the repository:
//
//   - the size of hellosvc built stripped (-s -w, as released) and with
//     the toolchain's defaults, for linux/amd64 and windows/amd64;
//   - the wall time of `go tool mage snapshot` against a bare
//     `goreleaser release --snapshot --clean` on the same .goreleaser.yaml,
//     both warm (one untimed run of each first), alternating per iteration.
//
// Run: go test ./internal/e2e -run '^$' -bench Snapshot -benchtime 3x
func BenchmarkSnapshot(b *testing.B) {
	dir := b.TempDir()
	copyRepo(b, dir)

	for _, goos := range []string{"linux", "windows"} {
		def := buildSize(b, dir, goos, "")
		stripped := buildSize(b, dir, goos, "-s -w")
		fmt.Printf("hellosvc %s/amd64 size: default %d bytes, stripped %d bytes (%.1f%% smaller)\n",
			goos, def, stripped, 100*float64(def-stripped)/float64(def))
		b.ReportMetric(float64(stripped), goos+"-stripped-bytes")
		b.ReportMetric(float64(def), goos+"-default-bytes")
	}

	mage := func() { run(b, dir, "go", "tool", "mage", "snapshot") }
	bare := func() {
		run(b, dir, "go", "tool", "-modfile=tools/go.mod", "goreleaser", "release", "--snapshot", "--clean")
	}
	mage() // warm both: build cache, mage's compiled magefile
	bare()
	var tMage, tBare time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		first, second := mage, bare
		if i%2 == 1 {
			first, second = bare, mage
		}
		d1 := timed(first)
		d2 := timed(second)
		if i%2 == 1 {
			d1, d2 = d2, d1
		}
		tMage += d1
		tBare += d2
	}
	b.StopTimer()
	n := time.Duration(b.N)
	ratio := float64(tMage) / float64(tBare)
	fmt.Printf("warm wall time per run (n=%d): mage snapshot %s, bare goreleaser release --snapshot %s, overhead ratio %.2fx\n",
		b.N, (tMage / n).Round(time.Millisecond), (tBare / n).Round(time.Millisecond), ratio)
	b.ReportMetric(float64((tMage / n).Milliseconds()), "mage-ms/run")
	b.ReportMetric(float64((tBare / n).Milliseconds()), "goreleaser-ms/run")
	b.ReportMetric(ratio, "overhead-ratio")
}

func timed(f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}

func run(b *testing.B, dir, name string, args ...string) {
	b.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%s %v: %v\n%s", name, args, err, tail(string(out), 40))
	}
}

func buildSize(b *testing.B, dir, goos, ldflags string) int64 {
	b.Helper()
	out := filepath.Join(b.TempDir(), "hellosvc")
	args := []string{"build", "-trimpath", "-buildvcs=false", "-o", out}
	if ldflags != "" {
		args = append(args, "-ldflags="+ldflags)
	}
	cmd := exec.Command("go", append(args, "./cmd/hellosvc")...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH=amd64")
	if o, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, o)
	}
	st, err := os.Stat(out)
	if err != nil {
		b.Fatal(err)
	}
	return st.Size()
}
