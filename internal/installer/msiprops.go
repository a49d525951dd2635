package installer

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/winargs"
)

// Public MSI properties a deployment tool may pass
// (msiexec /i x.msi SERVICE_START=manual ...). The MSI hands them to
// configure as --msi-property NAME=VALUE; configure writes them into the
// installed svcship.yaml, so they are saved with it on the next removal
// and survive an upgrade unless passed again.
var msiPropertyKeys = []struct{ name, key string }{
	{"SERVICE_ACCOUNT", "account"},
	{"SERVICE_START", "start"},
	{"SERVICE_ARGUMENTS", "arguments"},
}

// msiOverride is one service key to write: a scalar, or for arguments a
// list.
type msiOverride struct {
	prop, key string
	value     string
	list      []string
}

// parseMSIProperties checks every --msi-property before anything is
// written. An empty value means the property was not passed.
func parseMSIProperties(props []string) ([]msiOverride, error) {
	var out []msiOverride
	seen := map[string]bool{}
	for _, kv := range props {
		name, value, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, bad("--msi-property %q is not NAME=VALUE", kv)
		}
		key := ""
		for _, k := range msiPropertyKeys {
			if k.name == name {
				key = k.key
			}
		}
		if key == "" {
			return nil, bad("--msi-property %s: unknown property (expected SERVICE_ACCOUNT, SERVICE_START or SERVICE_ARGUMENTS)", name)
		}
		if seen[name] {
			return nil, bad("--msi-property %s is given twice", name)
		}
		seen[name] = true
		if value == "" {
			continue
		}
		o := msiOverride{prop: name, key: key, value: value}
		switch name {
		case "SERVICE_ACCOUNT":
			if _, err := accountKind(value); err != nil {
				return nil, bad("SERVICE_ACCOUNT: %v", err)
			}
		case "SERVICE_START":
			if _, err := startMode(config.StartType(value)); err != nil {
				return nil, bad("SERVICE_START: %v", err)
			}
		case "SERVICE_ARGUMENTS":
			// A Windows command line, split as the program will see it.
			o.list = winargs.Split(value)
			if o.list == nil {
				o.list = []string{}
			}
		}
		out = append(out, o)
	}
	return out, nil
}

// applyMSIProperties writes the overrides into svcship.yaml at path,
// keeping its comments and layout as far as YAML allows, after checking
// that the result is still a valid svcship.yaml.
func applyMSIProperties(env Env, path string, overrides []msiOverride, dryRun bool) error {
	data, err := env.ReadFile(path)
	if err != nil {
		return bad("--msi-property: read %s: %v", path, err)
	}
	out, err := setServiceKeys(data, overrides)
	if err != nil {
		return bad("--msi-property: %s: %v", path, err)
	}
	if _, err := config.Parse(path, out); err != nil {
		return bad("--msi-property: the values make %s invalid: %v", path, err)
	}
	var names []string
	for _, o := range overrides {
		names = append(names, o.prop+" -> service."+o.key)
	}
	if dryRun {
		fmt.Fprintf(env.Stdout, "would write %s into %s\n", strings.Join(names, ", "), path)
		return nil
	}
	if err := env.WriteFile(path, out); err != nil {
		return fmt.Errorf("--msi-property: write %s: %w", path, err)
	}
	fmt.Fprintf(env.Stdout, "wrote %s into %s\n", strings.Join(names, ", "), path)
	return nil
}

// setServiceKeys edits the service mapping of a svcship.yaml document
// node by node, so comments stay.
func setServiceKeys(data []byte, overrides []msiOverride) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("expected a mapping at the top")
	}
	svc := mappingValue(doc.Content[0], "service")
	if svc == nil || svc.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("no service section")
	}
	for _, o := range overrides {
		n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: o.value}
		if o.list != nil {
			n = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
			for _, a := range o.list {
				n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: a})
			}
		}
		if old := mappingValue(svc, o.key); old != nil {
			// Keep the comments around the old value.
			n.HeadComment, n.LineComment, n.FootComment = old.HeadComment, old.LineComment, old.FootComment
			*old = *n
			continue
		}
		svc.Content = append(svc.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: o.key}, n)
	}
	return encodeYAML(&doc)
}

func mappingValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
