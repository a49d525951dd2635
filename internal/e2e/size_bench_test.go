package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkBinarySize builds the reference service hellosvc as released
// (-trimpath, -ldflags "-s -w", CGO off) and with the toolchain defaults,
// for linux/amd64 and windows/amd64, and reports both sizes and their
// ratio. Sizes do not depend on load, so one build of each is enough.
//
// Run: go test ./internal/e2e -run '^$' -bench BinarySize -benchtime 1x
func BenchmarkBinarySize(b *testing.B) {
	root := repoRoot(b)
	for _, goos := range []string{"linux", "windows"} {
		size := func(args ...string) float64 {
			out := filepath.Join(b.TempDir(), "hellosvc")
			cmd := exec.Command("go", append(append([]string{"build", "-o", out}, args...), "./cmd/hellosvc")...)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH=amd64", "CGO_ENABLED=0")
			if msg, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("go build %v: %v\n%s", args, err, msg)
			}
			st, err := os.Stat(out)
			if err != nil {
				b.Fatal(err)
			}
			return float64(st.Size())
		}
		def := size()
		stripped := size("-trimpath", "-ldflags=-s -w")
		b.ReportMetric(def, goos+"-default-bytes")
		b.ReportMetric(stripped, goos+"-stripped-bytes")
		b.ReportMetric(stripped/def, goos+"-ratio")
	}
}
