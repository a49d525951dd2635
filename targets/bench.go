package targets

import (
	"context"
	"fmt"
	"os"
	"os/exec"
)

// Bench runs the benchmarks whose numbers the README records, one after another so they do not compete for the CPU.
func Bench(ctx context.Context) error {
	for _, b := range []struct{ pkg, name, times string }{
		{"./internal/e2e", "BinarySize", "1x"},                 // stripped vs default hellosvc, linux and windows
		{"./internal/e2e", "Snapshot", "1x"},                   // mage snapshot vs bare GoReleaser, warm and cold (measured once per process)
		{"./internal/msipkg", "BuildVsWixl", "5x"},             // MSI build time and size vs wixl
		{"./msi/cab", "Write", "1s"},                           // MSZIP parallel vs sequential
		{"./internal/publish", "Publish", "20x"},               // 10% injected 5xx vs fault-free
		{"./internal/host", "HostOverhead", "1x"},              // hosted-mode memory, CPU and stop latency
		{"./internal/installer", "WineInstallToHealthy", "3x"}, // install to healthy HTTP under wine
	} {
		fmt.Printf("== %s %s\n", b.pkg, b.name)
		cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", "^Benchmark"+b.name+"$", "-benchtime", b.times, b.pkg)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("benchmark %s in %s: %w", b.name, b.pkg, err)
		}
	}
	return nil
}
