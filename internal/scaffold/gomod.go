package scaffold

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
)

const (
	svcshipModule = "github.com/svcship/svcship"
	// installerTool is built for Windows by the pipeline; as a tool of the
	// project its dependencies (golang.org/x/sys/windows/...) are part of
	// the project's go.sum, so the build needs no network and no -mod=mod.
	installerTool = "github.com/svcship/svcship/cmd/svcship-installer"
	// svcshipTool runs svcship's GoReleaser hooks (go tool svcship).
	svcshipTool = "github.com/svcship/svcship/cmd/svcship"
	mageModule  = "github.com/magefile/mage"
	// sbomTool wrote the SBOMs for an older init; svcship sbom does now,
	// and init says how to drop it.
	sbomTool = "github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod"
	// mageVersion is the mage svcship is tested with.
	mageVersion = "v1.17.2"
)

// ErrNoSvcshipRequire asks for svcship in go.mod before init runs, so that
// the mage targets it imports resolve to a version the user chose.
type ErrNoSvcshipRequire struct{}

func (ErrNoSvcshipRequire) Error() string {
	return "svcship init: go.mod does not require " + svcshipModule + "; run `go get " + svcshipModule + "@latest` first"
}

// goModEdits returns the `go mod edit` flags that add what the pipeline
// needs to go.mod (svcship, the service installer and mage as tools: the
// tool lines `go get -tool` writes, without a network round trip, at the
// svcship version the user already required), and one note per addition.
// No flags means go.mod is ready.
func goModEdits(ctx context.Context, dir string) (flags, notes []string, err error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "edit", "-json")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, nil, fmt.Errorf("svcship init: go mod edit -json: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	var mod struct {
		Require []struct{ Path string }
		Tool    []struct{ Path string }
	}
	if err := json.Unmarshal(out, &mod); err != nil {
		return nil, nil, fmt.Errorf("svcship init: go mod edit -json: %w", err)
	}
	required := map[string]bool{}
	for _, r := range mod.Require {
		required[r.Path] = true
	}
	tools := map[string]bool{}
	for _, t := range mod.Tool {
		tools[t.Path] = true
	}
	if !required[svcshipModule] {
		return nil, nil, ErrNoSvcshipRequire{}
	}
	if !required[mageModule] {
		flags = append(flags, "-require="+mageModule+"@"+mageVersion)
		notes = append(notes, "require "+mageModule+" "+mageVersion)
	}
	for _, tool := range []string{svcshipTool, installerTool, mageModule} {
		if !tools[tool] {
			flags = append(flags, "-tool="+tool)
			notes = append(notes, "tool "+tool)
		}
	}
	return flags, notes, nil
}

func applyGoModEdits(ctx context.Context, dir string, flags []string) error {
	cmd := exec.CommandContext(ctx, "go", append([]string{"mod", "edit"}, flags...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("svcship init: go mod edit: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
