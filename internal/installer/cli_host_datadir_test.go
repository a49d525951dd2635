package installer

import (
	"slices"
	"testing"

	"github.com/svcship/svcship/config"
)

// The hosted child learns its data folder from SVCSHIP_DATA_DIR: the
// default under ProgramData, or service.data_dir.
func TestHostedChildGetsDataDir(t *testing.T) {
	base := "product: {name: hellosvc, company: Example Ltd, description: d}\npackaging: {upgrade_code: 8f1c2a6e-5b7d-4e3a-9c21-0d4b6a7e9f10}\nservice:\n  name: hellosvc\n  mode: hosted\n"
	getenv := func(k string) string {
		if k == "ProgramData" {
			return `D:\PD`
		}
		return ""
	}
	for _, tc := range []struct{ yaml, want string }{
		{base, `SVCSHIP_DATA_DIR=D:\PD\hellosvc\data`},
		{base + "  data_dir: 'E:\\state'\n", `SVCSHIP_DATA_DIR=E:\state`},
	} {
		cfg, err := config.Parse("svcship.yaml", []byte(tc.yaml))
		if err != nil {
			t.Fatal(err)
		}
		_, h, err := hostedOptions(cfg, getenv)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(h.Env, tc.want) {
			t.Errorf("child environment %v lacks %s", h.Env, tc.want)
		}
	}
}
