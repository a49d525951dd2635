package msipkg

import (
	"strings"
	"testing"

	"github.com/svcship/svcship/msi"
)

// A row keyed by a name that is not a column of its table is an error:
// before, a misspelled column silently became NULL.
func TestRowWithUnknownColumnIsRefused(t *testing.T) {
	tbl, ok := msi.StandardTable("Property")
	if !ok {
		t.Fatal("no Property schema")
	}
	if err := checkColumns(tbl, row{"Property": "ProductName", "Value": "x"}); err != nil {
		t.Fatalf("a correct row was refused: %v", err)
	}
	err := checkColumns(tbl, row{"Property": "ProductName", "Valeu": "x"})
	if err == nil || !strings.Contains(err.Error(), `table Property has no column "Valeu" (columns: Property, Value)`) {
		t.Fatalf("err = %v, want the misspelled column named with the table's columns", err)
	}
}
