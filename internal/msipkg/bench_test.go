package msipkg

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/testtool"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/version"
)

// wixlSource is the .wxs that describes the same package for wixl: the
// same files, components, service, upgrade rules and configure action.
const wixlSource = `<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="*" Name="Hello Service" Language="1033" Version="1.2.3" Manufacturer="Example Corp"
           UpgradeCode="6D3C1E55-2B1F-4C8A-9E0D-7A1B2C3D4E5F">
    <Package InstallerVersion="200" Compressed="yes" InstallScope="perMachine" Platform="x64"/>
    <MajorUpgrade DowngradeErrorMessage="A newer version of Hello Service is already installed."/>
    <Media Id="1" Cabinet="payload.cab" EmbedCab="yes"/>
    <Icon Id="ProductIcon.ico" SourceFile="app.ico"/>
    <Property Id="ARPPRODUCTICON" Value="ProductIcon.ico"/>
    <Property Id="ARPNOMODIFY" Value="1"/>
    <Property Id="ARPURLINFOABOUT" Value="https://example.com/hello"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFiles64Folder">
        <Directory Id="INSTALLDIR" Name="Hello Service">
          <Component Id="App" Guid="775871CD-B4B0-51AA-975E-58D3DBD56022" Win64="yes">
            <File Id="AppExe" Source="hellosvc.exe" KeyPath="yes"/>
            <ServiceInstall Id="Service" Name="hellosvc" DisplayName="Hello Service" Description="A tiny HTTP service"
                            Type="ownProcess" Start="auto" ErrorControl="normal" Vital="yes"
                            Arguments="--listen 127.0.0.1:18123 --name hellosvc"/>
            <ServiceControl Id="Service" Name="hellosvc" Start="install" Stop="both" Remove="uninstall" Wait="yes"/>
          </Component>
          <Component Id="Installer" Guid="FBAADD58-407D-56BF-8C6C-155C556FDBC4" Win64="yes">
            <File Id="InstallerExe" Source="svcship-installer.exe" KeyPath="yes"/>
          </Component>
          <Component Id="Config" Guid="453B4E96-5985-5EB4-916B-6DF9B2FA25E6" Win64="yes" Permanent="yes" NeverOverwrite="yes">
            <File Id="ConfigYaml" Source="svcship.yaml" KeyPath="yes"/>
          </Component>
          <Component Id="Extra1" Guid="77E35108-60D4-59F1-BC81-CA2502BF1DFD" Win64="yes">
            <File Id="Extra1" Source="README.txt" KeyPath="yes"/>
          </Component>
        </Directory>
      </Directory>
    </Directory>
    <CustomAction Id="SvcshipConfigureService" FileKey="InstallerExe" ExeCommand='configure --config "[INSTALLDIR]svcship.yaml"'
                  Execute="deferred" Impersonate="no" Return="check"/>
    <InstallExecuteSequence>
      <Custom Action="SvcshipConfigureService" After="InstallServices">NOT REMOVE</Custom>
    </InstallExecuteSequence>
    <Feature Id="Main" Level="1">
      <ComponentRef Id="App"/>
      <ComponentRef Id="Installer"/>
      <ComponentRef Id="Config"/>
      <ComponentRef Id="Extra1"/>
    </Feature>
  </Product>
</Wix>
`

// benchPayload builds real Windows executables (hellosvc and the service
// installer) so compression ratios are representative.
func benchPayload(b *testing.B) (dir string, spec Spec) {
	b.Helper()
	dir = b.TempDir()
	for pkg, out := range map[string]string{
		"github.com/svcship/svcship/cmd/hellosvc":          "hellosvc.exe",
		"github.com/svcship/svcship/cmd/svcship-installer": "svcship-installer.exe",
	} {
		cmd := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(dir, out), pkg)
		cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("go build %s: %v\n%s", pkg, err, msg)
		}
	}
	for name, data := range map[string][]byte{"svcship.yaml": []byte(testYAML), "README.txt": []byte("Read me.\r\n"), "app.ico": testIcon(), "hello.wxs": []byte(wixlSource)} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	c, err := config.Load(filepath.Join(dir, "svcship.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	v, _ := version.Parse("1.2.3")
	return dir, Spec{
		Config: c, Arch: "amd64", Version: v, Timestamp: time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC),
		AppBinary: filepath.Join(dir, "hellosvc.exe"), Installer: filepath.Join(dir, "svcship-installer.exe"),
	}
}

// BenchmarkBuildVsWixl builds the same package with msipkg and with wixl in
// the same run and reports msipkg's time and size relative to wixl's
// (goal: time-ratio <= 0.5, size-ratio <= 1.05).
func BenchmarkBuildVsWixl(b *testing.B) {
	testtool.Path(b, "wixl")
	dir, spec := benchPayload(b)
	ours := filepath.Join(dir, "ours.msi")
	theirs := filepath.Join(dir, "wixl.msi")

	runWixl := func() time.Duration {
		start := time.Now()
		cmd := exec.Command("wixl", "-a", "x64", "-o", theirs, "hello.wxs")
		cmd.Dir = dir
		if msg, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("wixl: %v\n%s", err, msg)
		}
		return time.Since(start)
	}
	runWixl() // warm the page cache for both

	// Interleave the two builders so both see the same machine load; the
	// ratio compares medians.
	var oursT, wixlT []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := BuildFile(context.Background(), spec, ours); err != nil {
			b.Fatal(err)
		}
		oursT = append(oursT, time.Since(start))
		b.StopTimer()
		wixlT = append(wixlT, runWixl())
		b.StartTimer()
	}
	b.StopTimer()
	median := func(d []time.Duration) time.Duration {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		return d[len(d)/2]
	}
	perOp, wixlTime := median(oursT), median(wixlT)
	so, err := os.Stat(ours)
	if err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(theirs)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(wixlTime.Microseconds())/1000, "wixl-ms")
	b.ReportMetric(float64(perOp)/float64(wixlTime), "time-ratio")
	b.ReportMetric(float64(so.Size()), "msi-bytes")
	b.ReportMetric(float64(st.Size()), "wixl-bytes")
	b.ReportMetric(float64(so.Size())/float64(st.Size()), "size-ratio")
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "msipkg %v %d B; wixl %v %d B\n", perOp, so.Size(), wixlTime, st.Size())
	}
}
