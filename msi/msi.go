// Package msi writes and reads Windows Installer databases (.msi files)
// without Windows, WiX or msitools.
//
// The Writer is shaped like archive/zip: the caller declares tables with
// their column schemas, adds rows and streams, sets the summary
// information, and Close lays out the string pool, the table streams, the
// _Tables/_Columns catalog and the compound file in one pass. It holds no
// file-system or packaging policy: which tables and rows make a working
// installer is the caller's business (the schemas of the standard tables
// are provided as Go values by StandardTable).
//
// Output is deterministic: the same tables, rows, streams and summary
// information always give the same bytes.
//
// Example (see also Example in example_test.go):
//
//	w := msi.NewWriter(f)
//	prop, _ := msi.StandardTable("Property")
//	if err := w.CreateTable(prop); err != nil { ... }
//	if err := w.AddRow("Property", "ProductName", "Example"); err != nil { ... }
//	if err := w.AddStreamReader("app.cab", cab, cabSize); err != nil { ... } // Media.Cabinet "#app.cab"
//	w.SetSummary(msi.SummaryInfo{
//		Title: "Installation Database", Template: "x64;1033",
//		RevisionNumber: "{PACKAGE-CODE-GUID}", PageCount: 500, WordCount: 2,
//		Created: buildTime, LastSaved: buildTime,
//	})
//	if err := w.Close(); err != nil { ... }
//
// Rows may be added in any order: Close sorts every table by its stored
// key values (string keys by string-pool id), as Windows requires.
//
// Before it writes anything, Close validates the database with the ICE
// rules of Windows Installer's own validation (RuleNames lists them; see
// ice.go): an error-level finding makes Close return a *ValidationError
// naming rule, table and row, and nothing is written; warnings are kept for
// Findings. SetValidation suppresses warnings by rule name or, for
// databases that are not installer packages, turns validation off.
//
// Row values are Go values: string for string columns, any integer type
// for integer columns, []byte for binary (stream) columns, and nil for
// NULL. Windows Installer treats "" as NULL, so "" is NULL too.
//
// The Reader (Open) reads tables, streams and summary information back;
// it exists mainly so tests can check what the Writer produced.
package msi

import (
	"fmt"
	"strconv"
)

// Column describes one column of a table.
type Column struct {
	// Name is the column identifier.
	Name string
	// Type is the column type in IDT notation, as the Windows Installer
	// SDK writes it: s<n> string, l<n> localizable string (n = maximum
	// length, 0 = unlimited), i2 / i4 integer, v0 binary stream. An
	// uppercase letter (S, L, I, V) makes the column nullable.
	Type string
	// Key marks a primary-key column. Key columns must come first.
	Key bool

	// The remaining fields only feed ValidationRows (the _Validation
	// table); they are not enforced by the Writer.
	Category  string  // e.g. "Identifier", "Formatted", "Guid"
	Range     []int32 // nil, or {min, max}
	KeyTable  string  // foreign-key table(s), ";"-separated
	KeyColumn int16   // 1-based column in KeyTable
	Set       string  // ";"-separated allowed values
}

// Table is a table schema.
type Table struct {
	Name    string
	Columns []Column
}

type kind uint8

const (
	kindString kind = iota
	kindInt16
	kindInt32
	kindBinary
)

// colType is a parsed IDT type.
type colType struct {
	kind        kind
	size        int // max string length, 0 = unlimited
	nullable    bool
	localizable bool
}

// Type bits of _Columns.Type.
const (
	bitValid       = 0x0100
	bitLocalizable = 0x0200
	bitShort       = 0x0400 // set for strings and i2
	bitString      = 0x0800
	bitNullable    = 0x1000
	bitKey         = 0x2000
)

func parseType(s string) (colType, error) {
	if len(s) < 2 {
		return colType{}, fmt.Errorf("type %q: want s<n>, l<n>, i2, i4 or v0", s)
	}
	c := s[0]
	var t colType
	t.nullable = c >= 'A' && c <= 'Z'
	n, err := strconv.Atoi(s[1:])
	if err != nil || n < 0 || s[1] == '+' || s[1] == '-' {
		return colType{}, fmt.Errorf("type %q: bad size", s)
	}
	switch c | 0x20 {
	case 's', 'l':
		if n > 255 {
			return colType{}, fmt.Errorf("type %q: string size over 255", s)
		}
		t.kind, t.size, t.localizable = kindString, n, c|0x20 == 'l'
	case 'i':
		switch n {
		case 2:
			t.kind = kindInt16
		case 4:
			t.kind = kindInt32
		default:
			return colType{}, fmt.Errorf("type %q: integer size must be 2 or 4", s)
		}
	case 'v':
		if n != 0 {
			return colType{}, fmt.Errorf("type %q: binary size must be 0", s)
		}
		t.kind = kindBinary
	default:
		return colType{}, fmt.Errorf("type %q: want s<n>, l<n>, i2, i4 or v0", s)
	}
	return t, nil
}

// bits returns the _Columns.Type value.
func (t colType) bits(key bool) int {
	v := bitValid
	switch t.kind {
	case kindString:
		v |= bitString | bitShort | t.size
		if t.localizable {
			v |= bitLocalizable
		}
	case kindInt16:
		v |= bitShort | 2
	case kindInt32:
		v |= 4
	case kindBinary:
		v |= bitString
	}
	if t.nullable {
		v |= bitNullable
	}
	if key {
		v |= bitKey
	}
	return v
}

// typeFromBits is the inverse of bits, giving the IDT notation.
func typeFromBits(b int) (string, error) {
	if b&bitValid == 0 {
		return "", fmt.Errorf("column type %#x lacks the valid bit", b)
	}
	var c byte
	size := b & 0xFF
	switch {
	case b&bitString != 0 && b&bitShort == 0:
		c, size = 'v', 0
	case b&bitString != 0 && b&bitLocalizable != 0:
		c = 'l'
	case b&bitString != 0:
		c = 's'
	case size == 2 || size == 4:
		c = 'i'
	default:
		return "", fmt.Errorf("column type %#x is not a known type", b)
	}
	if b&bitNullable != 0 {
		c -= 0x20
	}
	return string(c) + strconv.Itoa(size), nil
}

// Limits from the Windows Installer SDK.
const (
	maxTableName  = 31 // "Table names are limited to 31 characters"
	maxColumnName = 64
	maxColumns    = 32
	// MaxStringBytes is the longest string value, in bytes of the
	// database codepage; longer strings need a pool extension that
	// readers disagree on, so the Writer refuses them.
	MaxStringBytes = 0xFFFF
)

// reservedTables are system tables the Writer produces itself or that
// exist only virtually.
var reservedTables = map[string]bool{
	"_Tables": true, "_Columns": true, "_StringPool": true, "_StringData": true,
	"_Streams": true, "_Storages": true, "_TransformView": true, "_ForceCodepage": true,
	"_SummaryInformation": true,
}

// validIdentifier checks the MSI Identifier grammar: a letter or
// underscore, then letters, digits, underscores and periods.
func validIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z'):
		case i > 0 && (r == '.' || (r >= '0' && r <= '9')):
		default:
			return false
		}
	}
	return true
}

// validate checks a table schema and returns the parsed column types.
func (t *Table) validate() ([]colType, error) {
	if !validIdentifier(t.Name) {
		return nil, fmt.Errorf("msi: table %q: name is not an identifier (letter or _, then letters, digits, _ or .)", t.Name)
	}
	if len(t.Name) > maxTableName {
		return nil, fmt.Errorf("msi: table %q: name is %d characters, limit %d", t.Name, len(t.Name), maxTableName)
	}
	if reservedTables[t.Name] {
		return nil, fmt.Errorf("msi: table %q: reserved system table name", t.Name)
	}
	if len(t.Columns) == 0 || len(t.Columns) > maxColumns {
		return nil, fmt.Errorf("msi: table %q: %d columns, want 1..%d", t.Name, len(t.Columns), maxColumns)
	}
	types := make([]colType, len(t.Columns))
	seen := map[string]bool{}
	keyEnded := false
	for i, c := range t.Columns {
		if !validIdentifier(c.Name) || len(c.Name) > maxColumnName {
			return nil, fmt.Errorf("msi: table %s, column %q: not an identifier of at most %d characters", t.Name, c.Name, maxColumnName)
		}
		if seen[c.Name] {
			return nil, fmt.Errorf("msi: table %s, column %s: duplicate column name", t.Name, c.Name)
		}
		seen[c.Name] = true
		ct, err := parseType(c.Type)
		if err != nil {
			return nil, fmt.Errorf("msi: table %s, column %s: %w", t.Name, c.Name, err)
		}
		if c.Key {
			if keyEnded {
				return nil, fmt.Errorf("msi: table %s, column %s: key columns must come first", t.Name, c.Name)
			}
			if ct.kind == kindBinary {
				return nil, fmt.Errorf("msi: table %s, column %s: a binary column cannot be a key", t.Name, c.Name)
			}
		} else {
			keyEnded = true
		}
		types[i] = ct
	}
	if !t.Columns[0].Key {
		return nil, fmt.Errorf("msi: table %s: no primary key column", t.Name)
	}
	return types, nil
}
