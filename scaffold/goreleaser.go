package scaffold

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// What svcship needs from a GoReleaser build: static, reproducible,
// stripped binaries stamped with the version, for Windows among others.
const (
	modTimestamp = "{{ .CommitTimestamp }}"
	cgoOff       = "CGO_ENABLED=0"
	trimpath     = "-trimpath"
)

var windowsArchs = []string{"amd64", "arm64", "386"}

// goreleaser returns the .goreleaser.yaml to write and, when an existing
// file was merged, one note per change.
func (p *Project) goreleaser(dir string) ([]byte, []string, error) {
	var existing string
	for _, n := range []string{".goreleaser.yaml", ".goreleaser.yml"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			existing = n
			break
		}
	}
	if existing == "" {
		return []byte(p.freshGoReleaser()), nil, nil
	}
	if existing != ".goreleaser.yaml" {
		return nil, nil, fmt.Errorf("svcship init: found %s; rename it to .goreleaser.yaml so svcship and GoReleaser read the same file", existing)
	}
	data, err := os.ReadFile(filepath.Join(dir, existing))
	if err != nil {
		return nil, nil, fmt.Errorf("svcship init: %w", err)
	}
	out, notes, err := mergeGoReleaser(data, p)
	if err != nil {
		return nil, nil, fmt.Errorf("svcship init: .goreleaser.yaml: %w", err)
	}
	return out, notes, nil
}

func (p *Project) freshGoReleaser() string {
	return fmt.Sprintf(`# GoReleaser builds the binaries; svcship adds Windows resources, zips,
# MSIs, signatures and checksums around it (go tool mage snapshot).
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

snapshot:
  version_template: "{{ incpatch .Version }}-SNAPSHOT-{{ .ShortCommit }}"
`, p.Name, p.Main, p.Binary, cgoOff, trimpath, modTimestamp)
}

// mergeGoReleaser edits the build that produces the shipped binary so it is
// static, trimmed, stamped and reproducible, and builds the Windows archs.
// Everything else, comments included, is kept.
func mergeGoReleaser(data []byte, p *Project) ([]byte, []string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, err
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil, errors.New("expected a mapping at the top level")
	}
	root := doc.Content[0]
	var notes []string
	if v := mapGet(root, "version"); v == nil {
		mapSet(root, "version", scalar("2", "!!int"), true)
		notes = append(notes, "added version: 2")
	} else if v.Value != "2" {
		return nil, nil, fmt.Errorf("version is %s; svcship needs a GoReleaser v2 config (version: 2)", v.Value)
	}
	builds := mapGet(root, "builds")
	if builds == nil || builds.Kind != yaml.SequenceNode || len(builds.Content) == 0 {
		return nil, nil, errors.New("has no builds; add one for your main package, or remove the file and let svcship init write one")
	}
	b := pickBuild(builds, p)
	id := p.Name
	if v := mapGet(b, "id"); v != nil {
		id = v.Value
	}
	note := func(format string, args ...any) {
		notes = append(notes, fmt.Sprintf("builds[%s]: ", id)+fmt.Sprintf(format, args...))
	}
	if added := ensureListItems(b, "env", cgoOff); added {
		note("env += %s (static binaries)", cgoOff)
	}
	if added := ensureListItems(b, "flags", trimpath); added {
		note("flags += %s (reproducible paths)", trimpath)
	}
	if v := mapGet(b, "mod_timestamp"); v == nil || v.Value != modTimestamp {
		mapSet(b, "mod_timestamp", scalar(modTimestamp, "!!str"), false)
		note("mod_timestamp = %q (reproducible mtimes)", modTimestamp)
	}
	if ld := mapGet(b, "ldflags"); ld == nil {
		mapSet(b, "ldflags", seq("-s -w -X main.version={{.Version}} -X main.commit={{.Commit}} -X main.date={{.CommitDate}}"), false)
		note("ldflags = stripped and stamped with version, commit and date")
	} else if !strings.Contains(nodeText(ld), "-s -w") {
		note("ldflags kept as they are; add -s -w for smaller binaries")
	}
	if goos := mapGet(b, "goos"); goos != nil {
		if ensureListItems(b, "goos", "windows") {
			note("goos += windows")
		}
	}
	if goarch := mapGet(b, "goarch"); goarch != nil {
		for _, a := range windowsArchs {
			if ensureListItems(b, "goarch", a) {
				note("goarch += %s (a Windows target)", a)
				if a == "386" {
					// 386 is wanted for Windows only.
					for _, goos := range []string{"linux", "darwin"} {
						if addIgnore(b, goos, a) {
							note("ignore += %s/%s", goos, a)
						}
					}
				}
			}
		}
	}
	if len(notes) == 0 {
		return data, nil, nil
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, nil, err
	}
	return out.Bytes(), notes, nil
}

// pickBuild prefers the build whose main or binary matches the project.
func pickBuild(builds *yaml.Node, p *Project) *yaml.Node {
	for _, b := range builds.Content {
		if v := mapGet(b, "main"); v != nil && normalizeMain(v.Value) == p.Main {
			return b
		}
		if v := mapGet(b, "binary"); v != nil && v.Value == p.Binary {
			return b
		}
	}
	return builds.Content[0]
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

func mapSet(m *yaml.Node, key string, v *yaml.Node, first bool) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	kv := []*yaml.Node{scalar(key, "!!str"), v}
	if first {
		m.Content = append(kv, m.Content...)
		return
	}
	m.Content = append(m.Content, kv...)
}

func scalar(v, tag string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Value: v, Tag: tag}
	if tag == "!!str" && strings.Contains(v, "{{") {
		n.Style = yaml.DoubleQuotedStyle
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

// ensureListItems adds item to the list at key (creating it); it reports
// whether anything changed.
func ensureListItems(m *yaml.Node, key, item string) bool {
	l := mapGet(m, key)
	if l == nil {
		mapSet(m, key, seq(item), false)
		return true
	}
	if l.Kind != yaml.SequenceNode {
		return false
	}
	for _, c := range l.Content {
		if c.Value == item {
			return false
		}
	}
	l.Content = append(l.Content, scalar(item, "!!str"))
	return true
}

func nodeText(n *yaml.Node) string {
	var parts []string
	if n.Kind == yaml.ScalarNode {
		return n.Value
	}
	for _, c := range n.Content {
		parts = append(parts, nodeText(c))
	}
	return strings.Join(parts, " ")
}

// addIgnore adds {goos, goarch} to the build's ignore list unless present.
func addIgnore(b *yaml.Node, goos, goarch string) bool {
	l := mapGet(b, "ignore")
	if l == nil {
		l = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		mapSet(b, "ignore", l, false)
	}
	if l.Kind != yaml.SequenceNode {
		return false
	}
	for _, c := range l.Content {
		if v, a := mapGet(c, "goos"), mapGet(c, "goarch"); v != nil && a != nil && v.Value == goos && a.Value == goarch {
			return false
		}
	}
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: yaml.FlowStyle}
	mapSet(m, "goos", scalar(goos, "!!str"), false)
	mapSet(m, "goarch", scalar(goarch, "!!str"), false)
	l.Content = append(l.Content, m)
	return true
}
