package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Error is a problem in svcship.yaml. Its text names the file, the line,
// the key path and what was expected.
type Error struct {
	File string
	Line int    // 0 when the problem has no line (e.g. a missing file)
	Key  string // dotted path such as service.recovery.actions[1].delay
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Load reads, validates and completes the configuration at path. Relative
// paths inside it (icon, extra files) are resolved against its folder and
// must exist.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &Error{File: path, Msg: "file not found (svcship init writes one)"}
		}
		return nil, &Error{File: path, Msg: err.Error()}
	}
	c, lines, err := parse(path, data)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	// check: an existing file, relative to svcship.yaml or absolute.
	check := func(key, rel string) error {
		if rel == "" {
			return nil
		}
		if err := checkProjectFile(dir, rel, "the folder of "+filepath.Base(path), false); err != nil {
			return &Error{File: path, Line: lines[key], Key: key, Msg: fmt.Sprintf("%q %v", clipped(rel), err)}
		}
		return nil
	}
	if err := c.checkFiles(path, lines); err != nil {
		return nil, err
	}
	if sg := c.Signing; sg != nil {
		for _, k := range []struct{ key, path string }{{"signing.ca_file", sg.CAFile}, {"signing.cert", sg.Cert}} {
			if err := check(k.key, k.path); err != nil {
				return nil, err
			}
		}
	}
	c.dir = dir
	return c, nil
}

// Parse reads and validates svcship.yaml content; filename is used in
// messages only. File references are not checked (Load does that).
func Parse(filename string, data []byte) (*Config, error) {
	c, _, err := parse(filename, data)
	return c, err
}

func parse(filename string, data []byte) (*Config, map[string]int, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, yamlSyntaxError(filename, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, nil, &Error{File: filename, Msg: "file is empty (expected the keys product, service and packaging)"}
	}
	d := decoder{file: filename, lines: map[string]int{}}
	var c Config
	if err := d.decode(doc.Content[0], reflect.ValueOf(&c).Elem(), ""); err != nil {
		return nil, nil, err
	}
	if err := c.validate(d.errAt); err != nil {
		return nil, nil, err
	}
	c.applyDefaults()
	return &c, d.lines, nil
}

// yamlSyntaxError turns "yaml: line 3: mapping values are not allowed" into
// "svcship.yaml:3: mapping values are not allowed (not valid YAML)".
func yamlSyntaxError(file string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if strings.HasPrefix(msg, "line ") {
		rest := msg[len("line "):]
		if i := strings.IndexByte(rest, ':'); i > 0 {
			if n, convErr := strconv.Atoi(rest[:i]); convErr == nil {
				line = n
				msg = strings.TrimSpace(rest[i+1:])
			}
		}
	}
	return &Error{File: file, Line: line, Msg: msg + " (not valid YAML)"}
}

// decoder maps YAML nodes onto the typed structs by reflection, so that
// every problem can name its key path and line.
type decoder struct {
	file  string
	lines map[string]int // key path -> line, for validation messages
}

// errAt and fail quote values with clipArgs: a string argument printed
// with %q shows at most a short prefix.
func (d *decoder) errAt(key, format string, args ...any) error {
	return &Error{File: d.file, Line: d.lines[key], Key: key, Msg: fmt.Sprintf(format, clipArgs(args)...)}
}

func (d *decoder) fail(n *yaml.Node, key, format string, args ...any) error {
	return &Error{File: d.file, Line: n.Line, Key: key, Msg: fmt.Sprintf(format, clipArgs(args)...)}
}

var (
	durationType = reflect.TypeOf(Duration(0))
	sizeType     = reflect.TypeOf(Size(0))
)

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	if n.Tag == "!!null" {
		return "nothing"
	}
	return fmt.Sprintf("%q", clipped(n.Value))
}

func (d *decoder) decode(n *yaml.Node, v reflect.Value, key string) error {
	if key != "" {
		d.lines[key] = n.Line
	}
	if n.Kind == yaml.AliasNode {
		return d.fail(n, key, "YAML aliases are not supported here; write the value out")
	}
	switch {
	case v.Type() == durationType:
		if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
			return d.fail(n, key, "got %s, expected a duration such as 5s, 1m30s or 24h", kindName(n))
		}
		dur, err := time.ParseDuration(n.Value)
		if err != nil {
			return d.fail(n, key, "%q is not a duration (expected e.g. 5s, 1m30s or 24h)", n.Value)
		}
		if dur < 0 {
			return d.fail(n, key, "%q is negative (expected a duration of 0s or more)", n.Value)
		}
		v.SetInt(int64(dur))
		return nil
	case v.Type() == sizeType:
		if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
			return d.fail(n, key, "got %s, expected a size such as 10MB or 512KiB", kindName(n))
		}
		sz, err := parseSize(n.Value)
		if err != nil {
			return d.fail(n, key, "%v", err)
		}
		v.SetInt(sz)
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer:
		if n.Tag == "!!null" {
			return nil
		}
		p := reflect.New(v.Type().Elem())
		if err := d.decode(n, p.Elem(), key); err != nil {
			return err
		}
		v.Set(p)
		return nil
	case reflect.Struct:
		return d.decodeStruct(n, v, key)
	case reflect.Slice:
		if n.Tag == "!!null" {
			return nil
		}
		if n.Kind != yaml.SequenceNode {
			return d.fail(n, key, "got %s, expected a list", kindName(n))
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			if err := d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", key, i)); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	case reflect.Map:
		if n.Tag == "!!null" {
			return nil
		}
		if n.Kind != yaml.MappingNode {
			return d.fail(n, key, "got %s, expected a mapping of names to values", kindName(n))
		}
		m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			sub := key + "." + k.Value
			if m.MapIndex(reflect.ValueOf(k.Value)).IsValid() {
				return d.fail(k, sub, "appears twice")
			}
			e := reflect.New(v.Type().Elem()).Elem()
			if err := d.decode(val, e, sub); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(k.Value), e)
		}
		v.Set(m)
		return nil
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			return d.fail(n, key, "got %s, expected a string", kindName(n))
		}
		if n.Tag == "!!null" {
			return nil
		}
		v.SetString(n.Value)
		return nil
	case reflect.Int, reflect.Int64:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			return d.fail(n, key, "got %s, expected a whole number", kindName(n))
		}
		i, err := strconv.ParseInt(n.Value, 0, 64)
		if err != nil {
			return d.fail(n, key, "%q is not a whole number", n.Value)
		}
		v.SetInt(i)
		return nil
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			return d.fail(n, key, "got %s, expected true or false", kindName(n))
		}
		b, _ := strconv.ParseBool(strings.ToLower(n.Value))
		v.SetBool(b)
		return nil
	}
	return d.fail(n, key, "internal: unsupported field type %s", v.Type())
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, key string) error {
	t := v.Type()
	var names []string
	fields := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("yaml")
		if tag == "" || tag == "-" {
			continue
		}
		fields[tag] = i
		names = append(names, tag)
	}
	if n.Tag == "!!null" {
		n = &yaml.Node{Kind: yaml.MappingNode, Line: n.Line}
	}
	if n.Kind != yaml.MappingNode {
		return d.fail(n, key, "got %s, expected a mapping with the keys %s", kindName(n), strings.Join(names, ", "))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		sub := join(key, k.Value)
		idx, ok := fields[k.Value]
		if !ok {
			sorted := append([]string(nil), names...)
			sort.Strings(sorted)
			return d.fail(k, sub, "unknown key (expected one of %s)", strings.Join(sorted, ", "))
		}
		if seen[k.Value] {
			return d.fail(k, sub, "appears twice")
		}
		seen[k.Value] = true
		if err := d.decode(val, v.Field(idx), sub); err != nil {
			return err
		}
	}
	for _, name := range names {
		f, _ := t.FieldByName(t.Field(fields[name]).Name)
		if f.Tag.Get("required") == "true" && !seen[name] {
			what := key
			if what == "" {
				what = "the top level"
			}
			return d.fail(n, join(key, name), "is required (missing in %s)", what)
		}
	}
	return nil
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// parseSize reads 10MB, 512KiB, 1GB or a plain byte count. Decimal and
// binary suffixes both mean powers of 1024, as log sizes usually do.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	upper := strings.ToUpper(t)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(upper, u.suffix) {
			mult = u.mult
			t = strings.TrimSpace(t[:len(t)-len(u.suffix)])
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a size (expected e.g. 10MB, 512KiB or a number of bytes above 0)", clipped(s))
	}
	return n * mult, nil
}
