// Package sbomtest checks the SBOMs a release carries: the test builds
// small binaries, runs the cyclonedx-gomod that tools/go.mod pins on each,
// the way GoReleaser's sboms pipe does (one document per binary), and
// validates every document against the official CycloneDX 1.6 JSON schema
// vendored in testdata/cyclonedx. It has no code of its own to import.
package sbomtest
