package scaffold

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/svcship/svcship/internal/pipeline"
)

// goreleaserConfigNames are the files GoReleaser v2.15.1 reads when run
// without --config, in its own order (cmd/config.go): init edits the one
// GoReleaser would read.
var goreleaserConfigNames = []string{
	".config/goreleaser.yml",
	".config/goreleaser.yaml",
	".goreleaser.yml",
	".goreleaser.yaml",
	"goreleaser.yml",
	"goreleaser.yaml",
}

// freshGoReleaserName is written when the project has no GoReleaser config.
const freshGoReleaserName = ".goreleaser.yaml"

// marker starts the comment on every entry init adds, so a reader (and a
// re-run) can tell svcship's entries from the adopter's.
const marker = "# svcship: "

// What svcship needs from a GoReleaser build: static, reproducible
// binaries whose archives carry commit-time mtimes.
const (
	modTimestamp = "{{ .CommitTimestamp }}"
	commitDate   = "{{ .CommitDate }}"
	cgoOff       = "CGO_ENABLED=0"
	trimpath     = "-trimpath"
	// defaultLdflags is GoReleaser's default with the commit date in place
	// of the build time, so two builds of one commit are identical.
	defaultLdflags = "-s -w -X main.version={{.Version}} -X main.commit={{.Commit}} -X main.date={{.CommitDate}} -X main.builtBy=goreleaser"
	publishEnv     = "SVCSHIP_PUBLISH"
	serviceZipID   = "svcship-windows"
	assetsPub      = "svcship-assets"
	releasePub     = "svcship-release"
)

// DefaultArchiveFiles is what GoReleaser puts in an archive whose files
// list is empty (internal/pipe/archive defaults). An explicit list
// replaces them, so init writes them out before adding its own entry.
func DefaultArchiveFiles() []string {
	return []string{"license*", "LICENSE*", "readme*", "README*", "changelog*", "CHANGELOG*"}
}

// findGoReleaserConfig returns the slash path (relative to dir) of the
// config GoReleaser would read, or "".
func findGoReleaserConfig(dir string) (string, error) {
	for _, n := range goreleaserConfigNames {
		st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(n)))
		if err == nil && st.Mode().IsRegular() {
			return n, nil
		}
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("svcship init: %w", err)
		}
	}
	return "", nil
}

// grConfig is the part of a GoReleaser config Detect needs.
type grConfig struct {
	ProjectName string
	Dist        string
	Builds      []grBuild
}

type grBuild struct {
	ID, Main, Binary string
	Windows          bool // builds at least one windows target
}

func parseGoReleaser(data []byte) (*yaml.Node, *grConfig, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, err
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil, errors.New("expected a mapping at the top level")
	}
	root := doc.Content[0]
	gc := &grConfig{ProjectName: scalarAt(root, "project_name"), Dist: scalarAt(root, "dist")}
	if builds := mapGet(root, "builds"); builds != nil && builds.Kind == yaml.SequenceNode {
		for _, b := range builds.Content {
			if !isGoBuild(b) {
				continue
			}
			gc.Builds = append(gc.Builds, grBuild{ID: scalarAt(b, "id"), Main: scalarAt(b, "main"), Binary: scalarAt(b, "binary"), Windows: buildsWindows(b)})
		}
	}
	return &doc, gc, nil
}

// isGoBuild: a Go build that is not skipped (svcship ships Go programs).
func isGoBuild(b *yaml.Node) bool {
	if b.Kind != yaml.MappingNode {
		return false
	}
	if v := scalarAt(b, "builder"); v != "" && v != "go" {
		return false
	}
	return scalarAt(b, "skip") != "true"
}

// buildsWindows reports whether a build has a windows target: GoReleaser's
// default goos list (linux, darwin, windows) does.
func buildsWindows(b *yaml.Node) bool {
	if t := mapGet(b, "targets"); t != nil && t.Kind == yaml.SequenceNode && len(t.Content) > 0 {
		for _, c := range t.Content {
			if strings.HasPrefix(c.Value, "windows_") {
				return true
			}
		}
		return false
	}
	goos := mapGet(b, "goos")
	if goos == nil {
		return true
	}
	return slices.Contains(seqValues(goos), "windows")
}

// productBuild picks the build that makes the shipped binary: the one with
// main, else the one named like the project, else the first Go build.
func (gc *grConfig) productBuild(main, project string) int {
	if main != "" {
		for i, b := range gc.Builds {
			if b.Main != "" && (normalizeMain(b.Main) == main || normalizeMain(path.Dir(b.Main)) == main && strings.HasSuffix(b.Main, ".go")) {
				return i
			}
		}
	}
	for i, b := range gc.Builds {
		if b.Binary == project || b.ID == project {
			return i
		}
	}
	for i, b := range gc.Builds {
		if b.Windows {
			return i
		}
	}
	if len(gc.Builds) > 0 {
		return 0
	}
	return -1
}

// freshGoReleaser is the config written when the project has none; the
// svcship entries are added to it by the same merge as for an existing one.
func (p *Project) freshGoReleaser() string {
	return fmt.Sprintf(`# GoReleaser builds and releases %[1]s; svcship plugs into it (hooks,
# archive files, checksums, publishers: the "# svcship:" entries below).
# go tool mage snapshot runs goreleaser release --snapshot. See
# https://github.com/svcship/svcship/blob/main/docs/pipeline.md
version: 2
project_name: %[1]s

builds:
  - id: %[1]s
    main: %[2]s
    binary: %[3]s
    env:
      - %[4]s
    flags:
      - %[5]s
    ldflags:
      - -s -w -X main.version={{.Version}} -X main.commit={{.Commit}} -X main.date={{.CommitDate}}
    mod_timestamp: "%[6]s"
    goos: [linux, darwin, windows]
    goarch: [amd64, arm64, "386"]
    ignore:
      - {goos: linux, goarch: "386"}
      - {goos: darwin, goarch: "386"}

archives:
  - formats: [tar.gz]
    format_overrides:
      - {goos: windows, formats: [zip]}

checksum:
  name_template: checksums.txt
`, p.Name, p.Main, p.Binary, cgoOff, trimpath, modTimestamp)
}

// merger adds svcship's entries (docs/pipeline.md, "What a GoReleaser
// config must contain") to one GoReleaser config.
type merger struct {
	p     *Project
	root  *yaml.Node
	dist  string
	notes []string
	// hints are advice that needs no edit (printed, never a change).
	hints []string
}

func (m *merger) note(format string, args ...any) {
	m.notes = append(m.notes, fmt.Sprintf(format, args...))
}

// beforeHook is a plain string: GoReleaser OSS takes only strings as
// global before hooks.
func (m *merger) beforeHook() string {
	return pipeline.HookCommand + " goreleaser before --version={{ .Version }} --tag={{ .Tag }} --date={{ .CommitDate }} --project={{ .ProjectName }}"
}

func (m *merger) buildHook() string {
	return `{{ if eq .Os "windows" }}` + pipeline.HookCommand + ` goreleaser build --dist=` + m.dist +
		` --path={{ replace .Path "\\" "/" }} --arch={{ .Arch }} --target={{ .Target }} --version={{ .Version }} --tag={{ .Tag }} --date={{ .CommitDate }} --commit={{ .FullCommit }} --project={{ .ProjectName }} --snapshot={{ .IsSnapshot }}{{ end }}`
}

// buildHookNode is the map form, with output: true so svcship's progress
// lines show in GoReleaser's log.
func (m *merger) buildHookNode() *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	mapSet(n, "cmd", scalar(m.buildHook(), "!!str"))
	mapSet(n, "output", scalar("true", "!!bool"))
	k := mapSet(n, "env", envEntries(hookToolEnv...))
	k.HeadComment = marker + "`go tool svcship` sees the cgo settings the before hook saw, not the build's,\n" +
		marker + "so it reuses that compiled tool instead of compiling svcship a second time"
	n.HeadComment = marker + "sign the Windows exe; for the product binary also build and sign the service\n" +
		marker + "installer, stage the zip's extra files and build and sign the MSI"
	return n
}

// hookToolEnv is what a build's env commonly sets that changes how
// `go tool svcship` compiles for the host: a build hook inherits the
// build's env (CGO_ENABLED=0, a cross compiler in CC), which would compile
// svcship a second time, or for the wrong machine. The hook's env puts back
// the values GoReleaser itself was started with ("" is Go's default).
var hookToolEnv = []string{"CGO_ENABLED", "CC", "CXX"}

// hasEnv reports whether a hook or sboms entry sets every name.
func hasEnv(n *yaml.Node, names []string) bool {
	env := seqValues(mapGet(n, "env"))
	for _, v := range names {
		if !slices.ContainsFunc(env, func(e string) bool { return strings.HasPrefix(e, v+"=") }) {
			return false
		}
	}
	return true
}

// filesSrc is the folder the build hook stages a Windows archive's extra
// files in; "**" (not "**/*") matches its top-level files too.
func (m *merger) filesSrc() string { return m.dist + "/svcship/{{ .Os }}_{{ .Arch }}/**" }
func (m *merger) msiGlob() string  { return m.dist + "/*.msi" }

// signaturesGlob: the detached Authenticode signatures svcship writes.
func (m *merger) signaturesGlob() string { return m.dist + "/svcship/signatures/*.p7s" }

// goEnv is what `go tool` needed in the sboms command an earlier init
// wrote (GoReleaser starts sboms commands with little more than PATH and
// HOME); an entry switched to svcship sbom drops these.
var goEnv = []string{"GOFLAGS", "GOCACHE", "GOMODCACHE", "GOPATH", "GOPROXY", "GOTOOLCHAIN"}

// withEnv is svcship's env entries for names followed by otherEnv.
func withEnv(n *yaml.Node, names []string) *yaml.Node {
	env := envEntries(names...)
	env.Content = append(env.Content, otherEnv(n, names)...)
	return env
}

// otherEnv is the env entries of the existing node n (a hook or an sboms
// entry) that set none of names: what a project added itself.
func otherEnv(n *yaml.Node, names []string) []*yaml.Node {
	var out []*yaml.Node
	for _, e := range seqValues(mapGet(n, "env")) {
		if k, _, _ := strings.Cut(e, "="); !slices.Contains(names, k) {
			out = append(out, scalar(e, "!!str"))
		}
	}
	return out
}

func envEntries(names ...string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for _, v := range names {
		n.Content = append(n.Content, scalar(v+`={{ index .Env "`+v+`" }}`, "!!str"))
	}
	return n
}

// mergeGoReleaser returns data with svcship's entries added (data itself
// when nothing was missing), one note per change and the hints.
func mergeGoReleaser(data []byte, p *Project) (out []byte, notes, hints []string, err error) {
	doc, gc, err := parseGoReleaser(data)
	if err != nil {
		return nil, nil, nil, err
	}
	m := &merger{p: p, root: doc.Content[0], dist: "dist"}
	if gc.Dist != "" {
		m.dist = strings.TrimSuffix(strings.TrimPrefix(gc.Dist, "./"), "/")
	}
	if err := m.merge(gc); err != nil {
		return nil, nil, nil, err
	}
	if len(m.notes) == 0 {
		return data, nil, m.hints, nil
	}
	out, err = encodeKeepingLayout(data, doc)
	if err != nil {
		return nil, nil, nil, err
	}
	return out, m.notes, m.hints, nil
}

func (m *merger) merge(gc *grConfig) error {
	root := m.root
	if v := mapGet(root, "version"); v == nil {
		mapSetFirst(root, "version", scalar("2", "!!int"))
		m.note("version: 2 (GoReleaser v2 config)")
	} else if v.Value != "2" {
		return fmt.Errorf("version is %s; svcship plugs into GoReleaser v2 (version: 2)", v.Value)
	}
	if gc.ProjectName == "" && m.p.Name != "" && m.p.projectFromModule {
		// Without it GoReleaser names the project after the module's last
		// element, "v2" for a /v2 module.
		k := mapSetAfter(root, "project_name", scalar(m.p.Name, "!!str"), "version")
		k.HeadComment = marker + "GoReleaser would take the module's /vN suffix as the project name"
		m.note("project_name: %s (not the module's /vN suffix)", m.p.Name)
	}
	m.before()
	wins, err := m.builds(gc)
	if err != nil {
		return err
	}
	m.archives(wins)
	m.sboms()
	m.checksum()
	m.release()
	return nil
}

// sboms gives every binary a CycloneDX SBOM through GoReleaser's sboms
// pipe, unless the project already configures SBOMs its own way (syft,
// for instance). The command is the copy of svcship the Windows build
// hooks leave in dist/ (pipeline.ToolPath; GoReleaser runs sboms commands
// inside dist/), which reads the binary's build information itself: no
// SBOM tool to pin or compile, and no `go tool` start per binary. The
// commit date as timestamp keeps the documents reproducible.
func (m *merger) sboms() {
	if s := mapGet(m.root, "sboms"); s != nil {
		if s.Kind == yaml.SequenceNode {
			for _, e := range s.Content {
				if scalarAt(e, "id") == "svcship-binaries" && scalarAt(e, "cmd") != pipeline.ToolPath {
					// An entry an older init wrote, running cyclonedx-gomod.
					m.setSBOMCommand(e)
					m.note("sboms[svcship-binaries]: svcship sbom instead of cyclonedx-gomod")
					m.hints = append(m.hints, "cyclonedx-gomod is no longer used by svcship: `go get -tool "+sbomTool+"@none` removes it from go.mod")
				}
			}
		}
		return
	}
	entry := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	mapSet(entry, "id", scalar("svcship-binaries", "!!str"))
	mapSet(entry, "artifacts", scalar("binary", "!!str"))
	docs := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{scalar("{{ .Binary }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}.cdx.json", "!!str")}}
	mapSet(entry, "documents", docs)
	m.setSBOMCommand(entry)
	seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{entry}}
	k := mapSetAfter(m.root, "sboms", seq, "archives")
	k.HeadComment = marker + "a CycloneDX SBOM per binary, from its build information (svcship sbom)"
	m.note("sboms: a CycloneDX SBOM per binary (svcship sbom)")
}

// setSBOMCommand makes the sboms entry e run svcship sbom. The Go
// environment an older entry passed to `go tool` is dropped; other env
// entries the project added stay.
func (m *merger) setSBOMCommand(e *yaml.Node) {
	k := mapSet(e, "cmd", scalar(pipeline.ToolPath, "!!str"))
	k.HeadComment = marker + "the svcship the Windows build hooks leave in dist/ (GoReleaser runs sboms commands there)"
	args := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
	for _, a := range []string{"sbom", "--version=v{{ .Version }}", "--date={{ .CommitDate }}", "-o", "$document", "$artifact"} {
		args.Content = append(args.Content, scalar(a, "!!str"))
	}
	mapSet(e, "args", args)
	if mapGet(e, "env") != nil {
		if kept := otherEnv(e, goEnv); len(kept) > 0 {
			mapSet(e, "env", &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: kept})
		} else {
			mapDelete(e, "env")
		}
	}
}

func (m *merger) before() {
	before := mapGet(m.root, "before")
	if before == nil {
		before = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		mapSetBefore(m.root, "before", before, "builds")
	}
	hooks := mapGet(before, "hooks")
	if hooks == nil || hooks.Kind != yaml.SequenceNode {
		hooks = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		mapSet(before, "hooks", hooks)
	}
	for i, h := range hooks.Content {
		if !pipeline.IsHook(hookCmd(h), "before") {
			continue
		}
		if h.Kind != yaml.ScalarNode || h.Value != m.beforeHook() {
			// svcship's own entry from an earlier init: brought up to date.
			n := scalar(m.beforeHook(), "!!str")
			n.HeadComment = h.HeadComment
			hooks.Content[i] = n
			m.note("before.hooks: svcship goreleaser before updated")
		}
		return
	}
	n := scalar(m.beforeHook(), "!!str")
	n.HeadComment = marker + "check svcship.yaml and stamp Windows resources (VERSIONINFO, icon, manifest)"
	hooks.Content = append(hooks.Content, n)
	m.note("before.hooks += svcship goreleaser before")
}

// hookCmd is a hook's command, whether written as a string or {cmd: ...}.
func hookCmd(h *yaml.Node) string {
	if h.Kind == yaml.ScalarNode {
		return h.Value
	}
	return scalarAt(h, "cmd")
}

// builds edits every Go build that targets windows and returns their ids
// (GoReleaser's default id is the project name).
func (m *merger) builds(gc *grConfig) (map[string]bool, error) {
	builds := mapGet(m.root, "builds")
	if builds == nil {
		// GoReleaser's default build, written out so svcship can add to it.
		b := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		mapSet(b, "id", scalar(m.p.Name, "!!str"))
		mapSet(b, "main", scalar(m.p.Main, "!!str"))
		mapSet(b, "binary", scalar(m.p.Binary, "!!str"))
		builds = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{b}}
		k := mapSetBefore(m.root, "builds", builds, "archives")
		k.HeadComment = marker + "GoReleaser's default build, written out"
		m.note("builds: GoReleaser's default build of %s written out (there was none)", m.p.Main)
		gc.Builds = []grBuild{{ID: m.p.Name, Main: m.p.Main, Binary: m.p.Binary, Windows: true}}
	}
	if builds.Kind != yaml.SequenceNode || len(builds.Content) == 0 {
		return nil, errors.New("builds is not a list of builds")
	}
	project := gc.ProjectName
	if project == "" {
		project = m.p.Name
	}
	var gobuilds []*yaml.Node
	for _, b := range builds.Content {
		if isGoBuild(b) {
			gobuilds = append(gobuilds, b)
		}
	}
	if len(gobuilds) == 0 {
		return nil, errors.New("has no Go build that is not skipped")
	}
	prod := gc.productBuild(m.p.Main, project)
	wins := map[string]bool{}
	for i, b := range gobuilds {
		id := scalarAt(b, "id")
		if id == "" {
			id = project
		}
		label := fmt.Sprintf("builds[%s]", id)
		if i == prod && !buildsWindows(b) {
			if t := mapGet(b, "targets"); t != nil && t.Kind == yaml.SequenceNode && len(t.Content) > 0 {
				w := scalar("windows_amd64", "!!str")
				t.Content = append(t.Content, w)
				markItem(t, w, "a Windows target")
				m.note("%s: targets += windows_amd64", label)
			} else if ensureListItem(b, "goos", "windows", "a Windows target") {
				m.note("%s: goos += windows", label)
			}
		}
		if !buildsWindows(b) {
			continue
		}
		wins[id] = true
		if env := mapGet(b, "env"); env == nil || !slices.ContainsFunc(seqValues(env), func(s string) bool { return strings.HasPrefix(s, "CGO_ENABLED=") }) {
			if ensureListItem(b, "env", cgoOff, "static binaries") {
				m.note("%s: env += %s (static binaries)", label, cgoOff)
			}
		}
		if ensureListItem(b, "flags", trimpath, "reproducible paths") {
			m.note("%s: flags += %s (reproducible paths)", label, trimpath)
		}
		if mapGet(b, "mod_timestamp") == nil {
			v := scalar(modTimestamp, "!!str")
			v.LineComment = marker + "reproducible mtimes"
			mapSet(b, "mod_timestamp", v)
			m.note("%s: mod_timestamp: %q (reproducible mtimes)", label, modTimestamp)
		}
		if ld := mapGet(b, "ldflags"); ld == nil {
			k := mapSet(b, "ldflags", seq(defaultLdflags))
			k.HeadComment = marker + "GoReleaser's default ldflags, dated with the commit instead of the build time"
			m.note("%s: ldflags: GoReleaser's default, dated with the commit (reproducible)", label)
		} else if regexp.MustCompile(`\{\{-?\s*\.Date\s*-?\}\}`).MatchString(nodeText(ld)) {
			m.hints = append(m.hints, fmt.Sprintf("%s: ldflags stamp {{ .Date }}, the build time: use {{ .CommitDate }} for reproducible binaries", label))
		}
		hooks := mapGet(b, "hooks")
		if hooks == nil {
			hooks = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			mapSet(b, "hooks", hooks)
		}
		post := mapGet(hooks, "post")
		if post != nil && post.Kind == yaml.ScalarNode {
			// A single command is the same as a list of one.
			post = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{post}}
			mapSet(hooks, "post", post)
		}
		if post == nil {
			post = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			mapSet(hooks, "post", post)
		}
		if i := slices.IndexFunc(post.Content, func(h *yaml.Node) bool { return pipeline.IsHook(hookCmd(h), "build") }); i < 0 {
			post.Content = append(post.Content, m.buildHookNode())
			m.note("%s: hooks.post += svcship goreleaser build (Windows targets)", label)
		} else if h := post.Content[i]; hookCmd(h) != m.buildHook() || scalarAt(h, "output") != "true" || !hasEnv(h, hookToolEnv) {
			n := m.buildHookNode()
			if h.HeadComment != "" {
				n.HeadComment = h.HeadComment
			}
			mapSet(n, "env", withEnv(h, hookToolEnv))
			post.Content[i] = n
			m.note("%s: hooks.post: svcship goreleaser build updated", label)
		}
	}
	return wins, nil
}

// windowsFormats is what an archive set makes for windows.
func windowsFormats(a *yaml.Node) []string {
	if ov := mapGet(a, "format_overrides"); ov != nil && ov.Kind == yaml.SequenceNode {
		for _, o := range ov.Content {
			if scalarAt(o, "goos") != "windows" {
				continue
			}
			if f := seqValues(mapGet(o, "formats")); len(f) > 0 {
				return f
			}
			if f := scalarAt(o, "format"); f != "" {
				return []string{f}
			}
		}
	}
	if f := seqValues(mapGet(a, "formats")); len(f) > 0 {
		return f
	}
	if f := scalarAt(a, "format"); f != "" {
		return []string{f}
	}
	return []string{"tar.gz"}
}

func (m *merger) svcshipFile() *yaml.Node {
	f := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	mapSet(f, "src", scalar(m.filesSrc(), "!!str"))
	mapSet(f, "dst", scalar(".", "!!str"))
	mapSet(f, "info", mtimeMap())
	f.HeadComment = marker + "the service installer, svcship.yaml and scripts in the Windows archives"
	return f
}

// markedMtime is mtime: "{{ .CommitDate }}" marked as svcship's addition.
func markedMtime() *yaml.Node {
	n := mtimeMap()
	n.Content[1].LineComment = marker + "reproducible"
	return n
}

func mtimeMap() *yaml.Node {
	info := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	mapSet(info, "mtime", scalar(commitDate, "!!str"))
	return info
}

func (m *merger) archives(wins map[string]bool) {
	archives := mapGet(m.root, "archives")
	if archives == nil || archives.Kind != yaml.SequenceNode {
		// GoReleaser's default is one tar.gz set; svcship's Windows
		// download is a zip.
		archives = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		a := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		mapSet(a, "formats", flowSeq("tar.gz"))
		ov := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: yaml.FlowStyle}
		mapSet(ov, "goos", scalar("windows", "!!str"))
		mapSet(ov, "formats", flowSeq("zip"))
		mapSet(a, "format_overrides", &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{ov}})
		archives.Content = append(archives.Content, a)
		k := mapSet(m.root, "archives", archives)
		k.HeadComment = marker + "GoReleaser's default archives, with a zip for Windows"
		m.note("archives: tar.gz, zip for Windows (there were none)")
	}
	var productID string
	for id := range wins {
		if productID == "" || id == m.p.buildID {
			productID = id
		}
	}
	if m.p.buildID != "" && wins[m.p.buildID] {
		productID = m.p.buildID
	}
	binaryWindows := false
	for i, a := range archives.Content {
		if a.Kind != yaml.MappingNode {
			continue
		}
		id := scalarAt(a, "id")
		if id == serviceZipID {
			continue
		}
		if id == "" {
			id = "default"
		}
		label := fmt.Sprintf("archives[%d %s]", i, id)
		ids := seqValues(mapGet(a, "ids"))
		if len(ids) == 0 {
			ids = seqValues(mapGet(a, "builds"))
		}
		hasWindows := false
		for w := range wins {
			if len(ids) == 0 || slices.Contains(ids, w) {
				hasWindows = true
			}
		}
		if !hasWindows {
			continue
		}
		formats := windowsFormats(a)
		if !slices.ContainsFunc(formats, func(f string) bool { return f != "binary" && f != "none" }) {
			if slices.Contains(formats, "binary") {
				binaryWindows = true
			}
			continue
		}
		files := mapGet(a, "files")
		if files == nil || files.Kind != yaml.SequenceNode {
			files = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			for _, g := range DefaultArchiveFiles() {
				f := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
				mapSet(f, "src", scalar(g, "!!str"))
				mapSet(f, "info", mtimeMap())
				files.Content = append(files.Content, f)
			}
			files.Content[0].HeadComment = marker + "GoReleaser's default files, written out (a files list replaces them), dated with the commit"
			mapSet(a, "files", files)
			m.note("%s: files: GoReleaser's defaults (license*, readme*, changelog*) written out", label)
		}
		has := false
		for j, f := range files.Content {
			switch {
			case f.Kind == yaml.ScalarNode:
				e := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", HeadComment: f.HeadComment, LineComment: f.LineComment}
				mapSet(e, "src", scalar(f.Value, "!!str"))
				mapSet(e, "info", markedMtime())
				files.Content[j] = e
				m.note("%s: files[%s]: info.mtime: %q (reproducible)", label, f.Value, commitDate)
			case f.Kind == yaml.MappingNode:
				if src := scalarAt(f, "src"); src == m.filesSrc() {
					has = true
					continue
				} else if strings.HasPrefix(src, m.dist+"/svcship/{{ .Os }}_{{ .Arch }}/") {
					// svcship's entry from an earlier init.
					mapSet(f, "src", scalar(m.filesSrc(), "!!str"))
					m.note("%s: files: svcship's entry is now %s", label, m.filesSrc())
					has = true
					continue
				}
				info := mapGet(f, "info")
				if info == nil {
					mapSet(f, "info", markedMtime())
					m.note("%s: files[%s]: info.mtime: %q (reproducible)", label, scalarAt(f, "src"), commitDate)
				} else if mapGet(info, "mtime") == nil {
					mapSet(info, "mtime", mapGet(markedMtime(), "mtime"))
					m.note("%s: files[%s]: info.mtime: %q (reproducible)", label, scalarAt(f, "src"), commitDate)
				}
			}
		}
		if !has {
			files.Content = append(files.Content, m.svcshipFile())
			m.note("%s: files += %s (installer, svcship.yaml, scripts)", label, m.filesSrc())
		}
		m.buildsInfo(a, label)
	}
	if !binaryWindows || productID == "" {
		return
	}
	for _, a := range archives.Content {
		if scalarAt(a, "id") == serviceZipID {
			return
		}
	}
	a := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	mapSet(a, "id", scalar(serviceZipID, "!!str"))
	mapSet(a, "ids", flowSeq(productID))
	mapSet(a, "formats", flowSeq("none"))
	ov := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: yaml.FlowStyle}
	mapSet(ov, "goos", scalar("windows", "!!str"))
	mapSet(ov, "formats", flowSeq("zip"))
	mapSet(a, "format_overrides", &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{ov}})
	mapSet(a, "name_template", scalar("{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}_service", "!!str"))
	mapSet(a, "files", &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{m.svcshipFile()}})
	m.buildsInfo(a, "")
	a.HeadComment = marker + "the Windows download is a bare exe: this zip carries it with the\n" + marker + "service installer, svcship.yaml and scripts"
	archives.Content = append(archives.Content, a)
	m.note("archives += %s (a zip with the installer beside the binary Windows download)", serviceZipID)
}

func (m *merger) buildsInfo(a *yaml.Node, label string) {
	bi := mapGet(a, "builds_info")
	switch {
	case bi == nil:
		mapSet(a, "builds_info", markedMtime())
	case mapGet(bi, "mtime") == nil:
		mapSet(bi, "mtime", mapGet(markedMtime(), "mtime"))
	default:
		return
	}
	if label != "" {
		m.note("%s: builds_info.mtime: %q (reproducible)", label, commitDate)
	}
}

func (m *merger) msiEntry(comment string) *yaml.Node {
	e := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	mapSet(e, "glob", scalar(m.msiGlob(), "!!str"))
	if comment != "" {
		e.HeadComment = marker + comment
	}
	return e
}

func hasGlob(l *yaml.Node, glob string) bool {
	if l == nil {
		return false
	}
	return slices.ContainsFunc(l.Content, func(e *yaml.Node) bool { return scalarAt(e, "glob") == glob })
}

func (m *merger) checksum() {
	cs := mapGet(m.root, "checksum")
	if cs == nil {
		cs = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		mapSet(m.root, "checksum", cs)
	}
	if scalarAt(cs, "disable") == "true" {
		m.hints = append(m.hints, "checksum.disable is true: the MSIs are in no checksums file")
		return
	}
	ef := mapGet(cs, "extra_files")
	if ef == nil || ef.Kind != yaml.SequenceNode {
		ef = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		mapSet(cs, "extra_files", ef)
	}
	if !hasGlob(ef, m.msiGlob()) {
		ef.Content = append(ef.Content, m.msiEntry("the MSIs are listed in the checksums file (whatever its name)"))
		m.note("checksum.extra_files += %s", m.msiGlob())
	}
}

func (m *merger) release() {
	rel := mapGet(m.root, "release")
	if rel == nil {
		rel = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		mapSet(m.root, "release", rel)
	}
	if scalarAt(rel, "disable") == "true" {
		m.hints = append(m.hints, "release.disable is true: svcship adds no release entries and no publishers (svcship publish can still upload dist/)")
		return
	}
	if mapGet(rel, "use_existing_draft") == nil {
		k := mapSet(rel, "use_existing_draft", scalar("true", "!!bool"))
		k.HeadComment = marker + "re-runs reuse the draft instead of creating a second one"
		m.note("release.use_existing_draft: true")
	}
	su := mapGet(rel, "skip_upload")
	if su == nil || !strings.Contains(su.Value, publishEnv) {
		orig := "false"
		if su != nil && su.Value != "" {
			orig = su.Value
		}
		v := scalar(`{{ if index .Env "`+publishEnv+`" }}true{{ else }}`+orig+`{{ end }}`, "!!str")
		k := mapSet(rel, "skip_upload", v)
		k.HeadComment = marker + "under `go tool mage release` svcship uploads the assets itself (retrying,\n" +
			marker + "digest checked) and undrafts; a bare `goreleaser release` uploads as usual"
		m.note("release.skip_upload: true under go tool mage release (else %s)", orig)
	}
	ef := mapGet(rel, "extra_files")
	if ef == nil || ef.Kind != yaml.SequenceNode {
		ef = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		mapSet(rel, "extra_files", ef)
	}
	if !hasGlob(ef, m.msiGlob()) {
		ef.Content = append(ef.Content, m.msiEntry("the MSIs and the detached Authenticode signatures are uploaded with the release"))
		m.note("release.extra_files += %s", m.msiGlob())
	}
	if !hasGlob(ef, m.signaturesGlob()) {
		e := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		mapSet(e, "glob", scalar(m.signaturesGlob(), "!!str"))
		ef.Content = append(ef.Content, e)
		m.note("release.extra_files += %s", m.signaturesGlob())
	}
	m.publishers(rel, ef)
}

// tool is the copy of svcship the Windows build hooks leave in dist/
// (pipeline.ToolPath). The publishers run it directly: GoReleaser starts
// the assets publisher once per artifact, and `go tool svcship` would load
// the module graph for each.
func (m *merger) tool() string { return m.dist + "/" + pipeline.ToolPath }

func (m *merger) publishers(rel, relFiles *yaml.Node) {
	pubs := mapGet(m.root, "publishers")
	if pubs == nil || pubs.Kind != yaml.SequenceNode {
		pubs = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		mapSet(m.root, "publishers", pubs)
	}
	disable := scalar(`{{ if index .Env "`+publishEnv+`" }}false{{ else }}true{{ end }}`, "!!str")

	assets := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	assets.HeadComment = marker + "record every file GoReleaser would upload (runs once per artifact);\n" +
		marker + "the publishers run the svcship the Windows build hooks leave in " + m.dist + "/"
	mapSet(assets, "name", scalar(assetsPub, "!!str"))
	// Paths go through replace: GoReleaser splits hook commands like a
	// shell, so the backslashes of a Windows path would vanish.
	mapSet(assets, "cmd", scalar(m.tool()+" goreleaser record --dist="+m.dist+` --name={{ .ArtifactName }} --path={{ replace .ArtifactPath "\\" "/" }}`, "!!str"))
	mapSet(assets, "checksum", scalar("true", "!!bool"))
	mapSet(assets, "signature", scalar("true", "!!bool"))
	if ids := mapGet(rel, "ids"); ids != nil && ids.Kind == yaml.SequenceNode && len(ids.Content) > 0 {
		mapSet(assets, "ids", flowSeq(seqValues(ids)...))
	}
	ef := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for _, g := range []string{m.msiGlob(), m.signaturesGlob()} {
		e := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		mapSet(e, "glob", scalar(g, "!!str"))
		ef.Content = append(ef.Content, e)
	}
	for _, e := range relFiles.Content {
		if g := scalarAt(e, "glob"); g != m.msiGlob() && g != m.signaturesGlob() {
			c := cloneNode(e)
			c.HeadComment, c.LineComment, c.FootComment = "", "", ""
			ef.Content = append(ef.Content, c)
		}
	}
	mapSet(assets, "extra_files", ef)
	mapSet(assets, "disable", disable)

	release := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	release.HeadComment = marker + "upload what was recorded, check every digest, then publish the draft"
	mapSet(release, "name", scalar(releasePub, "!!str"))
	mapSet(release, "cmd", scalar(m.tool()+" goreleaser publish --dist="+m.dist, "!!str"))
	mapSet(release, "ids", flowSeq(releasePub))
	meta := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	mapSet(meta, "glob", scalar(m.dist+"/metadata.json", "!!str"))
	mapSet(release, "extra_files", &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{meta}})
	mapSet(release, "env", envEntries("GITHUB_TOKEN", "GITHUB_STEP_SUMMARY"))
	mapSet(release, "disable", cloneNode(disable))

	for _, want := range []struct {
		node *yaml.Node
		what string
	}{
		{assets, "svcship goreleaser record, under go tool mage release only"},
		{release, "svcship goreleaser publish, under go tool mage release only"},
	} {
		name := scalarAt(want.node, "name")
		i := slices.IndexFunc(pubs.Content, func(p *yaml.Node) bool { return scalarAt(p, "name") == name })
		switch {
		case i < 0:
			pubs.Content = append(pubs.Content, want.node)
			m.note("publishers += %s (%s)", name, want.what)
		case !sameValue(pubs.Content[i], want.node):
			// svcship's own publisher, from an earlier init or with other
			// release settings since: rewritten.
			if c := pubs.Content[i].HeadComment; c != "" {
				want.node.HeadComment = c
			}
			pubs.Content[i] = want.node
			m.note("publishers[%s] updated (%s)", name, want.what)
		}
	}
}

// sameValue reports whether two nodes hold the same data.
func sameValue(a, b *yaml.Node) bool {
	var x, y any
	return a.Decode(&x) == nil && b.Decode(&y) == nil && reflect.DeepEqual(x, y)
}

func cloneNode(n *yaml.Node) *yaml.Node {
	c := *n
	c.Content = nil
	for _, k := range n.Content {
		c.Content = append(c.Content, cloneNode(k))
	}
	return &c
}

func mapGet(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func scalarAt(m *yaml.Node, key string) string {
	if v := mapGet(m, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

// mapSet sets key (appending it when new) and returns the key node, which
// carries the entry's comment.
func mapSet(m *yaml.Node, key string, v *yaml.Node) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return m.Content[i]
		}
	}
	k := scalar(key, "!!str")
	m.Content = append(m.Content, k, v)
	return k
}

// mapDelete removes key and its value.
func mapDelete(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = slices.Delete(m.Content, i, i+2)
			return
		}
	}
}

func mapSetFirst(m *yaml.Node, key string, v *yaml.Node) *yaml.Node {
	k := scalar(key, "!!str")
	m.Content = append([]*yaml.Node{k, v}, m.Content...)
	return k
}

// mapSetBefore inserts key before the entry named before (last when
// absent).
func mapSetBefore(m *yaml.Node, key string, v *yaml.Node, before string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == before {
			k := scalar(key, "!!str")
			m.Content = slices.Insert(m.Content, i, k, v)
			return k
		}
	}
	return mapSet(m, key, v)
}

// mapSetAfter inserts key after the entry named after (first when absent).
func mapSetAfter(m *yaml.Node, key string, v *yaml.Node, after string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == after {
			k := scalar(key, "!!str")
			m.Content = slices.Insert(m.Content, i+2, k, v)
			return k
		}
	}
	return mapSetFirst(m, key, v)
}

func scalar(v, tag string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Value: v, Tag: tag}
	if tag == "!!str" && (strings.Contains(v, "{{") || strings.ContainsAny(v, "*:")) {
		n.Style = yaml.DoubleQuotedStyle
		if strings.Contains(v, `"`) {
			n.Style = yaml.SingleQuotedStyle
		}
	}
	return n
}

func seq(items ...string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for _, it := range items {
		n.Content = append(n.Content, scalar(it, "!!str"))
	}
	return n
}

func flowSeq(items ...string) *yaml.Node {
	n := seq(items...)
	n.Style = yaml.FlowStyle
	return n
}

func seqValues(n *yaml.Node) []string {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}
	}
	var out []string
	for _, c := range n.Content {
		if c.Kind == yaml.ScalarNode {
			out = append(out, c.Value)
		}
	}
	return out
}

// ensureListItem adds item to the list at key (creating it), marked with
// why; it reports whether anything changed. A scalar becomes a list of
// itself and item.
func ensureListItem(m *yaml.Node, key, item, why string) bool {
	l := mapGet(m, key)
	if l == nil {
		k := mapSet(m, key, seq(item))
		k.HeadComment = marker + why
		return true
	}
	if l.Kind == yaml.ScalarNode {
		if l.Value == item {
			return false
		}
		l = seq(l.Value)
		mapSet(m, key, l)
	}
	if l.Kind != yaml.SequenceNode {
		return false
	}
	for _, c := range l.Content {
		if c.Value == item {
			return false
		}
	}
	n := scalar(item, "!!str")
	l.Content = append(l.Content, n)
	markItem(l, n, why)
	return true
}

// markItem marks an item svcship appended to a list: on its own line in a
// block list, after the closing bracket of a flow list.
func markItem(l, item *yaml.Node, why string) {
	if l.Style&yaml.FlowStyle != 0 {
		if l.LineComment == "" {
			l.LineComment = marker + why
		}
		return
	}
	item.LineComment = marker + why
}

func nodeText(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return n.Value
	}
	var parts []string
	for _, c := range n.Content {
		parts = append(parts, nodeText(c))
	}
	return strings.Join(parts, " ")
}

// stripMajor drops a /vN major-version suffix from a module path.
func stripMajor(module string) string {
	if regexp.MustCompile(`^v[0-9]+$`).MatchString(path.Base(module)) && path.Dir(module) != "." {
		return path.Dir(module)
	}
	return module
}
