package msi_test

import (
	"bytes"
	"fmt"
	"log"
	"time"

	"github.com/svcship/svcship/msi"
)

func Example() {
	var buf bytes.Buffer
	w := msi.NewWriter(&buf)
	// A fragment, not an installer package: skip the ICE validation that
	// Close runs by default.
	w.SetValidation(msi.ValidationOptions{Disabled: true})
	for _, name := range []string{"Property", "Media"} {
		t, _ := msi.StandardTable(name)
		if err := w.CreateTable(t); err != nil {
			log.Fatal(err)
		}
	}
	rows := []struct {
		table  string
		values []any
	}{
		{"Property", []any{"ProductName", "Example Service"}},
		{"Property", []any{"ALLUSERS", "1"}},
		{"Media", []any{1, 1, nil, "#app.cab", nil, nil}},
	}
	for _, r := range rows {
		if err := w.AddRow(r.table, r.values...); err != nil {
			log.Fatal(err)
		}
	}
	if err := w.AddStream("app.cab", []byte("MSCF...")); err != nil {
		log.Fatal(err)
	}
	if err := w.AddValidation(); err != nil {
		log.Fatal(err)
	}
	built := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	w.SetSummary(msi.SummaryInfo{
		Title: "Installation Database", Subject: "Example Service",
		Template: "x64;1033", RevisionNumber: "{2F6B5D44-9D0A-5B5E-8E0B-6A1C1C7E8F01}",
		PageCount: 500, WordCount: 2, Created: built, LastSaved: built,
	})
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}

	r, err := msi.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		log.Fatal(err)
	}
	props, _ := r.Rows("Property")
	fmt.Println(props)
	fmt.Printf("%q\n", r.Streams())
	// Output:
	// [[ProductName Example Service] [ALLUSERS 1]]
	// ["\x05SummaryInformation" "app.cab"]
}
