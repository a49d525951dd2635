package msi

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/svcship/svcship/msi/cab"
)

// The Writer checks a database before it writes it, with the internal
// consistency evaluators (ICEs) Windows Installer's own validation runs
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice-reference),
// re-implemented from their documentation for what installer databases of
// services contain, plus a check of the summary information (ICE39) and of
// each embedded cabinet against the File table (CABINET). Each rule below
// names the page it follows.

// Severity is how bad a finding is.
type Severity uint8

const (
	// SeverityInfo is informational only (ICE01).
	SeverityInfo Severity = iota
	// SeverityWarning is reported but does not stop the build.
	SeverityWarning
	// SeverityError fails Close: the database is not written.
	SeverityError
)

func (s Severity) String() string {
	switch s {
	case SeverityInfo:
		return "info"
	case SeverityWarning:
		return "warning"
	}
	return "error"
}

// Finding is one result of validation.
type Finding struct {
	Rule     string // "ICE03", "ICE61", "ICE39" (summary), "CABINET"
	Severity Severity
	Table    string // "" for the summary information
	Row      string // the row's primary key, parts joined with "/"
	Column   string // when one column is at fault
	Message  string
}

func (f Finding) String() string {
	var where string
	switch {
	case f.Table == "":
		where = "summary information"
	case f.Row == "":
		where = "table " + f.Table
	default:
		where = fmt.Sprintf("table %s, row %s", f.Table, f.Row)
	}
	if f.Column != "" {
		where += ", column " + f.Column
	}
	return fmt.Sprintf("%s %s: %s: %s", f.Rule, f.Severity, where, f.Message)
}

// ValidationError is returned by Close when validation found errors.
type ValidationError struct {
	Findings []Finding // the error-level findings
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "msi: validation failed with %d error(s):", len(e.Findings))
	for _, f := range e.Findings {
		b.WriteString("\n  " + f.String())
	}
	return b.String()
}

// ValidationOptions controls the checks Close runs.
type ValidationOptions struct {
	// Disabled skips validation entirely (for databases that are not
	// installer packages, such as test fixtures of the file format).
	Disabled bool
	// Suppress lists rules whose warnings are not reported, e.g. "ICE61".
	// Errors cannot be suppressed.
	Suppress []string
}

// SetValidation sets the checks Close runs; by default every rule runs.
func (w *Writer) SetValidation(o ValidationOptions) {
	w.validation = ValidationOptions{Disabled: o.Disabled, Suppress: slices.Clone(o.Suppress)}
}

// Findings returns the warnings the last Close reported (suppressed ones
// left out), in rule order.
func (w *Writer) Findings() []Finding { return slices.Clone(w.findings) }

// vtable is a table as validation sees it: schema and rows of Go values
// (string, int32/int, []byte or nil).
type vtable struct {
	schema Table
	rows   [][]any
}

// vdb is the database under validation.
type vdb struct {
	tables  map[string]*vtable
	streams map[string][]byte // non-table streams by name
	summary *SummaryInfo
	out     []Finding
	std     map[string]Table          // the standard schemas, built once per run
	index   map[string]map[string]rec // table -> first key column -> row, built on first use
}

// Validate runs the rules on a database read back with Open and returns
// every finding (errors, warnings and ICE01's info), suppressed warnings
// left out.
func Validate(r *Reader, o ValidationOptions) ([]Finding, error) {
	d := &vdb{tables: map[string]*vtable{}, streams: map[string][]byte{}}
	for _, n := range r.Tables() {
		s, err := r.Schema(n)
		if err != nil {
			return nil, err
		}
		rows, err := r.Rows(n)
		if err != nil {
			return nil, err
		}
		d.tables[n] = &vtable{schema: s, rows: rows}
	}
	for _, n := range r.Streams() {
		if strings.Contains(n, ".") && d.tables[strings.SplitN(n, ".", 2)[0]] != nil {
			continue
		}
		b, err := r.Stream(n)
		if err != nil {
			return nil, err
		}
		d.streams[n] = b
	}
	if s, err := r.Summary(); err == nil {
		d.summary = &s
	}
	d.run()
	return d.filter(o), nil
}

func (d *vdb) filter(o ValidationOptions) []Finding {
	var out []Finding
	for _, f := range d.out {
		if f.Severity == SeverityWarning && slices.Contains(o.Suppress, f.Rule) {
			continue
		}
		out = append(out, f)
	}
	return out
}

// validate runs the rules on the Writer's content; it returns the
// warnings, or a *ValidationError.
func (w *Writer) validate() ([]Finding, error) {
	d := &vdb{tables: map[string]*vtable{}, streams: map[string][]byte{}, summary: w.summary}
	for n, t := range w.tables {
		d.tables[n] = &vtable{schema: t.schema, rows: t.rows}
	}
	for i, s := range w.streams {
		name, _ := DecodeStreamName(s.enc)
		if s.r != nil {
			// A cabinet given as a reader is read here, so that it can
			// be checked against the File table, and written from memory.
			b := make([]byte, s.size)
			if _, err := io.ReadFull(s.r, b); err != nil {
				return nil, fmt.Errorf("msi: stream %q: %w", name, err)
			}
			w.streams[i] = &wstream{enc: s.enc, data: b, size: s.size}
			s = w.streams[i]
		}
		d.streams[name] = s.data
	}
	d.run()
	var warnings []Finding
	var errs []Finding
	for _, f := range d.filter(w.validation) {
		switch f.Severity {
		case SeverityError:
			errs = append(errs, f)
		case SeverityWarning:
			warnings = append(warnings, f)
		}
	}
	if len(errs) > 0 {
		return warnings, &ValidationError{Findings: errs}
	}
	return warnings, nil
}

func (d *vdb) run() {
	d.std = map[string]Table{}
	for _, t := range standardTables() {
		d.std[t.Name] = t
	}
	for _, rule := range rules {
		rule.check(d, rule.name)
	}
}

type rule struct {
	name  string
	check func(d *vdb, name string)
}

// rules in the order they run (and their findings are listed).
var rules = []rule{
	{"ICE01", ice01}, {"ICE02", ice02}, {"ICE03", ice03}, {"ICE04", ice04}, {"ICE05", ice05},
	{"ICE06", ice06}, {"ICE07", ice07}, {"ICE08", ice08}, {"ICE09", ice09}, {"ICE12", ice12},
	{"ICE18", ice18}, {"ICE21", ice21}, {"ICE24", ice24}, {"ICE27", ice27}, {"ICE30", ice30},
	{"ICE38", ice38}, {"ICE39", ice39}, {"ICE43", ice43}, {"ICE45", ice45}, {"ICE57", ice57},
	{"ICE60", ice60}, {"ICE61", ice61}, {"ICE63", ice63}, {"ICE64", ice64}, {"ICE67", ice67},
	{"ICE68", ice68}, {"ICE77", ice77}, {"ICE80", ice80}, {"ICE82", ice82}, {"ICE83", ice83},
	{"ICE90", ice90}, {"ICE99", ice99}, {"ICE105", ice105}, {"CABINET", checkCabinet},
}

// RuleNames lists the rules Close runs, in order.
func RuleNames() []string {
	out := make([]string, len(rules))
	for i, r := range rules {
		out[i] = r.name
	}
	return out
}

// --- access helpers ---

func (d *vdb) add(rule string, sev Severity, table, row, column, format string, args ...any) {
	d.out = append(d.out, Finding{Rule: rule, Severity: sev, Table: table, Row: row, Column: column, Message: fmt.Sprintf(format, args...)})
}

// rec is one row with named access.
type rec struct {
	t   *vtable
	row []any
}

func (r rec) get(col string) any {
	for i, c := range r.t.schema.Columns {
		if c.Name == col {
			return r.row[i]
		}
	}
	return nil
}

func (r rec) str(col string) string { s, _ := r.get(col).(string); return s }

func (r rec) num(col string) (int64, bool) { return toInt(r.get(col)) }

func (r rec) has(col string) bool { return r.get(col) != nil }

// key is the row's primary key for messages.
func (r rec) key() string {
	var parts []string
	for i, c := range r.t.schema.Columns {
		if !c.Key {
			break
		}
		if r.row[i] == nil {
			parts = append(parts, "")
		} else {
			parts = append(parts, fmt.Sprint(r.row[i]))
		}
	}
	return strings.Join(parts, "/")
}

func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int32:
		return int64(x), true
	case int:
		return int64(x), true
	case int64:
		return x, true
	}
	return 0, false
}

func (d *vdb) recs(table string) []rec {
	t := d.tables[table]
	if t == nil {
		return nil
	}
	out := make([]rec, len(t.rows))
	for i, r := range t.rows {
		out[i] = rec{t, r}
	}
	return out
}

// find returns the (first) row of table whose first key column is key.
func (d *vdb) find(table, key string) (rec, bool) {
	if d.index == nil {
		d.index = map[string]map[string]rec{}
	}
	m, ok := d.index[table]
	if !ok {
		m = map[string]rec{}
		rs := d.recs(table)
		for i := len(rs) - 1; i >= 0; i-- {
			if s, ok := rs[i].row[0].(string); ok {
				m[s] = rs[i]
			}
		}
		d.index[table] = m
	}
	r, ok := m[key]
	return r, ok
}

func (d *vdb) property(name string) (string, bool) {
	r, ok := d.find("Property", name)
	if !ok {
		return "", false
	}
	return r.str("Value"), true
}

// sequence returns action -> sequence number of a sequence table
// (negative numbers and NULL are special actions, left out).
func (d *vdb) sequence(table string) map[string]int64 {
	m := map[string]int64{}
	for _, r := range d.recs(table) {
		if n, ok := r.num("Sequence"); ok && n > 0 {
			m[r.str("Action")] = n
		}
	}
	return m
}

var sequenceTables = []string{"InstallExecuteSequence", "InstallUISequence", "AdminExecuteSequence", "AdminUISequence", "AdvtExecuteSequence"}
var executeTables = []string{"InstallExecuteSequence", "AdminExecuteSequence", "AdvtExecuteSequence"}

// dirChain returns the directory ids from dir up to the root.
func (d *vdb) dirChain(dir string) []string {
	var out []string
	for range 64 {
		out = append(out, dir)
		r, ok := d.find("Directory", dir)
		if !ok {
			break
		}
		p := r.str("Directory_Parent")
		if p == "" || p == dir {
			break
		}
		dir = p
	}
	return out
}

// Folders in the user's profile
// (https://learn.microsoft.com/en-us/windows/win32/msi/property-reference#system-folder-properties).
var profileFolders = []string{"AppDataFolder", "LocalAppDataFolder", "DesktopFolder", "FavoritesFolder", "NetHoodFolder",
	"PersonalFolder", "MyPicturesFolder", "PrintHoodFolder", "ProgramMenuFolder", "RecentFolder", "SendToFolder",
	"StartMenuFolder", "StartupFolder", "TemplateFolder"}

func (d *vdb) inProfile(dir string) bool {
	for _, id := range d.dirChain(dir) {
		if slices.Contains(profileFolders, id) {
			return true
		}
	}
	return false
}

// perMachine: ALLUSERS=1 makes -1 (HKMU) roots and shell folders per
// machine.
func (d *vdb) perMachine() bool {
	v, _ := d.property("ALLUSERS")
	return v == "1"
}

// --- value grammars ---

func isGUID(s string) bool {
	if len(s) != 38 || s[0] != '{' || s[37] != '}' {
		return false
	}
	for i, c := range s[1:37] {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// isVersion: up to four dot-separated fields of at most 65535
// (https://learn.microsoft.com/en-us/windows/win32/msi/version).
func isVersion(s string) bool {
	f := strings.Split(s, ".")
	if len(f) < 1 || len(f) > 4 {
		return false
	}
	for _, x := range f {
		n, err := strconv.Atoi(x)
		if err != nil || n < 0 || n > 65535 || strings.HasPrefix(x, "+") {
			return false
		}
	}
	return true
}

// parseProductVersion accepts major.minor.build[.x], major and minor up to
// 255, build up to 65535
// (https://learn.microsoft.com/en-us/windows/win32/msi/productversion).
func parseProductVersion(s string) ([3]int, bool) {
	var v [3]int
	f := strings.Split(s, ".")
	if len(f) < 2 || len(f) > 4 {
		return v, false
	}
	lim := []int{255, 255, 65535, 65535}
	for i, x := range f {
		n, err := strconv.Atoi(x)
		if err != nil || n < 0 || n > lim[i] {
			return v, false
		}
		if i < 3 {
			v[i] = n
		}
	}
	return v, true
}

func cmpVersion(a, b [3]int) int { return slices.Compare(a[:], b[:]) }

func isLanguage(s string) bool {
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 65535 {
			return false
		}
	}
	return true
}

// Filename: a short name, or short|long
// (https://learn.microsoft.com/en-us/windows/win32/msi/filename).
func isFilename(s string, wild bool) bool {
	short, long, two := strings.Cut(s, "|")
	if !isShortName(short, wild) {
		return false
	}
	return !two || isLongName(long, wild)
}

func isShortName(s string, wild bool) bool {
	if s == "." {
		return true
	}
	base, ext, dot := strings.Cut(s, ".")
	if base == "" || len(base) > 8 || (dot && (len(ext) > 3 || strings.Contains(ext, "."))) {
		return false
	}
	bad := `\?|><:/*"+,;=[] `
	if wild {
		bad = `\|><:/"+,;=[] `
	}
	return !strings.ContainsAny(s, bad) && !hasControl(s)
}

func isLongName(s string, wild bool) bool {
	if s == "." {
		return true
	}
	bad := `\?|><:/*"`
	if wild {
		bad = `\|><:/"`
	}
	return s != "" && len(s) <= 255 && strings.TrimRight(s, " .") != "" && !strings.ContainsAny(s, bad) && !hasControl(s)
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 {
			return true
		}
	}
	return false
}

// isDefaultDir: [target[:source]] where each is a Filename, or "."
// (https://learn.microsoft.com/en-us/windows/win32/msi/defaultdir).
func isDefaultDir(s string) bool {
	target, source, two := strings.Cut(s, ":")
	ok := func(x string) bool {
		short, long, two := strings.Cut(x, "|")
		if !two {
			return isLongName(x, false) // e.g. SourceDir, "."
		}
		return isShortName(short, false) && isLongName(long, false)
	}
	return ok(target) && (!two || ok(source))
}

// Formatted text: brackets and braces balanced
// (https://learn.microsoft.com/en-us/windows/win32/msi/formatted).
func isFormatted(s string) bool {
	depthSq, depthCurly := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			if i+3 < len(s) && s[i+1] == '\\' && s[i+3] == ']' {
				i += 3 // [\x]: an escaped character
				continue
			}
			depthSq++
		case ']':
			if depthSq == 0 {
				return false
			}
			depthSq--
		case '{':
			depthCurly++
		case '}':
			if depthCurly == 0 {
				return false
			}
			depthCurly--
		}
	}
	return depthSq == 0 && depthCurly == 0
}

// isCondition checks the parts of the condition grammar that break it:
// balanced parentheses and terminated string literals
// (https://learn.microsoft.com/en-us/windows/win32/msi/conditional-statement-syntax).
func isCondition(s string) bool {
	depth := 0
	inStr := false
	for _, c := range s {
		switch {
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0 && !inStr
}

// isSDDL checks Security Descriptor String Format: components O:, G:, D:,
// S:, ACE strings in balanced parentheses with six ';'-separated fields
// (https://learn.microsoft.com/en-us/windows/win32/secauthz/security-descriptor-string-format).
func isSDDL(s string) bool {
	seen := ""
	i := 0
	for i < len(s) {
		if i+1 >= len(s) || s[i+1] != ':' || !strings.ContainsRune("OGDS", rune(s[i])) || strings.ContainsRune(seen, rune(s[i])) {
			return false
		}
		c := s[i]
		seen += string(c)
		i += 2
		if c == 'O' || c == 'G' {
			j := i
			for j < len(s) && !(j+1 < len(s) && s[j+1] == ':') {
				j++
			}
			if j == i {
				return false // no SID
			}
			i = j
			continue
		}
		for i < len(s) && s[i] != '(' && !(i+1 < len(s) && s[i+1] == ':') {
			if !strings.ContainsRune("PAIRNO_CES", rune(s[i])) {
				return false // control flags are P, AI, AR, NO_ACCESS_CONTROL
			}
			i++
		}
		for i < len(s) && s[i] == '(' {
			end := strings.IndexByte(s[i:], ')')
			if end < 0 || strings.Count(s[i:i+end], ";") != 5 {
				return false // ace_type;ace_flags;rights;object_guid;inherit_object_guid;account_sid
			}
			i += end + 1
		}
	}
	return seen != ""
}

// checkCategory validates a value against a _Validation category.
func checkCategory(d *vdb, cat, keyTable string, v string) bool {
	switch cat {
	case "Identifier", "CustomSource":
		return validIdentifier(v)
	case "UpperCase":
		return v == strings.ToUpper(v)
	case "LowerCase":
		return v == strings.ToLower(v)
	case "Guid":
		return isGUID(v)
	case "Version":
		if isVersion(v) {
			return true
		}
		// A companion file: the key of another File row.
		_, ok := d.find("File", v)
		return ok
	case "Language":
		return isLanguage(v)
	case "Filename":
		return isFilename(v, false)
	case "WildCardFilename":
		return isFilename(v, true)
	case "DefaultDir":
		return isDefaultDir(v)
	case "Formatted", "Template", "Shortcut":
		return isFormatted(v)
	case "FormattedSDDLText":
		return isFormatted(v) && isSDDL(v)
	case "Condition":
		return isCondition(v)
	case "RegPath":
		return !strings.HasPrefix(v, `\`) && isFormatted(v)
	case "Property":
		return validIdentifier(strings.TrimPrefix(v, "%"))
	case "Cabinet":
		if name, ok := strings.CutPrefix(v, "#"); ok {
			return name != ""
		}
		return isFilename(v, false)
	case "Path", "Paths", "AnyPath":
		return !hasControl(v)
	case "Text", "Binary", "":
		return true
	}
	return true
}

// --- the rules ---

// ICE01 is the test of the ICE mechanism: it always posts an information
// message (https://learn.microsoft.com/en-us/windows/win32/msi/ice01).
func ice01(d *vdb, n string) {
	d.add(n, SeverityInfo, "", "", "", "validation ran (%d tables)", len(d.tables))
}

// ICE02: a component's key path file (or registry row) must belong to that
// component (https://learn.microsoft.com/en-us/windows/win32/msi/ice02).
func ice02(d *vdb, n string) {
	for _, c := range d.recs("Component") {
		kp := c.str("KeyPath")
		if kp == "" {
			continue
		}
		attr, _ := c.num("Attributes")
		table := "File"
		switch {
		case attr&0x20 != 0:
			continue // ODBC data source key path
		case attr&0x4 != 0:
			table = "Registry"
		}
		r, ok := d.find(table, kp)
		if !ok {
			d.add(n, SeverityError, "Component", c.key(), "KeyPath", "key path %q is not in the %s table", kp, table)
			continue
		}
		if r.str("Component_") != c.str("Component") {
			d.add(n, SeverityError, "Component", c.key(), "KeyPath", "key path %s %q belongs to component %q, not to this one", table, kp, r.str("Component_"))
		}
	}
}

// ICE03: every value matches its column's _Validation entry: nullability,
// range, set, category, foreign key
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice03). The
// _Validation rows of the database are used when it has them, else the
// validation data of the standard schemas (as ICE's .cub file does).
func ice03(d *vdb, n string) {
	type vinfo struct {
		nullable           bool
		min, max           *int64
		keyTable, cat, set string
		keyCol             int64
	}
	val := map[[2]string]vinfo{}
	has := map[string]bool{}
	if vt := d.tables["_Validation"]; vt != nil {
		for _, r := range d.recs("_Validation") {
			vi := vinfo{nullable: r.str("Nullable") == "Y", keyTable: r.str("KeyTable"), cat: r.str("Category"), set: r.str("Set")}
			if x, ok := r.num("MinValue"); ok {
				vi.min = &x
			}
			if x, ok := r.num("MaxValue"); ok {
				vi.max = &x
			}
			vi.keyCol, _ = r.num("KeyColumn")
			val[[2]string{r.str("Table"), r.str("Column")}] = vi
			has[r.str("Table")] = true
		}
	} else {
		for name := range d.tables {
			st, ok := d.std[name]
			if !ok {
				continue
			}
			types, err := st.validate()
			if err != nil {
				continue
			}
			for i, c := range st.Columns {
				vi := vinfo{nullable: types[i].nullable, keyTable: c.KeyTable, cat: c.Category, set: c.Set, keyCol: int64(c.KeyColumn)}
				if len(c.Range) == 2 {
					lo, hi := int64(c.Range[0]), int64(c.Range[1])
					vi.min, vi.max = &lo, &hi
				}
				val[[2]string{name, c.Name}] = vi
			}
			has[name] = true
		}
	}
	names := make([]string, 0, len(d.tables))
	for name := range d.tables {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, tn := range names {
		t := d.tables[tn]
		if !has[tn] {
			if len(t.rows) > 0 {
				d.add(n, SeverityError, tn, "", "", "table has no _Validation entries")
			}
			continue
		}
		for _, r := range d.recs(tn) {
			for i, c := range t.schema.Columns {
				vi, ok := val[[2]string{tn, c.Name}]
				if !ok {
					d.add(n, SeverityError, tn, r.key(), c.Name, "column has no _Validation entry")
					continue
				}
				v := r.row[i]
				if v == nil {
					if !vi.nullable {
						d.add(n, SeverityError, tn, r.key(), c.Name, "NULL in a non-nullable column")
					}
					continue
				}
				if x, ok := toInt(v); ok {
					if (vi.min != nil && x < *vi.min) || (vi.max != nil && x > *vi.max) {
						d.add(n, SeverityError, tn, r.key(), c.Name, "value %d out of range %v..%v", x, deref(vi.min), deref(vi.max))
					}
					if vi.set != "" && !slices.Contains(strings.Split(vi.set, ";"), strconv.FormatInt(x, 10)) {
						d.add(n, SeverityError, tn, r.key(), c.Name, "value %d not in set %s", x, vi.set)
					}
					continue
				}
				s, ok := v.(string)
				if !ok {
					continue // binary
				}
				if vi.set != "" && !slices.Contains(strings.Split(vi.set, ";"), s) {
					d.add(n, SeverityError, tn, r.key(), c.Name, "value %q not in set %s", s, vi.set)
				}
				valid := checkCategory(d, vi.cat, vi.keyTable, s)
				if tn == "_Validation" && c.Name == "KeyTable" {
					// A list of tables, each an identifier.
					valid = !slices.ContainsFunc(strings.Split(s, ";"), func(x string) bool { return !validIdentifier(x) })
				}
				if !valid {
					d.add(n, SeverityError, tn, r.key(), c.Name, "value %q is not valid %s", s, vi.cat)
				}
				if vi.keyTable != "" && vi.keyCol == 1 && !(vi.cat == "Version" && isVersion(s)) {
					found := false
					for _, kt := range strings.Split(vi.keyTable, ";") {
						if _, ok := d.find(kt, s); ok {
							found = true
						}
					}
					if !found {
						d.add(n, SeverityError, tn, r.key(), c.Name, "foreign key %q not found in %s", s, vi.keyTable)
					}
				}
			}
		}
	}
}

func deref(p *int64) any {
	if p == nil {
		return "-"
	}
	return *p
}

// ICE04: no File.Sequence beyond the largest Media.LastSequence
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice04).
func ice04(d *vdb, n string) {
	var last int64
	for _, m := range d.recs("Media") {
		if x, _ := m.num("LastSequence"); x > last {
			last = x
		}
	}
	for _, f := range d.recs("File") {
		if s, _ := f.num("Sequence"); s > last {
			d.add(n, SeverityError, "File", f.key(), "Sequence", "sequence %d is greater than the largest Media.LastSequence %d", s, last)
		}
	}
}

// ICE05: required entries: the Property table's ProductCode, ProductName,
// ProductVersion, ProductLanguage, Manufacturer, and the TARGETDIR root
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice05).
func ice05(d *vdb, n string) {
	for _, p := range []string{"ProductCode", "ProductLanguage", "ProductName", "ProductVersion", "Manufacturer"} {
		if _, ok := d.property(p); !ok {
			d.add(n, SeverityError, "Property", p, "", "required property %s is missing", p)
		}
	}
	if d.tables["Directory"] != nil {
		if _, ok := d.find("Directory", "TARGETDIR"); !ok {
			d.add(n, SeverityError, "Directory", "TARGETDIR", "", "required directory TARGETDIR is missing")
		}
	}
}

// ICE06: every column the validation data describes exists in the table
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice06).
func ice06(d *vdb, n string) {
	for _, r := range d.recs("_Validation") {
		t := d.tables[r.str("Table")]
		if t == nil {
			continue
		}
		if !slices.ContainsFunc(t.schema.Columns, func(c Column) bool { return c.Name == r.str("Column") }) {
			d.add(n, SeverityError, r.str("Table"), "", r.str("Column"), "column described in _Validation is missing from the table")
		}
	}
	for name, t := range d.tables {
		st, ok := d.std[name]
		if !ok {
			continue
		}
		for _, c := range st.Columns {
			if !slices.ContainsFunc(t.schema.Columns, func(x Column) bool { return x.Name == c.Name }) {
				d.add(n, SeverityError, name, "", c.Name, "standard column is missing from the table")
			}
		}
	}
}

// ICE07: fonts are installed to FontsFolder
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice07).
func ice07(d *vdb, n string) {
	for _, f := range d.recs("Font") {
		file, ok := d.find("File", f.str("File_"))
		if !ok {
			continue
		}
		c, ok := d.find("Component", file.str("Component_"))
		if ok && c.str("Directory_") != "FontsFolder" {
			d.add(n, SeverityError, "Font", f.key(), "", "font is installed to %s, not FontsFolder", c.str("Directory_"))
		}
	}
}

// ICE08: ComponentId values are unique
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice08).
func ice08(d *vdb, n string) {
	seen := map[string]string{}
	for _, c := range d.recs("Component") {
		id := c.str("ComponentId")
		if id == "" {
			continue
		}
		if prev, ok := seen[id]; ok {
			d.add(n, SeverityError, "Component", c.key(), "ComponentId", "GUID %s is also the ComponentId of %s", id, prev)
		}
		seen[id] = c.key()
	}
}

// ICE09: components installed to SystemFolder are permanent
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice09).
func ice09(d *vdb, n string) {
	for _, c := range d.recs("Component") {
		switch c.str("Directory_") {
		case "SystemFolder", "System16Folder", "System64Folder":
			if a, _ := c.num("Attributes"); a&0x10 == 0 {
				d.add(n, SeverityWarning, "Component", c.key(), "Attributes", "component installs to %s but is not permanent", c.str("Directory_"))
			}
		}
	}
}

// ICE12: a type 35 action (set a directory) runs after CostFinalize; a
// type 51 action that sets a directory's property runs before it
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice12).
func ice12(d *vdb, n string) {
	for _, st := range sequenceTables {
		seq := d.sequence(st)
		cf, hasCF := seq["CostFinalize"]
		for _, ca := range d.recs("CustomAction") {
			s, in := seq[ca.str("Action")]
			if !in || !hasCF {
				continue
			}
			t, _ := ca.num("Type")
			switch t & 0x3F {
			case 35:
				if s <= cf {
					d.add(n, SeverityError, st, ca.str("Action"), "Sequence", "type 35 custom action must come after CostFinalize (%d), is at %d", cf, s)
				}
				if _, ok := d.find("Directory", ca.str("Source")); !ok {
					d.add(n, SeverityError, "CustomAction", ca.key(), "Source", "type 35 custom action sets %q, which is not a directory", ca.str("Source"))
				}
			case 51:
				if _, isDir := d.find("Directory", ca.str("Source")); isDir && s >= cf {
					d.add(n, SeverityError, st, ca.str("Action"), "Sequence", "type 51 custom action sets directory %s and must come before CostFinalize (%d), is at %d", ca.str("Source"), cf, s)
				}
			}
		}
	}
}

// ICE18: a component with a NULL key path (its folder is the key path)
// lists that folder in CreateFolder
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice18).
func ice18(d *vdb, n string) {
	for _, c := range d.recs("Component") {
		if c.has("KeyPath") {
			continue
		}
		found := false
		for _, cf := range d.recs("CreateFolder") {
			if cf.str("Component_") == c.str("Component") && cf.str("Directory_") == c.str("Directory_") {
				found = true
			}
		}
		if !found {
			d.add(n, SeverityError, "Component", c.key(), "KeyPath", "key path is the folder %s, which is not in CreateFolder for this component", c.str("Directory_"))
		}
	}
}

// ICE21: every component belongs to a feature
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice21).
func ice21(d *vdb, n string) {
	for _, c := range d.recs("Component") {
		if !slices.ContainsFunc(d.recs("FeatureComponents"), func(fc rec) bool { return fc.str("Component_") == c.str("Component") }) {
			d.add(n, SeverityError, "Component", c.key(), "", "component belongs to no feature (FeatureComponents)")
		}
	}
}

// ICE24: ProductCode is an upper-case GUID, ProductVersion a valid product
// version, ProductLanguage a language id
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice24).
func ice24(d *vdb, n string) {
	if v, ok := d.property("ProductCode"); ok && !isGUID(v) {
		d.add(n, SeverityError, "Property", "ProductCode", "Value", "%q is not an upper-case GUID in braces", v)
	}
	if v, ok := d.property("ProductVersion"); ok {
		if _, good := parseProductVersion(v); !good {
			d.add(n, SeverityError, "Property", "ProductVersion", "Value", "%q is not major.minor.build (255.255.65535 at most)", v)
		}
	}
	if v, ok := d.property("ProductLanguage"); ok {
		if x, err := strconv.Atoi(v); err != nil || x < 0 || x > 65535 {
			d.add(n, SeverityError, "Property", "ProductLanguage", "Value", "%q is not a language id", v)
		}
	}
}

// Standard actions (https://learn.microsoft.com/en-us/windows/win32/msi/standard-actions-reference).
var standardActions = strings.Fields(`ADMIN ADVERTISE AllocateRegistrySpace AppSearch BindImage CCPSearch CostFinalize
	CostInitialize CreateFolders CreateShortcuts DeleteServices DisableRollback DuplicateFiles ExecuteAction FileCost
	FindRelatedProducts ForceReboot INSTALL InstallAdminPackage InstallExecute InstallExecuteAgain InstallFiles
	InstallFinalize InstallInitialize InstallODBC InstallServices InstallSFPCatalogFile InstallValidate IsolateComponents
	LaunchConditions MigrateFeatureStates MoveFiles MsiConfigureServices MsiPublishAssemblies MsiUnpublishAssemblies
	PatchFiles ProcessComponents PublishComponents PublishFeatures PublishProduct RegisterClassInfo RegisterComPlus
	RegisterExtensionInfo RegisterFonts RegisterMIMEInfo RegisterProduct RegisterProgIdInfo RegisterTypeLibraries
	RegisterUser RemoveDuplicateFiles RemoveEnvironmentStrings RemoveExistingProducts RemoveFiles RemoveFolders
	RemoveIniValues RemoveODBC RemoveRegistryValues RemoveShortcuts ResolveSource RMCCPSearch ScheduleReboot
	SelfRegModules SelfUnregModules SEQUENCE SetODBCFolders StartServices StopServices UnpublishComponents
	UnpublishFeatures UnregisterClassInfo UnregisterComPlus UnregisterExtensionInfo UnregisterFonts UnregisterMIMEInfo
	UnregisterProgIdInfo UnregisterTypeLibraries ValidateProductID WriteEnvironmentStrings WriteIniValues
	WriteRegistryValues`)

// Actions that write the installation script: they belong between
// InstallInitialize and InstallFinalize.
var scriptActions = strings.Fields(`AllocateRegistrySpace BindImage CreateFolders CreateShortcuts DeleteServices
	DuplicateFiles InstallAdminPackage InstallFiles InstallODBC InstallServices MoveFiles MsiConfigureServices
	MsiPublishAssemblies MsiUnpublishAssemblies PatchFiles ProcessComponents PublishComponents PublishFeatures
	PublishProduct RegisterClassInfo RegisterExtensionInfo RegisterFonts RegisterMIMEInfo RegisterProduct
	RegisterProgIdInfo RegisterTypeLibraries RegisterUser RemoveDuplicateFiles RemoveEnvironmentStrings RemoveFiles
	RemoveFolders RemoveIniValues RemoveODBC RemoveRegistryValues RemoveShortcuts SelfRegModules SelfUnregModules
	StartServices StopServices UnpublishComponents UnpublishFeatures UnregisterClassInfo UnregisterExtensionInfo
	UnregisterFonts UnregisterMIMEInfo UnregisterProgIdInfo UnregisterTypeLibraries WriteEnvironmentStrings
	WriteIniValues WriteRegistryValues`)

// Pairs that must run in this order when both are present (from the
// actions' reference pages' sequence restrictions).
var orderRules = [][2]string{
	{"FindRelatedProducts", "CostInitialize"}, {"AppSearch", "CostInitialize"}, {"LaunchConditions", "CostInitialize"},
	{"CostInitialize", "FileCost"}, {"FileCost", "CostFinalize"}, {"CostInitialize", "CostFinalize"},
	{"CostFinalize", "InstallValidate"}, {"CostFinalize", "MigrateFeatureStates"}, {"InstallValidate", "InstallInitialize"},
	{"InstallInitialize", "InstallFinalize"}, {"ProcessComponents", "InstallFiles"}, {"UnpublishFeatures", "RemoveFiles"},
	{"StopServices", "DeleteServices"}, {"StopServices", "RemoveFiles"}, {"DeleteServices", "InstallServices"},
	{"RemoveRegistryValues", "WriteRegistryValues"}, {"RemoveFiles", "RemoveFolders"}, {"RemoveFiles", "InstallFiles"},
	{"CreateFolders", "InstallFiles"}, {"InstallFiles", "InstallServices"}, {"InstallServices", "StartServices"},
	{"RegisterUser", "RegisterProduct"}, {"RegisterProduct", "PublishFeatures"}, {"PublishFeatures", "PublishProduct"},
	{"InstallAdminPackage", "InstallFiles"}, {"ExecuteAction", "InstallFinalize"},
}

// ICE27: sequence tables hold known actions, in their sections
// (search, costing, selection, execution) and in their required order;
// InstallFinalize is present exactly when script actions are
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice27).
func ice27(d *vdb, n string) {
	for _, st := range sequenceTables {
		if d.tables[st] == nil {
			continue
		}
		seq := d.sequence(st)
		for _, r := range d.recs(st) {
			a := r.str("Action")
			if slices.Contains(standardActions, a) {
				continue
			}
			if _, ok := d.find("CustomAction", a); ok {
				continue
			}
			if _, ok := d.find("Dialog", a); ok {
				continue
			}
			d.add(n, SeverityError, st, a, "Action", "unknown action: not a standard action and not in CustomAction or Dialog")
		}
		for _, p := range orderRules {
			a, aok := seq[p[0]]
			b, bok := seq[p[1]]
			if aok && bok && a >= b {
				d.add(n, SeverityError, st, p[0], "Sequence", "%s (%d) must come before %s (%d)", p[0], a, p[1], b)
			}
		}
		ii, hasII := seq["InstallInitialize"]
		fin, hasFin := seq["InstallFinalize"]
		anyScript := false
		for a, s := range seq {
			if !slices.Contains(scriptActions, a) {
				continue
			}
			anyScript = true
			if !hasII || !hasFin || s <= ii || s >= fin {
				d.add(n, SeverityError, st, a, "Sequence", "%s at %d is an execution action: it belongs between InstallInitialize and InstallFinalize", a, s)
			}
		}
		if anyScript && !hasFin {
			d.add(n, SeverityError, st, "InstallFinalize", "", "script actions exist, so InstallFinalize must be sequenced")
		}
		if hasFin && !anyScript {
			d.add(n, SeverityError, st, "InstallFinalize", "", "InstallFinalize is sequenced but there are no script actions")
		}
		if s, ok := seq["AppSearch"]; ok {
			if ci, ok := seq["CostInitialize"]; ok && s > ci {
				d.add(n, SeverityError, st, "AppSearch", "Sequence", "AppSearch is a search action: it belongs before CostInitialize")
			}
		}
	}
}

// ICE30: no two components install a file of the same name into the same
// folder (https://learn.microsoft.com/en-us/windows/win32/msi/ice30).
func ice30(d *vdb, n string) {
	seen := map[string]rec{}
	for _, f := range d.recs("File") {
		c, ok := d.find("Component", f.str("Component_"))
		if !ok {
			continue
		}
		name := f.str("FileName")
		if _, long, two := strings.Cut(name, "|"); two {
			name = long
		}
		k := strings.Join(d.dirChain(c.str("Directory_")), "/") + "/" + strings.ToLower(name)
		if prev, dup := seen[k]; dup && prev.str("Component_") != f.str("Component_") {
			d.add(n, SeverityError, "File", f.key(), "FileName", "%q is also installed into %s by component %s (file %s)", name, c.str("Directory_"), prev.str("Component_"), prev.key())
		}
		seen[k] = f
	}
}

// ICE38: a component installed into the user's profile uses an HKCU
// registry key as its key path
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice38).
func ice38(d *vdb, n string) {
	for _, c := range d.recs("Component") {
		if !d.inProfile(c.str("Directory_")) {
			continue
		}
		if !d.hkcuKeyPath(c) {
			d.add(n, SeverityError, "Component", c.key(), "KeyPath", "component installs into the user profile; its key path must be a registry value under HKCU")
		}
	}
}

func (d *vdb) hkcuKeyPath(c rec) bool {
	a, _ := c.num("Attributes")
	if a&0x4 == 0 {
		return false
	}
	r, ok := d.find("Registry", c.str("KeyPath"))
	if !ok {
		return false
	}
	root, _ := r.num("Root")
	return root == 1 || (root == -1 && !d.perMachine())
}

// ICE39 (summary information): the properties an installer package needs,
// with valid values
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice39,
// https://learn.microsoft.com/en-us/windows/win32/msi/summary-information-stream-property-set).
func ice39(d *vdb, n string) {
	s := d.summary
	if s == nil {
		d.add(n, SeverityError, "", "", "", "no summary information stream")
		return
	}
	plat, langs, ok := strings.Cut(s.Template, ";")
	if !ok || !slices.Contains([]string{"", "Intel", "x64", "Arm64", "Intel64", "Arm"}, plat) || !isLanguage(langs) {
		d.add(n, SeverityError, "", "", "Template", "%q is not platform;languages (e.g. x64;1033)", s.Template)
	}
	if !isGUID(s.RevisionNumber) {
		d.add(n, SeverityError, "", "", "Revision Number", "package code %q is not an upper-case GUID in braces", s.RevisionNumber)
	}
	if s.PageCount < 100 {
		d.add(n, SeverityError, "", "", "Page Count", "schema %d is below 100", s.PageCount)
	}
	if s.WordCount < 0 || s.WordCount > 15 {
		d.add(n, SeverityError, "", "", "Word Count", "%d sets bits other than 1, 2, 4 and 8", s.WordCount)
	}
	if s.WordCount&2 != 0 && d.tables["Media"] != nil {
		for _, m := range d.recs("Media") {
			if m.str("Cabinet") == "" {
				d.add(n, SeverityWarning, "Media", m.key(), "Cabinet", "Word Count says compressed, but this disk has no cabinet")
			}
		}
	}
	if s.Created.IsZero() || s.LastSaved.IsZero() {
		d.add(n, SeverityWarning, "", "", "Create Time/Date", "creation or last-saved time missing")
	}
	if s.Codepage < 0 {
		d.add(n, SeverityError, "", "", "Codepage", "codepage %d: Windows Installer does not read UTF-8 (65001) or negative codepages", s.Codepage)
	}
}

// ICE43: a non-advertised shortcut lives in a component whose key path is
// an HKCU registry value
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice43).
func ice43(d *vdb, n string) {
	for _, s := range d.recs("Shortcut") {
		if _, advertised := d.find("Feature", s.str("Target")); advertised {
			continue
		}
		c, ok := d.find("Component", s.str("Component_"))
		if ok && d.inProfile(s.str("Directory_")) && !d.hkcuKeyPath(c) {
			d.add(n, SeverityError, "Shortcut", s.key(), "Component_", "non-advertised shortcut in component %s, whose key path is not an HKCU registry value", c.key())
		}
	}
}

// Defined bits of attribute columns; ICE45 reports any other
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice45).
var attributeMasks = []struct {
	table, column string
	mask          int64
}{
	{"Component", "Attributes", 0xFFF},
	{"File", "Attributes", 0x7607},
	{"Feature", "Attributes", 0x3F},
	{"Upgrade", "Attributes", 0x707},
	{"ServiceInstall", "ServiceType", 0x133},
	{"ServiceInstall", "ErrorControl", 0x8003},
	{"ServiceControl", "Event", 0xBB},
	{"RegLocator", "Type", 0x13},
}

func ice45(d *vdb, n string) {
	for _, m := range attributeMasks {
		for _, r := range d.recs(m.table) {
			if v, ok := r.num(m.column); ok && v&^m.mask != 0 {
				d.add(n, SeverityWarning, m.table, r.key(), m.column, "reserved bits %#x are set", v&^m.mask)
			}
		}
	}
}

// ICE57: a component does not mix per-user and per-machine data
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice57).
func ice57(d *vdb, n string) {
	for _, c := range d.recs("Component") {
		user, machine := false, false
		for _, r := range d.recs("Registry") {
			if r.str("Component_") != c.str("Component") {
				continue
			}
			switch root, _ := r.num("Root"); {
			case root == 1, root == -1 && !d.perMachine():
				user = true
			case root == 0, root == 2, root == 3, root == -1:
				machine = true
			}
		}
		for _, f := range d.recs("File") {
			if f.str("Component_") == c.str("Component") {
				if d.inProfile(c.str("Directory_")) && !d.perMachine() {
					user = true
				} else {
					machine = true
				}
			}
		}
		if user && machine {
			d.add(n, SeverityError, "Component", c.key(), "", "component has both per-user and per-machine data")
		}
	}
}

// ICE60: a versioned file that is not a font has a language; versioned
// files have no MsiFileHash row
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice60).
func ice60(d *vdb, n string) {
	for _, f := range d.recs("File") {
		v := f.str("Version")
		if v == "" || !isVersion(v) {
			continue // unversioned, or a companion file
		}
		if _, font := d.find("Font", f.str("File")); !font && !f.has("Language") {
			d.add(n, SeverityWarning, "File", f.key(), "Language", "versioned file that is not a font has no language")
		}
		if _, hashed := d.find("MsiFileHash", f.str("File")); hashed {
			d.add(n, SeverityError, "MsiFileHash", f.key(), "", "the file is versioned; it cannot be hashed")
		}
	}
}

// ICE61: the Upgrade table's action properties are public, secure, unique
// and not authored; version ranges are valid; no row removes this or a
// newer version (a warning)
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice61).
func ice61(d *vdb, n string) {
	secure, _ := d.property("SecureCustomProperties")
	secureList := strings.Split(secure, ";")
	pv, _ := d.property("ProductVersion")
	cur, curOK := parseProductVersion(pv)
	seen := map[string]bool{}
	for _, u := range d.recs("Upgrade") {
		ap := u.str("ActionProperty")
		if _, authored := d.property(ap); authored {
			d.add(n, SeverityError, "Upgrade", u.key(), "ActionProperty", "%s must not be set in the Property table", ap)
		}
		if ap != strings.ToUpper(ap) {
			d.add(n, SeverityError, "Upgrade", u.key(), "ActionProperty", "%s must not contain lowercase letters (a public property)", ap)
		}
		if !slices.Contains(secureList, ap) {
			d.add(n, SeverityError, "Upgrade", u.key(), "ActionProperty", "%s must be listed in SecureCustomProperties", ap)
		}
		if seen[ap] {
			d.add(n, SeverityError, "Upgrade", u.key(), "ActionProperty", "%s is used by more than one Upgrade row", ap)
		}
		seen[ap] = true
		vmin, minOK := parseProductVersion(u.str("VersionMin"))
		vmax, maxOK := parseProductVersion(u.str("VersionMax"))
		if u.has("VersionMin") && !minOK {
			d.add(n, SeverityError, "Upgrade", u.key(), "VersionMin", "%q is not a product version", u.str("VersionMin"))
		}
		if u.has("VersionMax") && !maxOK {
			d.add(n, SeverityError, "Upgrade", u.key(), "VersionMax", "%q is not a product version", u.str("VersionMax"))
		}
		if !u.has("VersionMin") && !u.has("VersionMax") {
			d.add(n, SeverityError, "Upgrade", u.key(), "", "VersionMin and VersionMax are both NULL")
		}
		if minOK && maxOK && cmpVersion(vmax, vmin) < 0 {
			d.add(n, SeverityError, "Upgrade", u.key(), "VersionMax", "VersionMax is less than VersionMin (%s)", ap)
		}
		attr, _ := u.num("Attributes")
		if attr&0x2 == 0 && curOK && maxOK {
			if c := cmpVersion(vmax, cur); c > 0 || (c == 0 && attr&0x200 != 0) {
				d.add(n, SeverityWarning, "Upgrade", u.key(), "VersionMax", "this product should remove only older versions of itself; the maximum version is not less than the current product (%s %s)", u.str("VersionMax"), pv)
			}
		}
	}
}

// ICE63: RemoveExistingProducts sits between InstallValidate and
// InstallInitialize, right after InstallInitialize, right after
// InstallExecute(Again), or after InstallFinalize
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice63).
func ice63(d *vdb, n string) {
	for _, st := range executeTables {
		seq := d.sequence(st)
		rep, ok := seq["RemoveExistingProducts"]
		if !ok {
			continue
		}
		iv, ii, fin := seq["InstallValidate"], seq["InstallInitialize"], seq["InstallFinalize"]
		switch {
		case iv > 0 && ii > 0 && rep > iv && rep < ii:
		case fin > 0 && rep > fin:
		case ii > 0 && rep > ii && (fin == 0 || rep < fin):
			// Right after InstallInitialize or InstallExecute(Again): only
			// actions that write no script may come in between.
			from := ii
			for _, x := range []string{"InstallExecute", "InstallExecuteAgain"} {
				if s, ok := seq[x]; ok && s < rep && s > from {
					from = s
				}
			}
			for a, s := range seq {
				if s > from && s < rep {
					if _, isCA := d.find("CustomAction", a); isCA || slices.Contains(scriptActions, a) {
						d.add(n, SeverityWarning, st, a, "Sequence", "%s falls between %d and RemoveExistingProducts (%d)", a, from, rep)
					}
				}
			}
		default:
			d.add(n, SeverityError, st, "RemoveExistingProducts", "Sequence", "RemoveExistingProducts at %d is not in an allowed place", rep)
		}
	}
}

// ICE64: folders created in the user's profile are removed (RemoveFile)
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice64).
func ice64(d *vdb, n string) {
	for _, dir := range d.recs("Directory") {
		id := dir.str("Directory")
		if slices.Contains(profileFolders, id) || !d.inProfile(id) {
			continue
		}
		if !slices.ContainsFunc(d.recs("RemoveFile"), func(r rec) bool { return r.str("DirProperty") == id }) {
			d.add(n, SeverityError, "Directory", dir.key(), "", "folder in the user profile is not in the RemoveFile table")
		}
	}
}

// ICE67: a non-advertised shortcut's target file is in the shortcut's own
// component (https://learn.microsoft.com/en-us/windows/win32/msi/ice67).
func ice67(d *vdb, n string) {
	for _, s := range d.recs("Shortcut") {
		t := s.str("Target")
		if !strings.HasPrefix(t, "[#") || !strings.HasSuffix(t, "]") {
			continue
		}
		f, ok := d.find("File", t[2:len(t)-1])
		if ok && f.str("Component_") != s.str("Component_") {
			d.add(n, SeverityWarning, "Shortcut", s.key(), "Target", "target file %s belongs to component %s, not to the shortcut's %s", f.key(), f.str("Component_"), s.str("Component_"))
		}
	}
}

// Custom action base types
// (https://learn.microsoft.com/en-us/windows/win32/msi/summary-list-of-all-custom-action-types).
var validBaseTypes = []int64{1, 2, 5, 6, 7, 17, 18, 19, 21, 22, 23, 34, 35, 37, 38, 39, 50, 51, 53, 54}

// ICE68: custom action types are valid; elevation needs in-script
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice68).
func ice68(d *vdb, n string) {
	for _, ca := range d.recs("CustomAction") {
		t, _ := ca.num("Type")
		base := t & 0x3F
		if !slices.Contains(validBaseTypes, base) || t&^0xFFFF != 0 {
			d.add(n, SeverityError, "CustomAction", ca.key(), "Type", "invalid custom action type %d", t)
			continue
		}
		inScript := t&0x400 != 0
		if t&0x800 != 0 && !inScript {
			d.add(n, SeverityWarning, "CustomAction", ca.key(), "Type", "marked to be elevated (0x800) but not deferred (0x400): it will not run elevated")
		}
		if t&0x1000 != 0 && !slices.Contains([]int64{5, 6, 21, 22, 37, 38, 53, 54}, base) {
			d.add(n, SeverityError, "CustomAction", ca.key(), "Type", "64-bit script flag on a custom action that is not a script")
		}
		if inScript && (base == 35 || base == 51 || base == 19) {
			d.add(n, SeverityError, "CustomAction", ca.key(), "Type", "type %d cannot run in the script", base)
		}
	}
}

// ICE77: in-script custom actions are sequenced between InstallInitialize
// and InstallFinalize
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice77).
func ice77(d *vdb, n string) {
	for _, st := range executeTables {
		seq := d.sequence(st)
		for _, ca := range d.recs("CustomAction") {
			t, _ := ca.num("Type")
			s, in := seq[ca.str("Action")]
			if !in || t&0x400 == 0 {
				continue
			}
			ii, fin := seq["InstallInitialize"], seq["InstallFinalize"]
			if ii == 0 || fin == 0 || s <= ii || s >= fin {
				d.add(n, SeverityError, st, ca.str("Action"), "Sequence", "in-script custom action at %d must be between InstallInitialize (%d) and InstallFinalize (%d)", s, ii, fin)
			}
		}
	}
}

// ICE80: the Template's platform matches 64-bit components, folders and
// locators, the schema is high enough for the platform, and
// ProductLanguage is among the Template's languages
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice80).
func ice80(d *vdb, n string) {
	if d.summary == nil {
		return
	}
	plat, langs, _ := strings.Cut(d.summary.Template, ";")
	is64 := plat == "x64" || plat == "Arm64" || plat == "Intel64"
	switch {
	case plat == "x64" && d.summary.PageCount < 200:
		d.add(n, SeverityError, "", "", "Page Count", "package is marked x64 but its schema %d is less than 200", d.summary.PageCount)
	case plat == "Arm64" && d.summary.PageCount < 500:
		d.add(n, SeverityError, "", "", "Page Count", "package is marked Arm64 but its schema %d is less than 500", d.summary.PageCount)
	case plat == "Intel64" && d.summary.PageCount < 150:
		d.add(n, SeverityError, "", "", "Page Count", "package is marked Intel64 but its schema %d is less than 150", d.summary.PageCount)
	}
	for _, c := range d.recs("Component") {
		a, _ := c.num("Attributes")
		comp64 := a&0x100 != 0
		if comp64 && !is64 {
			d.add(n, SeverityError, "Component", c.key(), "Attributes", "64-bit component, but the Template %q is not Intel64, x64 or Arm64", d.summary.Template)
		}
		chain := d.dirChain(c.str("Directory_"))
		uses64 := slices.ContainsFunc(chain, func(id string) bool {
			return id == "ProgramFiles64Folder" || id == "CommonFiles64Folder" || id == "System64Folder"
		})
		uses32 := slices.ContainsFunc(chain, func(id string) bool {
			return id == "ProgramFilesFolder" || id == "CommonFilesFolder" || id == "SystemFolder"
		})
		if comp64 && uses32 {
			d.add(n, SeverityError, "Component", c.key(), "Directory_", "64-bit component uses a 32-bit folder (%s)", c.str("Directory_"))
		}
		if !comp64 && uses64 {
			d.add(n, SeverityError, "Component", c.key(), "Directory_", "32-bit component uses a 64-bit folder (%s)", c.str("Directory_"))
		}
	}
	if !is64 {
		for _, r := range d.recs("RegLocator") {
			if t, _ := r.num("Type"); t&0x10 != 0 {
				d.add(n, SeverityError, "RegLocator", r.key(), "Type", "32-bit package uses the 64-bit locator type")
			}
		}
		for _, dir := range d.recs("Directory") {
			switch dir.str("Directory") {
			case "ProgramFiles64Folder", "CommonFiles64Folder", "System64Folder":
				d.add(n, SeverityError, "Directory", dir.key(), "", "32-bit package uses the 64-bit property %s", dir.str("Directory"))
			}
		}
	}
	if pl, ok := d.property("ProductLanguage"); ok && !slices.Contains(strings.Split(langs, ","), pl) && langs != "0" {
		d.add(n, SeverityError, "Property", "ProductLanguage", "Value", "%s is not among the Template's languages %q", pl, langs)
	}
}

// ICE82: no two actions share a sequence number; RegisterProduct,
// RegisterUser, PublishProduct and PublishFeatures are all there or none
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice82).
func ice82(d *vdb, n string) {
	for _, st := range sequenceTables {
		by := map[int64]string{}
		for _, r := range d.recs(st) {
			s, ok := r.num("Sequence")
			if !ok || s <= 0 {
				continue
			}
			if prev, dup := by[s]; dup {
				d.add(n, SeverityWarning, st, r.str("Action"), "Sequence", "action has duplicate sequence number %d (also %s)", s, prev)
			}
			by[s] = r.str("Action")
		}
	}
	if d.tables["InstallExecuteSequence"] == nil {
		return
	}
	seq := d.sequence("InstallExecuteSequence")
	var present, missing []string
	for _, a := range []string{"PublishFeatures", "PublishProduct", "RegisterProduct", "RegisterUser"} {
		if _, ok := seq[a]; ok {
			present = append(present, a)
		} else {
			missing = append(missing, a)
		}
	}
	switch {
	case len(present) == 0:
		d.add(n, SeverityWarning, "InstallExecuteSequence", "", "", "missing actions %s", strings.Join(missing, ", "))
	case len(missing) > 0:
		d.add(n, SeverityError, "InstallExecuteSequence", "", "", "has %s but not %s: all of them or none", strings.Join(present, ", "), strings.Join(missing, ", "))
	}
}

// ICE83: MsiAssembly entries need MsiPublishAssemblies and
// MsiUnpublishAssemblies, and a Win32 assembly's key path is not its
// manifest (https://learn.microsoft.com/en-us/windows/win32/msi/ice83).
func ice83(d *vdb, n string) {
	as := d.recs("MsiAssembly")
	if len(as) == 0 {
		return
	}
	seq := d.sequence("InstallExecuteSequence")
	_, pub := seq["MsiPublishAssemblies"]
	_, unpub := seq["MsiUnpublishAssemblies"]
	if !pub || !unpub {
		d.add(n, SeverityError, "InstallExecuteSequence", "", "", "MsiAssembly has rows: both MsiPublishAssemblies and MsiUnpublishAssemblies must be sequenced")
	}
	for _, a := range as {
		if c, ok := d.find("Component", a.str("Component_")); ok && a.has("File_Manifest") && c.str("KeyPath") == a.str("File_Manifest") {
			d.add(n, SeverityError, "MsiAssembly", a.key(), "File_Manifest", "the key path of a Win32 assembly's component should not be its manifest")
		}
	}
}

// ICE90: a shortcut's folder is not a public property (it could then be
// moved at install time while the shortcut's key path stays)
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice90).
func ice90(d *vdb, n string) {
	for _, s := range d.recs("Shortcut") {
		dir := s.str("Directory_")
		if dir == strings.ToUpper(dir) && d.inProfile(dir) {
			d.add(n, SeverityWarning, "Shortcut", s.key(), "Directory_", "shortcut folder %s is a public property", dir)
		}
	}
}

// Property names Windows Installer reserves
// (https://learn.microsoft.com/en-us/windows/win32/msi/property-reference).
var reservedProperties = strings.Fields(`Action ACTION ADDDEFAULT ADDLOCAL ADDSOURCE AdminUser ADVERTISE AFTERREBOOT
	ALLUSERS ARPINSTALLLOCATION CCP_DRIVE COMPADDDEFAULT COMPADDLOCAL COMPADDSOURCE ComputerName CostingComplete
	CustomActionData DATADIR Date DISABLEROLLBACK EXECUTEACTION EXECUTEMODE FILEADDDEFAULT FILEADDLOCAL
	FILEADDSOURCE Installed INSTALLLEVEL Intel LIMITUI LOGACTION LogonUser MEDIAPACKAGEPATH MsiNetAssemblySupport
	MSINEWINSTANCE MSIFASTINSTALL MsiNTProductType OLEAdvtSupport OutOfDiskSpace OutOfNoRbDiskSpace PATCH
	PRIMARYFOLDER Privileged ProductCode ProductLanguage ProductName ProductState ProductVersion REBOOT
	REINSTALL REINSTALLMODE REMOVE ReplacedInUseFiles RESUME RollbackDisabled ROOTDRIVE SEQUENCE SOURCEDIR
	Time TRANSFORMS UILevel UpdateStarted UPGRADINGPRODUCTCODE UserLanguageID
	UserSID VersionDatabase VersionMsi VersionNT VersionNT64 WindowsBuild`)

// ICE99: no Directory key is a property name Windows Installer reserves
// (https://learn.microsoft.com/en-us/windows/win32/msi/ice99).
func ice99(d *vdb, n string) {
	for _, dir := range d.recs("Directory") {
		if slices.Contains(reservedProperties, dir.str("Directory")) {
			d.add(n, SeverityError, "Directory", dir.key(), "", "the directory name %s is one of Windows Installer's properties", dir.str("Directory"))
		}
	}
}

// ICE105: a per-user or dual-purpose package (ALLUSERS unset or 2) has no
// elevated custom actions, no system folders, no services and no HKLM
// registry values (https://learn.microsoft.com/en-us/windows/win32/msi/ice-105).
func ice105(d *vdb, n string) {
	if d.tables["Property"] == nil {
		return
	}
	if v, _ := d.property("ALLUSERS"); v == "1" {
		return
	}
	for _, ca := range d.recs("CustomAction") {
		if t, _ := ca.num("Type"); t&0x800 != 0 {
			d.add(n, SeverityError, "CustomAction", ca.key(), "Type", "per-user package with an elevated custom action")
		}
	}
	for _, dir := range d.recs("Directory") {
		switch dir.str("Directory") {
		case "AdminToolsFolder", "CommonAppDataFolder", "FontsFolder", "System16Folder", "System64Folder", "SystemFolder", "TempFolder", "WindowsFolder", "WindowsVolume":
			d.add(n, SeverityError, "Directory", dir.key(), "", "per-user package uses the system folder %s", dir.str("Directory"))
		}
	}
	for _, s := range d.recs("ServiceInstall") {
		d.add(n, SeverityError, "ServiceInstall", s.key(), "", "per-user package installs a service")
	}
	for _, r := range d.recs("Registry") {
		if root, _ := r.num("Root"); root == 2 {
			d.add(n, SeverityError, "Registry", r.key(), "Root", "per-user package writes under HKEY_LOCAL_MACHINE")
		}
	}
}

// checkCabinet (CABINET): every embedded cabinet a Media row names exists,
// parses, and holds exactly the files of that disk's File.Sequence range,
// in sequence order, named by their File keys, with the sizes the File
// table gives (https://learn.microsoft.com/en-us/windows/win32/msi/media-table,
// https://learn.microsoft.com/en-us/windows/win32/msi/file-table).
func checkCabinet(d *vdb, n string) {
	var prevLast int64
	media := d.recs("Media")
	slices.SortFunc(media, func(a, b rec) int {
		x, _ := a.num("LastSequence")
		y, _ := b.num("LastSequence")
		return int(x - y)
	})
	for _, m := range media {
		last, _ := m.num("LastSequence")
		first := prevLast + 1
		prevLast = last
		name, embedded := strings.CutPrefix(m.str("Cabinet"), "#")
		if !embedded {
			continue
		}
		data, ok := d.streams[name]
		if !ok {
			d.add(n, SeverityError, "Media", m.key(), "Cabinet", "embedded cabinet %q is not in the database", name)
			continue
		}
		cr, err := cab.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			d.add(n, SeverityError, "Media", m.key(), "Cabinet", "cabinet %q does not parse: %v", name, err)
			continue
		}
		var files []rec
		for _, f := range d.recs("File") {
			if s, _ := f.num("Sequence"); s >= first && s <= last {
				files = append(files, f)
			}
		}
		slices.SortFunc(files, func(a, b rec) int {
			x, _ := a.num("Sequence")
			y, _ := b.num("Sequence")
			return int(x - y)
		})
		if len(files) != len(cr.Files) {
			d.add(n, SeverityError, "Media", m.key(), "Cabinet", "cabinet %q holds %d files, the File table puts %d on this disk", name, len(cr.Files), len(files))
		}
		for i := range min(len(files), len(cr.Files)) {
			f, cf := files[i], cr.Files[i]
			if cf.Name != f.str("File") {
				d.add(n, SeverityError, "File", f.key(), "File", "cabinet %q has %q at position %d, in File.Sequence order it should be %q", name, cf.Name, i+1, f.str("File"))
				continue
			}
			if size, _ := f.num("FileSize"); size != cf.Size {
				d.add(n, SeverityError, "File", f.key(), "FileSize", "FileSize %d, but the cabinet holds %d bytes", size, cf.Size)
			}
		}
	}
}
