package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/testtool"
	"github.com/svcship/svcship/internal/version"
)

// TestInstallerBuildEnvHasNoSecrets runs the installer step of a Windows
// build hook with GoReleaser's kind of environment (the GitHub token and
// other secrets in it) and a stand-in `go` first on PATH that writes down
// the environment it was started with: the token must not reach it, the
// build settings must.
func TestInstallerBuildEnvHasNoSecrets(t *testing.T) {
	sh := testtool.Path(t, "sh")
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	envFile := filepath.Join(dir, "go-env.txt")
	script := "#!" + sh + "\nenv > '" + envFile + "'\necho 'stand-in go: not building' >&2\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "go"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	yml := filepath.Join(dir, "svcship.yaml")
	if err := os.WriteFile(yml, []byte(`product:
  name: envsvc
  display_name: Env Service
  company: Acme
  description: env test
  binary: envsvc
  main: .
service:
  name: envsvc
  mode: hosted
packaging:
  upgrade_code: "0B7E8C51-2F34-4D6A-8E19-5C7A3D2B1F40"
  install_dir: Env Service
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(yml)
	if err != nil {
		t.Fatal(err)
	}
	v, err := version.Parse("1.2.3")
	if err != nil {
		t.Fatal(err)
	}

	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	secrets := map[string]string{
		"GITHUB_TOKEN":              "ghp_envTestTokenValue81",
		"GH_TOKEN":                  "gho_envTestTokenValue82",
		"HOMEBREW_TAP_GITHUB_TOKEN": "ghp_envTestTokenValue83",
		"SVCSHIP_SIGN_PASSWORD":     "env-test-sign-pass-84",
		"SVCSHIP_SIGN_PIN":          "8585",
	}
	for k, val := range secrets {
		t.Setenv(k, val)
	}
	t.Setenv("SVCSHIP_ENV_TEST_MARKER", "kept")

	ctx := &Context{
		Context: context.Background(),
		Facts: Facts{Dist: filepath.Join(dir, "dist"), Version: "1.2.3", Tag: "v1.2.3", ProjectName: "envsvc",
			Commit: "0123456789abcdef0123456789abcdef01234567", Path: filepath.Join(dir, "dist", "envsvc_windows_amd64_v1", "envsvc.exe"),
			Arch: "amd64", Target: "windows_amd64_v1"},
		Root: dir, ConfigPath: yml, Config: cfg, Semver: v,
		Getenv: os.Getenv,
	}
	err = installerStep{}.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "stand-in go") {
		t.Fatalf("installer step with the stand-in go: %v, want its failure", err)
	}
	data, rerr := os.ReadFile(envFile)
	if rerr != nil {
		t.Fatalf("the stand-in go did not run: %v (step error: %v)", rerr, err)
	}
	env := strings.Split(strings.TrimSpace(string(data)), "\n")
	for k, val := range secrets {
		for _, kv := range env {
			if strings.HasPrefix(kv, k+"=") || strings.Contains(kv, val) {
				t.Errorf("the installer build's environment holds %s: %q", k, kv)
			}
		}
	}
	for _, want := range []string{"GOOS=windows", "GOARCH=amd64", "GOAMD64=v1", "CGO_ENABLED=0", "SVCSHIP_ENV_TEST_MARKER=kept"} {
		if !slices.Contains(env, want) {
			t.Errorf("the installer build's environment lacks %s", want)
		}
	}
	// The step's error must not carry a secret either.
	for k, val := range secrets {
		if strings.Contains(err.Error(), val) {
			t.Errorf("the step's error holds %s", k)
		}
	}
}
