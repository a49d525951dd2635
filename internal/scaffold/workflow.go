package scaffold

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/svcship/svcship/config"
)

// The workflows svcship writes itself; an adopter's own workflows keep
// their names and are edited in place.
const (
	releaseWorkflow = ".github/workflows/svcship.yml"
	ciWorkflow      = ".github/workflows/svcship-ci.yml"
)

// Actions svcship adds to a workflow, pinned to commit SHAs.
const (
	setupGoUses   = "actions/setup-go@d35c59abb061a4a6fb18e82ac0862c26744d6ab5"
	setupGoPinned = "# v5.5.0"
)

// pfxFile is where the signing step decodes the certificate.
const pfxFile = "$RUNNER_TEMP/svcship-sign.pfx"

// signingEnv is the one place that says which variables a release job
// must provide for svcship.yaml's signing section: pfxVar names the
// variable that holds the PKCS#12 file's path (the workflow decodes the
// <pfxVar>_BASE64 secret into a file), secrets the variables passed from
// the repository's secrets of the same name.
func signingEnv(sc config.Signing) (pfxVar string, secrets []string) {
	sc.Defaults()
	switch sc.Method {
	case config.SignPFX:
		return sc.PFXEnv, []string{sc.PasswordEnv}
	case config.SignPKCS11:
		return "", []string{sc.PINEnv}
	default:
		return "", slices.Clone(sc.Env)
	}
}

// readSigning reads the signing section of an existing svcship.yaml (the
// defaults when there is none).
func readSigning(dir string) (config.Signing, error) {
	data, err := os.ReadFile(filepath.Join(dir, config.FileName))
	if errors.Is(err, os.ErrNotExist) {
		return config.Signing{}, nil
	} else if err != nil {
		return config.Signing{}, fmt.Errorf("svcship init: %w", err)
	}
	var c struct {
		Signing *config.Signing `yaml:"signing"`
	}
	if err := yaml.Unmarshal(data, &c); err != nil {
		return config.Signing{}, fmt.Errorf("svcship init: %s: %w", config.FileName, err)
	}
	if c.Signing == nil {
		return config.Signing{}, nil
	}
	return *c.Signing, nil
}

// workflowPlan is what init does to .github/workflows.
type workflowPlan struct {
	// edits are the adopter's workflows with svcship's additions.
	edits []fileEdit
	// writeRelease and writeCI say whether svcship's own workflows are
	// needed (no workflow of the adopter does their job).
	writeRelease, writeCI bool
}

// fileEdit is an in-place change of a file svcship did not write.
type fileEdit struct {
	path  string
	data  []byte
	notes []string
}

func planWorkflows(dir string, sc config.Signing) (*workflowPlan, error) {
	plan := &workflowPlan{writeRelease: true, writeCI: true}
	var names []string
	for _, pat := range []string{"*.yml", "*.yaml"} {
		m, err := filepath.Glob(filepath.Join(dir, ".github", "workflows", pat))
		if err != nil {
			return nil, fmt.Errorf("svcship init: %w", err)
		}
		names = append(names, m...)
	}
	sort.Strings(names)
	for _, abs := range names {
		rel := filepath.ToSlash(mustRel(dir, abs))
		if rel == releaseWorkflow || rel == ciWorkflow {
			continue
		}
		data, err := os.ReadFile(abs)
		if err != nil {
			return nil, fmt.Errorf("svcship init: %w", err)
		}
		if bytes.Contains(data, []byte("mage snapshot")) {
			plan.writeCI = false
		}
		if bytes.Contains(data, []byte("mage release")) {
			plan.writeRelease = false // svcship's pipeline releases here already
		}
		out, notes, found, err := editWorkflow(data, sc)
		if err != nil {
			return nil, fmt.Errorf("svcship init: %s: %w", rel, err)
		}
		if found {
			plan.writeRelease = false
		}
		if len(notes) > 0 {
			plan.edits = append(plan.edits, fileEdit{path: rel, data: out, notes: notes})
		}
	}
	return plan, nil
}

func mustRel(dir, p string) string {
	r, err := filepath.Rel(dir, p)
	if err != nil {
		return p
	}
	return r
}

// releaseStep reports whether a step runs GoReleaser's release.
func releaseStep(step *yaml.Node) bool {
	if uses := scalarAt(step, "uses"); strings.HasPrefix(uses, "goreleaser/goreleaser-action@") {
		with := mapGet(step, "with")
		return scalarAt(with, "install-only") != "true" && strings.Contains(" "+scalarAt(with, "args")+" ", " release ")
	}
	run := scalarAt(step, "run")
	return strings.Contains(run, "goreleaser release") && !strings.Contains(run, "--snapshot")
}

// editWorkflow adds to every job that runs `goreleaser release` what
// svcship's hooks need, keeping every step; found says whether there was
// such a job.
func editWorkflow(data []byte, sc config.Signing) (out []byte, notes []string, found bool, err error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, false, err
	}
	if len(doc.Content) == 0 {
		return data, nil, false, nil
	}
	jobs := mapGet(doc.Content[0], "jobs")
	if jobs == nil || jobs.Kind != yaml.MappingNode {
		return data, nil, false, nil
	}
	pfxVar, secrets := signingEnv(sc)
	for i := 0; i+1 < len(jobs.Content); i += 2 {
		name, job := jobs.Content[i].Value, jobs.Content[i+1]
		steps := mapGet(job, "steps")
		if steps == nil || steps.Kind != yaml.SequenceNode {
			continue
		}
		rel := slices.IndexFunc(steps.Content, releaseStep)
		if rel < 0 {
			continue
		}
		found = true
		note := func(format string, args ...any) {
			notes = append(notes, fmt.Sprintf("jobs.%s: ", name)+fmt.Sprintf(format, args...))
		}
		usesPrefix := func(prefix string) int {
			return slices.IndexFunc(steps.Content[:rel], func(s *yaml.Node) bool { return strings.HasPrefix(scalarAt(s, "uses"), prefix) })
		}
		co := usesPrefix("actions/checkout@")
		if co >= 0 {
			with := mapGet(steps.Content[co], "with")
			if with == nil {
				with = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
				mapSet(steps.Content[co], "with", with)
			}
			if scalarAt(with, "fetch-depth") != "0" {
				k := mapSet(with, "fetch-depth", scalar("0", "!!int"))
				k.HeadComment = marker + "the whole history: GoReleaser's changelog and svcship's version stamps"
				note("checkout: fetch-depth: 0")
			}
		}
		if usesPrefix("actions/setup-go@") < 0 {
			s := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			s.HeadComment = marker + "the GoReleaser hooks run `go tool svcship`"
			mapSet(s, "uses", scalar(setupGoUses, "!!str"))
			mapGet(s, "uses").LineComment = setupGoPinned
			with := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			mapSet(with, "go-version-file", scalar("go.mod", "!!str"))
			mapSet(s, "with", with)
			at := co + 1
			if co < 0 {
				at = rel
			}
			steps.Content = slices.Insert(steps.Content, at, s)
			rel++
			note("+ step actions/setup-go (go-version-file: go.mod)")
		}
		if pfxVar != "" && !slices.ContainsFunc(steps.Content, func(s *yaml.Node) bool { return strings.Contains(scalarAt(s, "run"), pfxFile) }) {
			s := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			s.HeadComment = marker + "Authenticode signing is optional: without the secret the Windows files stay unsigned"
			mapSet(s, "name", scalar("svcship signing key", "!!str"))
			env := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			mapSet(env, "PFX_BASE64", scalar("${{ secrets."+pfxVar+"_BASE64 }}", "!!str"))
			mapSet(s, "env", env)
			run := scalar(fmt.Sprintf(`if [ -z "$PFX_BASE64" ]; then
  echo "%[1]s_BASE64 is not set; the Windows files stay unsigned"
  exit 0
fi
sudo apt-get update
sudo apt-get install -y --no-install-recommends osslsigncode
pfx="%[2]s"
(umask 077 && printf '%%s' "$PFX_BASE64" | base64 --decode > "$pfx")
echo "%[1]s=$pfx" >> "$GITHUB_ENV"
`, pfxVar, pfxFile), "!!str")
			run.Style = yaml.LiteralStyle
			mapSet(s, "run", run)
			steps.Content = slices.Insert(steps.Content, rel, s)
			rel++
			note("+ step \"svcship signing key\" (decodes secrets.%s_BASE64 into %s, installs osslsigncode)", pfxVar, pfxVar)

			c := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			c.HeadComment = marker + "the key never outlives the job"
			mapSet(c, "name", scalar("svcship signing key removal", "!!str"))
			mapSet(c, "if", scalar("always()", "!!str"))
			mapSet(c, "run", scalar(`rm -f "`+pfxFile+`"`, "!!str"))
			steps.Content = slices.Insert(steps.Content, rel+1, c)
			note("+ step \"svcship signing key removal\" (always)")
		}
		step := steps.Content[rel]
		env := mapGet(step, "env")
		if env == nil {
			env = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			mapSet(step, "env", env)
		}
		for _, s := range secrets {
			if mapGet(env, s) == nil {
				k := mapSet(env, s, scalar("${{ secrets."+s+" }}", "!!str"))
				k.HeadComment = marker + "read by svcship's signing in the GoReleaser hooks"
				note("%s: env %s from secrets", stepLabel(step), s)
			}
		}
	}
	if len(notes) == 0 {
		return data, nil, found, nil
	}
	out, err = encodeKeepingLayout(data, &doc)
	if err != nil {
		return nil, nil, found, err
	}
	return out, notes, found, nil
}

func stepLabel(step *yaml.Node) string {
	if n := scalarAt(step, "name"); n != "" {
		return fmt.Sprintf("step %q", n)
	}
	return "step " + scalarAt(step, "uses")
}
