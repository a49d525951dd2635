package msipkg

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/svcship/svcship/msi"
	"github.com/svcship/svcship/msi/cab"
)

// tableOrder lists the tables in the order they are created (the writer
// sorts the catalog itself; this only makes errors deterministic).
var tableOrder = []string{
	"Property", "Directory", "Component", "Feature", "FeatureComponents", "File", "MsiFileHash", "Media",
	"ServiceInstall", "ServiceControl", "Registry", "RemoveFile", "CreateFolder", "MsiLockPermissionsEx", "CustomAction", "Upgrade",
	"LaunchCondition", "AppSearch", "RegLocator", "Icon", "InstallExecuteSequence", "InstallUISequence",
	"AdminExecuteSequence", "AdminUISequence", "AdvtExecuteSequence",
}

// buildCab compresses the payload: one cabinet, files in File.Sequence
// order, named by their File keys, MSZIP blocks compressed in parallel.
func (p *pkg) buildCab() ([]byte, error) {
	var buf bytes.Buffer
	total := 0
	for _, f := range p.files {
		total += len(f.data)
	}
	buf.Grow(total/2 + 4096)
	// Deflate level 5: measured on Go service binaries it is ~20% faster
	// than the default level for ~0.2% more bytes (bench_test.go).
	cw := cab.NewWriter(&buf, cab.Options{Level: 5})
	mod := p.spec.Timestamp.UTC()
	for _, f := range p.files {
		if err := cw.AddBytes(cab.FileHeader{Name: f.key, Modified: mod, Attr: cab.AttrArchive}, f.data); err != nil {
			return nil, fmt.Errorf("msipkg: cabinet: %s: %w", f.name, err)
		}
	}
	if err := cw.Close(); err != nil {
		return nil, fmt.Errorf("msipkg: cabinet: %w", err)
	}
	return buf.Bytes(), nil
}

func (p *pkg) write(w io.Writer) error {
	res := <-p.cab
	if res.err != nil {
		return res.err
	}
	cabData := res.data
	mw := msi.NewWriter(w)
	// ICE validation runs in Close, before anything is written.
	mw.SetValidation(msi.ValidationOptions{Suppress: p.suppress})
	var schemas []msi.Table
	for _, name := range tableOrder {
		rows := p.tables[name]
		if len(rows) == 0 {
			continue
		}
		t, ok := msi.StandardTable(name)
		if !ok {
			return fmt.Errorf("msipkg: msi package has no schema for table %s", name)
		}
		if err := mw.CreateTable(t); err != nil {
			return fmt.Errorf("msipkg: %w", err)
		}
		schemas = append(schemas, t)
		for _, r := range rows {
			if err := checkColumns(t, r); err != nil {
				return err
			}
			vals := make([]any, len(t.Columns))
			for i, c := range t.Columns {
				vals[i] = r[c.Name]
			}
			if err := mw.AddRow(name, vals...); err != nil {
				return inputErr("%v", err)
			}
		}
	}
	if len(schemas) != len(p.tables) {
		var missing []string
		for name := range p.tables {
			found := false
			for _, t := range schemas {
				found = found || t.Name == name
			}
			if !found {
				missing = append(missing, name)
			}
		}
		sort.Strings(missing)
		return fmt.Errorf("msipkg: internal: tables %v not in tableOrder", missing)
	}
	// _Validation lets validators (ICE, rust-msi) check the package.
	vt := msi.ValidationTable()
	vrows, err := msi.ValidationRows(append(schemas, vt)...)
	if err != nil {
		return fmt.Errorf("msipkg: validation rows: %w", err)
	}
	if err := mw.CreateTable(vt); err != nil {
		return fmt.Errorf("msipkg: %w", err)
	}
	for _, r := range vrows {
		if err := mw.AddRow(vt.Name, r...); err != nil {
			return fmt.Errorf("msipkg: validation rows: %w", err)
		}
	}
	if err := mw.AddStream(cabStream, cabData); err != nil {
		return fmt.Errorf("msipkg: %w", err)
	}
	c := p.spec.Config
	ts := p.spec.Timestamp.UTC()
	mw.SetSummary(msi.SummaryInfo{
		Codepage:       1252,
		Title:          "Installation Database",
		Subject:        c.Product.DisplayName,
		Author:         c.Product.Company,
		Keywords:       "Installer",
		Comments:       "This installer database contains the logic and data required to install " + c.Product.DisplayName + ".",
		Template:       p.arch.template,
		RevisionNumber: p.packageCode.String(),
		Created:        ts,
		LastSaved:      ts,
		PageCount:      p.arch.pageCount,
		WordCount:      2, // long names, compressed files in an embedded cabinet
		AppName:        "svcship",
		Security:       2,
	})
	if err := mw.Close(); err != nil {
		return fmt.Errorf("msipkg: write: %w", err)
	}
	p.warnings = mw.Findings()
	return nil
}

// checkColumns refuses a row with a key that is not a column of its
// table: a misspelled column name would otherwise become a silent NULL.
func checkColumns(t msi.Table, r row) error {
	for k := range r {
		found := false
		for _, c := range t.Columns {
			if c.Name == k {
				found = true
				break
			}
		}
		if !found {
			var cols []string
			for _, c := range t.Columns {
				cols = append(cols, c.Name)
			}
			return fmt.Errorf("msipkg: internal: table %s has no column %q (columns: %s)", t.Name, k, strings.Join(cols, ", "))
		}
	}
	return nil
}
