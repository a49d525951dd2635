package config

import (
	"strings"
	"testing"
)

// The MSI keys of packaging: defaults and checks.
func TestPackagingMSIKeys(t *testing.T) {
	c, err := Parse("svcship.yaml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if c.Packaging.SameVersionUpgrade == nil || !*c.Packaging.SameVersionUpgrade || !c.Packaging.UpgradesSameVersion() {
		t.Errorf("same_version_upgrade default %v, want true", c.Packaging.SameVersionUpgrade)
	}
	if c.Packaging.SuppressICE != nil {
		t.Errorf("suppress_ice default %v, want none", c.Packaging.SuppressICE)
	}
	c, err = Parse("svcship.yaml", []byte(minimal+"  same_version_upgrade: false\n  suppress_ice: [ICE61, ICE105, CABINET]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Packaging.UpgradesSameVersion() || strings.Join(c.Packaging.SuppressICE, ",") != "ICE61,ICE105,CABINET" {
		t.Errorf("same_version_upgrade %v, suppress_ice %v", *c.Packaging.SameVersionUpgrade, c.Packaging.SuppressICE)
	}
	for _, bad := range []string{"ice61", "ICE6", "ICE1234", "61", "ICE61 "} {
		_, err := Parse("svcship.yaml", []byte(minimal+"  suppress_ice: ['"+bad+"']\n"))
		if err == nil || !strings.Contains(err.Error(), "packaging.suppress_ice[0]") || !strings.Contains(err.Error(), "is not a validation rule name (expected e.g. ICE61, ICE82 or CABINET)") {
			t.Errorf("suppress_ice %q: error %v", bad, err)
		}
	}
}
