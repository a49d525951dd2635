package scaffold

import (
	"bytes"
	"errors"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// encodeKeepingLayout encodes doc (orig with svcship's additions) and puts
// back what yaml.v3 does not keep of the author's layout: blank lines and
// folded (>) scalars as they were written (yaml.v3 also drops a folded
// scalar's leading line break). The result must decode to exactly what doc
// holds; if it does not, the plain encoding is used when that one does.
func encodeKeepingLayout(orig []byte, doc *yaml.Node) ([]byte, error) {
	var want any
	if err := doc.Decode(&want); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	plain := b.Bytes()
	same := func(data []byte) bool {
		var got any
		return yaml.Unmarshal(data, &got) == nil && reflect.DeepEqual(got, want)
	}
	var origDoc yaml.Node
	if yaml.Unmarshal(orig, &origDoc) != nil {
		return plain, nil
	}
	out := restoreFolded(strings.Split(string(orig), "\n"), &origDoc, strings.Split(string(plain), "\n"))
	out = restoreBlankLines(strings.Split(string(orig), "\n"), out)
	kept := []byte(strings.Join(out, "\n"))
	switch {
	case same(kept):
		return kept, nil
	case same(plain):
		return plain, nil
	}
	return nil, errors.New("cannot write the edited YAML back without changing what it means")
}

func indentOf(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }

// blockEnd is the index after the last content line of a block scalar
// whose indicator is on line i (0-based), nested deeper than indent.
func blockEnd(lines []string, i, indent int) int {
	j := i + 1
	last := i
	for ; j < len(lines); j++ {
		if strings.TrimSpace(lines[j]) == "" {
			continue
		}
		if indentOf(lines[j]) <= indent {
			break
		}
		last = j
	}
	return last + 1
}

// restoreFolded replaces each folded scalar of out with its original
// lines (re-indented to out's indentation).
func restoreFolded(orig []string, origDoc *yaml.Node, out []string) []string {
	type block struct {
		key  string   // "key:"
		head string   // the original key line, trimmed
		body []string // original content lines
		ind  int      // original indentation of the key line
	}
	var blocks []block
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if v.Kind == yaml.ScalarNode && v.Style&yaml.FoldedStyle != 0 && v.Line >= 1 && v.Line <= len(orig) {
					li := v.Line - 1
					end := blockEnd(orig, li, indentOf(orig[li]))
					blocks = append(blocks, block{key: k.Value + ":", head: strings.TrimSpace(orig[li]), body: orig[li+1 : end], ind: indentOf(orig[li])})
				}
				walk(v)
			}
			return
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(origDoc)
	res := out
	from := 0
	for _, bl := range blocks {
		for i := from; i < len(res); i++ {
			t := strings.TrimSpace(res[i])
			if !strings.HasPrefix(t, bl.key) || !strings.Contains(t, ">") {
				continue
			}
			head := strings.TrimLeft(strings.TrimPrefix(t, "- "), " ")
			if !strings.HasPrefix(head, bl.key) {
				continue
			}
			ind := indentOf(res[i])
			if strings.HasPrefix(t, "- ") {
				ind += 2
			}
			end := blockEnd(res, i, ind)
			origHead := bl.head
			shift := ind - bl.ind
			body := make([]string, len(bl.body))
			for j, l := range bl.body {
				body[j] = reindent(l, shift)
			}
			line := res[i][:len(res[i])-len(strings.TrimLeft(res[i], " "))]
			if strings.HasPrefix(t, "- ") {
				line += "- "
			}
			nl := append([]string{}, res[:i]...)
			nl = append(nl, line+strings.TrimPrefix(origHead, "- "))
			nl = append(nl, body...)
			nl = append(nl, res[end:]...)
			res = nl
			from = i + 1 + len(body)
			break
		}
	}
	return res
}

func reindent(l string, shift int) string {
	if strings.TrimSpace(l) == "" {
		return ""
	}
	if shift >= 0 {
		return strings.Repeat(" ", shift) + l
	}
	if indentOf(l) >= -shift {
		return l[-shift:]
	}
	return strings.TrimLeft(l, " ")
}

// restoreBlankLines puts back the original's blank lines: before a line
// that followed one in the original (matched in order), when the line
// before it is unchanged too, or it starts a top-level entry or a list
// item.
func restoreBlankLines(orig, out []string) []string {
	// Does the author separate top-level entries by blank lines? Then new
	// top-level entries get one too.
	sections := false
	for j := 1; j < len(orig); j++ {
		if orig[j] != "" && indentOf(orig[j]) == 0 && !strings.HasPrefix(orig[j], "#") && strings.TrimSpace(orig[j-1]) == "" {
			sections = true
		}
	}
	inOrig := map[string]bool{}
	for _, l := range orig {
		inOrig[l] = true
	}
	var res []string
	oi := 0
	for i, l := range out {
		if sections && i > 0 && l != "" && indentOf(l) == 0 && strings.TrimSpace(out[i-1]) != "" {
			prev := out[i-1]
			newKey := !inOrig[l] && !strings.HasPrefix(l, "#") && !strings.HasPrefix(prev, "#")
			if indentOf(prev) > 0 || newKey {
				res = append(res, "")
			}
		}
		if strings.TrimSpace(l) != "" {
			// Find this line in the original from where we are.
			for j := oi; j < len(orig); j++ {
				if orig[j] != l {
					continue
				}
				blank := j > 0 && strings.TrimSpace(orig[j-1]) == ""
				if blank && i > 0 && strings.TrimSpace(out[i-1]) != "" && (len(res) == 0 || res[len(res)-1] != "") {
					prev := ""
					for k := j - 1; k >= 0; k-- {
						if strings.TrimSpace(orig[k]) != "" {
							prev = orig[k]
							break
						}
					}
					if out[i-1] == prev || indentOf(l) == 0 || strings.HasPrefix(strings.TrimSpace(l), "- ") {
						res = append(res, "")
					}
				}
				oi = j + 1
				break
			}
		}
		res = append(res, l)
	}
	return res
}
