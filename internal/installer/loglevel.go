package installer

import (
	"bytes"
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/svcship/svcship/config"
)

// setLogLevel writes service.logs.level into the svcship.yaml at path,
// keeping the rest of the file (comments and order included). The runtime
// and the host read that file at every start, so the level applies at
// the next start without a reinstall. The result must still parse, or
// nothing is written.
func setLogLevel(env Env, path, level string) error {
	if _, err := config.ParseLogLevel(level); err != nil {
		return bad("--log-level: %v", err)
	}
	data, err := env.ReadFile(path)
	if err != nil {
		return bad("--log-level: read %s: %v", path, err)
	}
	out, err := withLogLevel(data, level)
	if err != nil {
		return bad("--log-level: %s: %v", path, err)
	}
	if _, err := config.Parse(path, out); err != nil {
		return fmt.Errorf("--log-level: the edited file would not be valid: %w", err)
	}
	if err := env.WriteFile(path, out); err != nil {
		return fmt.Errorf("--log-level: write %s: %w", path, err)
	}
	return nil
}

// withLogLevel returns the YAML document with service.logs.level set.
func withLogLevel(data []byte, level string) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("not a svcship.yaml mapping")
	}
	svc := mappingChild(doc.Content[0], "service")
	if svc == nil {
		return nil, fmt.Errorf("no service section")
	}
	logs := mappingChild(svc, "logs")
	if logs == nil {
		logs = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		svc.Content = append(svc.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "logs"}, logs)
	}
	if v := mappingChild(logs, "level"); v != nil {
		v.Kind, v.Tag, v.Value, v.Style = yaml.ScalarNode, "!!str", level, 0
	} else {
		logs.Content = append(logs.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "level"},
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: level})
	}
	return encodeYAML(&doc)
}

// encodeYAML writes an edited svcship.yaml back with the two-space indent
// svcship's files use (comments kept by the node tree).
func encodeYAML(doc *yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// mappingChild is the value of key in a mapping node (nil when absent or
// when n is not a mapping).
func mappingChild(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			if v := n.Content[i+1]; v.Kind == yaml.MappingNode || key == "level" || v.Tag == "!!null" {
				if v.Tag == "!!null" && key != "level" {
					v.Kind, v.Tag, v.Value = yaml.MappingNode, "!!map", ""
				}
				return v
			}
			return nil
		}
	}
	return nil
}

// applyLogLevelFlag handles install's and configure's --log-level: it
// edits svcship.yaml (--config, or the one beside the installer) before
// the settings are read.
func applyLogLevelFlag(env Env, cfgFlag, level string, dryRun bool) int {
	path := cfgFlag
	if path == "" {
		path = winJoin(env.Dir, config.FileName)
	}
	if dryRun {
		if _, err := config.ParseLogLevel(level); err != nil {
			return fail(env, bad("--log-level: %v", err))
		}
		fmt.Fprintf(env.Stdout, "would set service.logs.level to %s in %s\n", level, path)
		return ExitOK
	}
	if err := setLogLevel(env, path, level); err != nil {
		return fail(env, err)
	}
	fmt.Fprintf(env.Stdout, "service.logs.level is %s in %s; it applies at the next start ('svcship-installer restart')\n", level, path)
	return ExitOK
}
