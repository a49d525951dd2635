// Package sbomtest checks CycloneDX documents against the official
// CycloneDX 1.6 JSON schema, vendored in testdata/cyclonedx, for the tests
// of package sbom and the end-to-end tests of a release. Only tests import
// it.
package sbomtest

import (
	"bytes"
	"embed"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed testdata/cyclonedx/*.json
var schemas embed.FS

// Validate reports how data breaks the CycloneDX 1.6 schema, or nil. The
// schema's references resolve to the vendored files, never the network.
func Validate(data []byte) error {
	c := jsonschema.NewCompiler()
	for _, name := range []string{"bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"} {
		raw, err := schemas.ReadFile("testdata/cyclonedx/" + name)
		if err != nil {
			return err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := c.AddResource("http://cyclonedx.org/schema/"+name, doc); err != nil {
			return err
		}
	}
	s, err := c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	if err != nil {
		return err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return s.Validate(doc)
}
