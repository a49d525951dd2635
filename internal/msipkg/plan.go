package msipkg

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"debug/pe"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/svcship/svcship/internal/winarch"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/svcship/svcship/internal/autostart"
	"github.com/svcship/svcship/internal/winargs"
	"github.com/svcship/svcship/msi"

	"github.com/svcship/svcship/config"
)

// Fixed identifiers of the package (table keys, property names).
const (
	featureMain = "Main"
	dirInstall  = "INSTALLDIR"
	cabStream   = "payload.cab"
	iconKey     = "ProductIcon.ico"
	propUpgrade = "SVCSHIP_UPGRADE_FOUND" // older version installed: remove it
	propNewer   = "SVCSHIP_NEWER_FOUND"   // newer version installed: refuse
	propPurge   = "SVCSHIP_PURGE"         // msiexec /x ... SVCSHIP_PURGE=1 also forgets the saved svcship.yaml
	// Public properties a deployment tool passes on the msiexec command
	// line (docs/msi.md, "Deployment properties").
	propPassword    = "SERVICE_PASSWORD" // a user account's password: hidden, used only by ServiceInstall
	propAccount     = "SERVICE_ACCOUNT"
	propStart       = "SERVICE_START"
	propArguments   = "SERVICE_ARGUMENTS"
	actionConfigure = "SvcshipConfigureService"
	actionSave      = "SvcshipSaveConfig"
	actionRestore   = "SvcshipRestoreConfig"
	actionAutoAdd   = "SvcshipAutostartAdd"
	actionAutoDel   = "SvcshipAutostartRemove"
	actionForget    = "SvcshipForgetConfig"
	actionARPDir    = "SvcshipSetARPINSTALLLOCATION"
	actionSavedPath = "SvcshipSetSavedConfigPath"
	propSavedPath   = "SvcshipSavedConfig" // private: set by actionSavedPath only
	// Rollback twins: they run only if the installation fails and rolls
	// back (see executeSequence for where each sits).
	actionConfigureUndo = "SvcshipConfigureServiceRollback"
	actionRestoreUndo   = "SvcshipRestoreConfigRollback"
	actionAutoAddUndo   = "SvcshipAutostartAddRollback"
	actionAutoDelUndo   = "SvcshipAutostartRemoveRollback"

	// Component attributes.
	comp64 = 0x100

	// File attributes.
	fileVital = 0x200

	// ServiceControl events.
	scStartInstall   = 0x01
	scStopInstall    = 0x02
	scStopUninstall  = 0x20
	scDelUninstall   = 0x80
	serviceOwnProc   = 0x10
	errorNormalVital = 0x8001

	// CustomAction types: 18 = exe from an installed file, 0x400 deferred,
	// 0x800 no impersonation (runs as LocalSystem); 51 = set a property.
	caExeDeferredSystem = 18 | 0x400 | 0x800
	caIgnoreExitCode    = 0x40
	caSetProperty       = 51
	// In-script options (https://learn.microsoft.com/en-us/windows/win32/msi/custom-action-in-script-execution-options):
	// 0x100 with 0x400 is a rollback action.
	caRollback = 0x100

	// Upgrade attributes.
	upMigrateFeatures = 0x1
	upOnlyDetect      = 0x2
	upMinInclusive    = 0x100
	upMaxInclusive    = 0x200

	// installDirSDDL is the DACL of INSTALLDIR (MsiLockPermissionsEx,
	// https://learn.microsoft.com/en-us/windows/win32/msi/msilockpermissionsex-table;
	// SDDL: https://learn.microsoft.com/en-us/windows/win32/secauthz/security-descriptor-string-format):
	// protected (P) so nothing is inherited from a writable parent such as
	// D:\, SYSTEM and Administrators full control, Users read and execute,
	// inherited by every subfolder and file (OICI).
	installDirSDDL = "D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FRFX;;;BU)"

	eventLogKey = `SYSTEM\CurrentControlSet\Services\EventLog\Application\`
)

// archInfo is what differs between target architectures.
type archInfo struct {
	template    string
	pageCount   int32
	programDir  string
	compAttr    int
	peMachine   uint16
	description string
}

func lookupArch(arch string) (archInfo, error) {
	a, err := winarch.Lookup(arch)
	if err != nil {
		return archInfo{}, inputErr("arch: %v", err)
	}
	comp := 0
	if a.Is64 {
		comp = comp64
	}
	// Schema 500 everywhere: MsiLockPermissionsEx (the install folder's
	// DACL) needs Windows Installer 5.0 (Windows 7 and later), and Arm64
	// packages need it anyway.
	return archInfo{a.MSIPlatform + ";1033", 500, a.ProgramFiles, comp, a.Machine, a.Display}, nil
}

// payloadFile is one file installed into INSTALLDIR.
type payloadFile struct {
	key       string // File and CFFILE name
	component string
	name      string // long file name
	data      []byte
	compAttr  int
	version   fileVersion // from VERSIONINFO; empty for unversioned files
}

// pkg is a fully checked package, ready to be written.
type pkg struct {
	spec        Spec
	arch        archInfo
	msiVersion  string
	upgradeCode guid
	productCode guid
	packageCode guid
	files       []payloadFile
	icon        []byte
	tables      map[string][]row
	contentHash string
	md5s        [][16]byte
	// cab delivers the compressed payload; compression starts as soon as
	// the files are read and overlaps the hashing and table building.
	cab chan cabResult
	// suppress names validation warnings not to report; warnings are
	// what validation reported when the package was written.
	suppress []string
	warnings []msi.Finding
}

type cabResult struct {
	data []byte
	err  error
}

// row maps column names to values (string, int, []byte or nil).
type row map[string]any

func readInput(what, path string) ([]byte, error) {
	if path == "" {
		return nil, inputErr("%s: no path given", what)
	}
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, inputErr("%s %s does not exist", what, path)
		}
		return nil, fmt.Errorf("msipkg: %s: %w", what, err)
	}
	if !st.Mode().IsRegular() {
		return nil, inputErr("%s %s is not a regular file", what, path)
	}
	if st.Size() > 0x7FFF8000 {
		return nil, inputErr("%s %s is larger than a cabinet can hold (2 GiB)", what, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("msipkg: %s: %w", what, err)
	}
	return b, nil
}

// checkPE verifies that data is a Windows executable for the machine.
func checkPE(what, path string, data []byte, a archInfo) error {
	f, err := pe.NewFile(bytes.NewReader(data))
	if err != nil {
		return inputErr("%s %s is not a Windows executable: %v", what, path, err)
	}
	if f.Machine != a.peMachine {
		return inputErr("%s %s is built for machine %#x, not %s (%#x)", what, path, f.Machine, a.description, a.peMachine)
	}
	return nil
}

func plan(spec Spec) (*pkg, error) {
	c := spec.Config
	if c == nil {
		return nil, inputErr("no configuration (Spec.Config is nil)")
	}
	a, err := lookupArch(spec.Arch)
	if err != nil {
		return nil, err
	}
	mv, err := spec.Version.MSI()
	if err != nil {
		return nil, inputErr("%v", err)
	}
	if spec.Timestamp.IsZero() {
		return nil, inputErr("no build timestamp (set SOURCE_DATE_EPOCH or build from a git commit)")
	}
	if y := spec.Timestamp.UTC().Year(); y < 1980 || y > 2107 {
		return nil, inputErr("build timestamp %s is outside 1980..2107", spec.Timestamp.UTC().Format(time.RFC3339))
	}
	uc, err := parseGUID(c.Packaging.UpgradeCode)
	if err != nil {
		return nil, inputErr("packaging.upgrade_code: %v", err)
	}
	if err := checkText(c); err != nil {
		return nil, err
	}
	if err := checkLongName(c.Packaging.InstallDir); err != nil {
		return nil, inputErr("packaging.install_dir: %v", err)
	}
	switch c.Service.Mode {
	case config.ModeNative, config.ModeHosted:
	case config.ModeAutostart:
		if c.Autostart == nil {
			return nil, inputErr("service.mode is autostart, but svcship.yaml has no autostart section")
		}
	default:
		return nil, inputErr("service.mode %q is not native, hosted or autostart", c.Service.Mode)
	}

	p := &pkg{spec: spec, arch: a, msiVersion: mv, upgradeCode: uc, tables: map[string][]row{}, suppress: spec.SuppressICE}
	if p.suppress == nil {
		p.suppress = c.Packaging.SuppressICE
	}

	// Payload: the app, the installer, svcship.yaml, extra files.
	appName := c.Product.Binary + ".exe"
	if c.Service.Mode == config.ModeHosted {
		appName = c.Service.Hosted.Executable
	}
	if err := checkLongName(appName); err != nil {
		return nil, inputErr("application file name: %v", err)
	}
	app, err := readInput("application binary", spec.AppBinary)
	if err != nil {
		return nil, err
	}
	if err := checkPE("application binary", spec.AppBinary, app, a); err != nil {
		return nil, err
	}
	inst, err := readInput("installer binary", spec.Installer)
	if err != nil {
		return nil, err
	}
	if err := checkPE("installer binary", spec.Installer, inst, a); err != nil {
		return nil, err
	}
	cfgPath := spec.ConfigFile
	if cfgPath == "" {
		cfgPath = filepath.Join(c.Dir(), config.FileName)
	}
	cfgData, err := readInput("configuration file", cfgPath)
	if err != nil {
		return nil, err
	}
	appVer, err := versionOf("application binary", spec.AppBinary, app)
	if err != nil {
		return nil, err
	}
	instVer, err := versionOf("installer binary", spec.Installer, inst)
	if err != nil {
		return nil, err
	}
	p.files = append(p.files,
		payloadFile{key: "AppExe", component: "App", name: appName, data: app, compAttr: a.compAttr, version: appVer},
		payloadFile{key: "InstallerExe", component: "Installer", name: InstallerName, data: inst, compAttr: a.compAttr, version: instVer},
		// An edited svcship.yaml survives upgrades through save-config
		// and configure --restore-config (see the custom actions).
		payloadFile{key: "ConfigYaml", component: "Config", name: config.FileName, data: cfgData, compAttr: a.compAttr},
	)
	extras := spec.ExtraFiles
	if extras == nil {
		for _, e := range c.Packaging.ExtraFiles {
			extras = append(extras, c.Resolve(e))
		}
	}
	for i, e := range extras {
		name := filepath.Base(e)
		if err := checkLongName(name); err != nil {
			return nil, inputErr("extra file %s: %v", e, err)
		}
		data, err := readInput("extra file", e)
		if err != nil {
			return nil, err
		}
		p.files = append(p.files, payloadFile{
			key: fmt.Sprintf("Extra%d", i+1), component: fmt.Sprintf("Extra%d", i+1), name: name, data: data,
			compAttr: a.compAttr,
		})
	}
	seen := map[string]string{}
	for _, f := range p.files {
		k := strings.ToLower(f.name)
		if prev, dup := seen[k]; dup {
			return nil, inputErr("two files would be installed as %q (%s and %s)", f.name, prev, f.key)
		}
		seen[k] = f.key
	}
	if len(p.files) > 0x7FFF {
		return nil, inputErr("%d files; an MSI built here holds at most 32767", len(p.files))
	}
	iconPath := spec.Icon
	if iconPath == "" && c.Product.Icon != "" {
		iconPath = c.Resolve(c.Product.Icon)
	}
	if iconPath != "" {
		if p.icon, err = readInput("icon", iconPath); err != nil {
			return nil, err
		}
		if len(p.icon) < 6 || !bytes.Equal(p.icon[:4], []byte{0, 0, 1, 0}) {
			return nil, inputErr("icon %s is not a .ico file", iconPath)
		}
	}

	p.cab = make(chan cabResult, 1)
	go func() {
		data, err := p.buildCab()
		p.cab <- cabResult{data, err}
	}()

	// ProductCode: a new one for every version and every content change, so
	// each build is a major upgrade of the previous one.
	content := sha256.New()
	p.md5s = make([][16]byte, len(p.files))
	for i, f := range p.files {
		fmt.Fprintf(content, "%s\x00%s\x00%d\x00", f.key, f.name, len(f.data))
		content.Write(f.data)
		p.md5s[i] = md5.Sum(f.data)
	}
	content.Write(p.icon)
	p.contentHash = hex.EncodeToString(content.Sum(nil))
	p.productCode = derive("product", uc.String(), spec.Arch, spec.Version.String(), p.contentHash)

	if err := p.fillTables(); err != nil {
		return nil, err
	}
	// PackageCode: a digest of everything else in the package.
	p.packageCode = derive("package", p.digest(), spec.Timestamp.UTC().Format(time.RFC3339Nano))
	return p, nil
}

// versionOf reads an executable's VERSIONINFO for File.Version and
// File.Language; an executable without one is an unversioned file.
func versionOf(what, path string, data []byte) (fileVersion, error) {
	v, err := readFileVersion(data)
	if errors.Is(err, errNoVersion) {
		return fileVersion{}, nil
	}
	if err != nil {
		return fileVersion{}, inputErr("%s %s: VERSIONINFO resource: %v", what, path, err)
	}
	return v, nil
}

// checkText rejects configuration strings Windows Installer cannot carry.
func checkText(c *config.Config) error {
	for _, f := range []struct{ key, val string }{
		{"product.display_name", c.Product.DisplayName},
		{"product.company", c.Product.Company},
		{"product.description", c.Product.Description},
		{"product.homepage", c.Product.Homepage},
		{"service.name", c.Service.Name},
		{"service.display_name", c.Service.DisplayName},
		{"service.description", c.Service.Description},
		{"service.event_source", c.Service.EventSource},
		{"service.account", c.Service.Account},
		{"packaging.install_dir", c.Packaging.InstallDir},
	} {
		if !utf8.ValidString(f.val) {
			return inputErr("%s is not valid UTF-8", f.key)
		}
		for _, r := range f.val {
			if r < 0x20 {
				return inputErr("%s contains a control character", f.key)
			}
			if !inCP1252(r) {
				return inputErr("%s: %q cannot be written in an MSI (the database uses code page 1252, Western European)", f.key, r)
			}
		}
	}
	switch {
	case c.Product.DisplayName == "":
		return inputErr("product.display_name is empty")
	case c.Product.Company == "":
		return inputErr("product.company is empty")
	case c.Service.Name == "" || strings.ContainsAny(c.Service.Name, `/\[]{}`):
		return inputErr("service.name %q is empty or contains / \\ [ ] { }", c.Service.Name)
	case c.Service.EventSource == "" || strings.ContainsAny(c.Service.EventSource, `/\[]{}`):
		return inputErr("service.event_source %q is empty or contains / \\ [ ] { }", c.Service.EventSource)
	}
	if n := utf8.RuneCountInString(formatEscape(c.Service.Description)); n > 255 {
		return inputErr("service.description is %d characters once [ ] { } are escaped; the MSI ServiceInstall table holds at most 255", n)
	}
	if n := utf8.RuneCountInString(c.Service.DisplayName); n > 255 {
		return inputErr("service.display_name is %d characters; the MSI ServiceInstall table holds at most 255", n)
	}
	for _, d := range c.Service.Dependencies {
		if d == "" || strings.ContainsAny(d, `[]{}`) {
			return inputErr("service.dependencies: %q is empty or contains [ ] { }", d)
		}
	}
	return nil
}

// cp1252Extra are the characters Windows-1252 puts at 0x80..0x9F.
const cp1252Extra = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"

// inCP1252 reports whether r has a Windows-1252 encoding (MSI databases
// here use code page 1252; UTF-8 databases are rejected by Windows).
func inCP1252(r rune) bool {
	return r < 0x80 || (r >= 0xA0 && r <= 0xFF) || strings.ContainsRune(cp1252Extra, r)
}

// formatEscape escapes text for a Formatted column, where [ ] { } and
// [~] are syntax.
func formatEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '[', ']', '{', '}':
			b.WriteString(`[\` + string(r) + `]`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (p *pkg) add(table string, r row) { p.tables[table] = append(p.tables[table], r) }

func (p *pkg) fillTables() error {
	c := p.spec.Config
	a := p.arch
	product := c.Product.DisplayName
	svc := c.Service

	// Properties.
	props := [][2]string{
		{"ProductCode", p.productCode.String()},
		{"ProductName", product},
		{"ProductVersion", p.msiVersion},
		{"ProductLanguage", "1033"},
		{"Manufacturer", c.Product.Company},
		{"UpgradeCode", p.upgradeCode.String()},
		{"ALLUSERS", "1"},
		{"ARPNOMODIFY", "1"},
		{"ARPCOMMENTS", c.Product.Description},
		// Public properties that reach the server side of a managed
		// install (https://learn.microsoft.com/en-us/windows/win32/msi/securecustomproperties).
		{"SecureCustomProperties", strings.Join([]string{dirInstall, propNewer, propPurge, propArguments, propAccount, propPassword, propStart, propUpgrade}, ";")},
		// Never written to a log (https://learn.microsoft.com/en-us/windows/win32/msi/msihiddenproperties).
		{"MsiHiddenProperties", propPassword},
	}
	if h := c.Product.Homepage; h != "" {
		props = append(props, [2]string{"ARPURLINFOABOUT", h}, [2]string{"ARPHELPLINK", h})
	}
	if p.icon != nil {
		props = append(props, [2]string{"ARPPRODUCTICON", iconKey})
		p.add("Icon", row{"Name": iconKey, "Data": p.icon})
	}

	// Directories.
	p.add("Directory", row{"Directory": "TARGETDIR", "DefaultDir": "SourceDir"})
	p.add("Directory", row{"Directory": a.programDir, "Directory_Parent": "TARGETDIR", "DefaultDir": "."})
	p.add("Directory", row{"Directory": dirInstall, "Directory_Parent": a.programDir,
		"DefaultDir": msiNames([]string{c.Packaging.InstallDir})[c.Packaging.InstallDir]})

	p.add("Feature", row{"Feature": featureMain, "Title": truncate(product, 64), "Description": truncate(c.Product.Description, 255),
		"Display": 1, "Level": 1, "Directory_": dirInstall, "Attributes": 0})

	// Files, one component each, in cabinet order.
	var longs []string
	for _, f := range p.files {
		longs = append(longs, f.name)
	}
	names := msiNames(longs)
	for i, f := range p.files {
		// ComponentId is filled in by componentIDs once every row is known.
		p.add("Component", row{"Component": f.component, "Directory_": dirInstall,
			"Attributes": f.compAttr, "KeyPath": f.key})
		p.add("FeatureComponents", row{"Feature_": featureMain, "Component_": f.component})
		p.add("File", row{"File": f.key, "Component_": f.component, "FileName": names[f.name], "FileSize": len(f.data),
			"Version": f.version.version, "Language": f.version.language, "Attributes": fileVital, "Sequence": i + 1})
		if f.version.version != "" {
			// Versioned files are compared by version; a hash is only
			// for unversioned ones (ICE60).
			continue
		}
		sum := p.md5s[i]
		p.add("MsiFileHash", row{"File_": f.key, "Options": 0,
			"HashPart1": int32(binary.LittleEndian.Uint32(sum[0:])), "HashPart2": int32(binary.LittleEndian.Uint32(sum[4:])),
			"HashPart3": int32(binary.LittleEndian.Uint32(sum[8:])), "HashPart4": int32(binary.LittleEndian.Uint32(sum[12:]))})
	}
	// INSTALLDIR gets an explicit, protected DACL wherever it is installed
	// (INSTALLDIR=D:\Svc\ would otherwise inherit Authenticated Users:
	// Modify from D:\). The lock needs a CreateFolder row to hang on.
	p.add("CreateFolder", row{"Directory_": dirInstall, "Component_": "Installer"})
	p.add("MsiLockPermissionsEx", row{"MsiLockPermissionsEx": "LockInstallDir", "LockObject": dirInstall, "Table": "CreateFolder",
		"SDDLText": installDirSDDL})
	p.add("Media", row{"DiskId": 1, "LastSequence": len(p.files), "Cabinet": "#" + cabStream})

	svcComp := "App"
	if svc.Mode == config.ModeAutostart {
		if err := p.autostartRows(); err != nil {
			return err
		}
	} else {
		var err error
		if svcComp, err = p.serviceRows(svc, &props); err != nil {
			return err
		}
	}

	// INSTALLDIR is remembered in the registry and found again by AppSearch,
	// so an uninstall, a repair and an upgrade use the folder the product
	// was installed in (msiexec /i ... INSTALLDIR=D:\Svc\), not the default.
	// Wine resolves folders from properties on uninstall, and Windows does
	// so for the new product of a major upgrade.
	rememberKey := `Software\svcship\` + strings.Trim(p.upgradeCode.String(), "{}")
	p.add("Registry", row{"Registry": "RememberInstallDir", "Root": 2, "Key": rememberKey, "Name": "InstallDir",
		"Value": "[" + dirInstall + "]", "Component_": svcComp})
	locType := 2 // msidbLocatorTypeRawValue
	if p.arch.compAttr&comp64 != 0 {
		locType |= 0x10 // msidbLocatorType64bit: the 64-bit registry view
	}
	p.add("RegLocator", row{"Signature_": "RememberedInstallDir", "Root": 2, "Key": rememberKey, "Name": "InstallDir", "Type": locType})
	p.add("AppSearch", row{"Property": dirInstall, "Signature_": "RememberedInstallDir"})

	// Custom actions.
	p.add("CustomAction", row{"Action": actionARPDir, "Type": caSetProperty, "Source": "ARPINSTALLLOCATION", "Target": "[" + dirInstall + "]"})
	// Every removal (an upgrade removes the old version first) saves
	// svcship.yaml under ProgramData, and the next install's configure step
	// restores it: wine's msiexec does not tell the removal that it is part
	// of an upgrade, so the removal cannot decide by itself. The program
	// folder is left empty; SVCSHIP_PURGE=1 also forgets the saved copy.
	// Failures are ignored: saving settings must never block an uninstall.
	// The saved copy's path is set once into a private property (folders
	// are resolved by CostFinalize), which keeps every command line within
	// the 255 characters of CustomAction.Target.
	p.add("CustomAction", row{"Action": actionSavedPath, "Type": caSetProperty, "Source": propSavedPath,
		"Target": `[CommonAppDataFolder]svcship\` + strings.Trim(p.upgradeCode.String(), "{}") + `\` + config.FileName})
	saved := "[" + propSavedPath + "]"
	installed := `[` + dirInstall + `]` + config.FileName
	p.add("CustomAction", row{"Action": actionSave, "Type": caExeDeferredSystem | caIgnoreExitCode, "Source": "InstallerExe",
		"Target": `save-config --from "` + installed + `" --to "` + saved + `"`})
	// Forgetting needs no undo: an uninstall that rolls back restores the
	// installed svcship.yaml itself. (It cannot be a commit action: those
	// run after RemoveFiles has deleted the installer that does the work.)
	p.add("CustomAction", row{"Action": actionForget, "Type": caExeDeferredSystem | caIgnoreExitCode, "Source": "InstallerExe",
		"Target": `save-config --forget --to "` + saved + `"`})
	// Should the install roll back after the saved settings were put back
	// (and their saved copy removed), this saves them again, so a failed
	// install loses no settings. Exit code ignored: a rollback must finish.
	// It is sequenced right after the step it undoes: a step that fails
	// keeps the saved copy itself, and must not have it overwritten.
	resave := `save-config --from "` + installed + `" --to "` + saved + `"`
	if svc.Mode != config.ModeAutostart {
		p.add("CustomAction", row{"Action": actionConfigure, "Type": caExeDeferredSystem, "Source": "InstallerExe",
			"Target": `configure --config "` + installed + `" --restore-config "` + saved + `"` + msiPropertyArgs()})
		p.add("CustomAction", row{"Action": actionConfigureUndo, "Type": caExeDeferredSystem | caRollback | caIgnoreExitCode, "Source": "InstallerExe",
			"Target": resave})
	} else {
		// No service to configure: restore the saved settings directly,
		// then (for a task) let the installer register it from them.
		p.add("CustomAction", row{"Action": actionRestore, "Type": caExeDeferredSystem, "Source": "InstallerExe",
			"Target": `save-config --restore --from "` + saved + `" --to "` + installed + `"`})
		p.add("CustomAction", row{"Action": actionRestoreUndo, "Type": caExeDeferredSystem | caRollback | caIgnoreExitCode, "Source": "InstallerExe",
			"Target": resave})
		if c.Autostart.Kind == "task" {
			add := `autostart add --config "` + installed + `"`
			remove := `autostart remove --config "` + installed + `"`
			p.add("CustomAction", row{"Action": actionAutoAdd, "Type": caExeDeferredSystem, "Source": "InstallerExe", "Target": add})
			p.add("CustomAction", row{"Action": actionAutoAddUndo, "Type": caExeDeferredSystem | caRollback | caIgnoreExitCode, "Source": "InstallerExe",
				"Target": remove})
			p.add("CustomAction", row{"Action": actionAutoDel, "Type": caExeDeferredSystem | caIgnoreExitCode, "Source": "InstallerExe", "Target": remove})
			p.add("CustomAction", row{"Action": actionAutoDelUndo, "Type": caExeDeferredSystem | caRollback | caIgnoreExitCode, "Source": "InstallerExe",
				"Target": add})
		}
	}

	// Major upgrade: remove any older build, and by default a build of
	// the same version too (VersionMax inclusive, what ICE61 warns
	// about; docs/msi.md). Refuse to replace a newer one. With
	// packaging.same_version_upgrade: false the same version is refused
	// like a newer one instead of being replaced.
	detectAttr, removeAttr := upOnlyDetect, upMigrateFeatures|upMaxInclusive
	refused := "A newer version of " + formatEscape(product) + " is already installed."
	if !c.Packaging.UpgradesSameVersion() {
		detectAttr, removeAttr = upOnlyDetect|upMinInclusive, upMigrateFeatures
		refused = "This version or a newer version of " + formatEscape(product) + " is already installed."
	}
	p.add("Upgrade", row{"UpgradeCode": p.upgradeCode.String(), "VersionMin": p.msiVersion, "Attributes": detectAttr,
		"ActionProperty": propNewer})
	p.add("Upgrade", row{"UpgradeCode": p.upgradeCode.String(), "VersionMax": p.msiVersion,
		"Attributes": removeAttr, "ActionProperty": propUpgrade})
	p.add("LaunchCondition", row{"Condition": "Installed OR NOT " + propNewer, "Description": refused})

	for _, s := range executeSequence(c) {
		p.add("InstallExecuteSequence", row{"Action": s.action, "Condition": s.cond, "Sequence": s.seq})
	}
	for _, s := range uiSequence() {
		p.add("InstallUISequence", row{"Action": s.action, "Condition": s.cond, "Sequence": s.seq})
	}
	for _, s := range adminUISequence() {
		p.add("AdminUISequence", row{"Action": s.action, "Condition": s.cond, "Sequence": s.seq})
	}
	for _, s := range adminExecuteSequence() {
		p.add("AdminExecuteSequence", row{"Action": s.action, "Condition": s.cond, "Sequence": s.seq})
	}
	for _, s := range advtExecuteSequence() {
		p.add("AdvtExecuteSequence", row{"Action": s.action, "Condition": s.cond, "Sequence": s.seq})
	}
	for _, kv := range props {
		p.add("Property", row{"Property": kv[0], "Value": kv[1]})
	}
	p.componentIDs()
	return nil
}

// msiPropertyArgs passes the deployment properties to the configure step,
// one --msi-property NAME=value each; an empty value means "not passed".
// Each is quoted as one argument, so a value may hold spaces but not a
// double quote (docs/msi.md).
func msiPropertyArgs() string {
	var b strings.Builder
	for _, name := range []string{propAccount, propStart, propArguments} {
		fmt.Fprintf(&b, ` --msi-property "%s=[%s]"`, name, name)
	}
	return b.String()
}

type step struct {
	action string
	cond   string
	seq    int
}

func executeSequence(c *config.Config) []step {
	seq := []step{
		{"FindRelatedProducts", "", 25},
		{"AppSearch", "", 50},
		{"LaunchConditions", "", 100},
		{"ValidateProductID", "", 700},
		{"CostInitialize", "", 800},
		{"FileCost", "", 900},
		{"CostFinalize", "", 1000},
		{actionARPDir, "", 1001},
		{actionSavedPath, "", 1002},
		{"MigrateFeatureStates", "", 1200},
		{"InstallValidate", "", 1400},
		{"InstallInitialize", "", 1500},
		// Right after InstallInitialize, the removal of the old version is
		// part of this installation's transaction: if anything later fails
		// (the configure step, a task, starting the service), Windows
		// Installer rolls the new version back and the old one, with its
		// service, returns (https://learn.microsoft.com/en-us/windows/win32/msi/removeexistingproducts-action).
		// It still runs first, so the old service is deleted before the new
		// one is created and its settings are always fresh.
		{"RemoveExistingProducts", "", 1501},
		{"ProcessComponents", "", 1600},
		{"UnpublishFeatures", "", 1800},
		{"StopServices", "VersionNT", 1900},
		{"DeleteServices", "VersionNT", 2000},
		// Before RemoveFiles deletes svcship.yaml and the installer.
		{actionSave, `REMOVE~="ALL" AND NOT ` + propPurge, 2010},
		{actionForget, `REMOVE~="ALL" AND ` + propPurge, 2011},
		{"RemoveRegistryValues", "", 2600},
		{"RemoveFiles", "", 3500},
		{"RemoveFolders", "", 3600},
		{"CreateFolders", "", 3700},
		{"InstallFiles", "", 4000},
		{"WriteRegistryValues", "", 5000},
		{"InstallServices", "VersionNT", 5800},
		{"StartServices", startCondition(c), 5900},
		{"RegisterUser", "", 6000},
		{"RegisterProduct", "", 6100},
		{"PublishFeatures", "", 6300},
		{"PublishProduct", "", 6400},
		{"InstallFinalize", "", 6600},
	}
	if c.Service.Mode != config.ModeAutostart {
		// After the service exists, before it first starts: recovery and
		// delayed start are in place for the very first start. The undo
		// comes right after: it is scheduled only once configure has
		// succeeded (configure keeps the saved copy when it fails).
		return append(seq, step{actionConfigure, "NOT REMOVE", 5850}, step{actionConfigureUndo, "NOT REMOVE", 5851})
	}
	seq = append(seq, step{actionRestore, "NOT REMOVE", 5840}, step{actionRestoreUndo, "NOT REMOVE", 5841})
	if c.Autostart.Kind == "task" {
		// These undos come first, as usual: undoing an add or a remove
		// that did not happen is harmless.
		seq = append(seq, step{actionAutoAddUndo, "NOT REMOVE", 5849}, step{actionAutoAdd, "NOT REMOVE", 5850},
			// Before RemoveFiles deletes the installer that removes it.
			step{actionAutoDelUndo, `REMOVE~="ALL"`, 2004}, step{actionAutoDel, `REMOVE~="ALL"`, 2005})
	}
	return seq
}

// startCondition decides whether StartServices starts the service at the
// end of the install: when the configured start type is auto (or
// delayed-auto), unless SERVICE_START says manual or disabled; when it is
// manual or disabled, only if SERVICE_START says auto or delayed-auto.
// Starting a disabled service would fail the install.
func startCondition(c *config.Config) string {
	if c.Service.Start == config.StartManual || c.Service.Start == config.StartDisabled {
		return `VersionNT AND (` + propStart + `~="auto" OR ` + propStart + `~="delayed-auto")`
	}
	return `VersionNT AND NOT (` + propStart + `~="manual" OR ` + propStart + `~="disabled")`
}

// Administrative installation (msiexec /a x.msi TARGETDIR=...) extracts the
// files into an administrative image, and advertisement publishes the
// product; the actions and their order follow the suggested sequences
// (https://learn.microsoft.com/en-us/windows/win32/msi/suggested-adminexecutesequence,
// .../suggested-advtexecutesequence, .../suggested-adminuisequence).
func adminUISequence() []step {
	return []step{
		{"CostInitialize", "", 800},
		{"FileCost", "", 900},
		{"CostFinalize", "", 1000},
		{"ExecuteAction", "", 1300},
	}
}

func adminExecuteSequence() []step {
	return []step{
		{"CostInitialize", "", 800},
		{"FileCost", "", 900},
		{"CostFinalize", "", 1000},
		{"InstallValidate", "", 1400},
		{"InstallInitialize", "", 1500},
		{"InstallAdminPackage", "", 3900},
		{"InstallFiles", "", 4000},
		{"InstallFinalize", "", 6600},
	}
}

func advtExecuteSequence() []step {
	return []step{
		{"CostInitialize", "", 800},
		{"CostFinalize", "", 1000},
		{"InstallValidate", "", 1400},
		{"InstallInitialize", "", 1500},
		{"PublishFeatures", "", 6300},
		{"PublishProduct", "", 6400},
		{"InstallFinalize", "", 6600},
	}
}

func uiSequence() []step {
	return []step{
		{"FindRelatedProducts", "", 25},
		{"AppSearch", "", 50},
		{"LaunchConditions", "", 100},
		{"ValidateProductID", "", 700},
		{"CostInitialize", "", 800},
		{"FileCost", "", 900},
		{"CostFinalize", "", 1000},
		{"MigrateFeatureStates", "", 1200},
		{"ExecuteAction", "", 1300},
	}
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

// serviceRows describes the Windows service (ServiceInstall, ServiceControl,
// the event source) and returns the component that carries it.
func (p *pkg) serviceRows(svc config.Service, props *[][2]string) (string, error) {
	svcComp := "App"
	args := make([]string, len(svc.Arguments))
	for i, s := range svc.Arguments {
		args[i] = formatEscape(winargs.Quote(s))
	}
	arguments := strings.Join(args, " ")
	if svc.Mode == config.ModeHosted {
		svcComp = "Installer"
		arguments = `host --config "[INSTALLDIR]` + config.FileName + `"`
	}
	if n := utf8.RuneCountInString(arguments); n > 255 {
		return "", inputErr("service.arguments make a command line of %d characters; the MSI ServiceInstall table holds at most 255", n)
	}
	start := 2 // SERVICE_AUTO_START; delayed start is set by the configure step
	switch svc.Start {
	case config.StartManual:
		start = 3
	case config.StartDisabled:
		start = 4
	case config.StartAuto, config.StartDelayedAuto:
	default:
		return "", inputErr("service.start %q is not auto, delayed-auto, manual or disabled", svc.Start)
	}
	var deps string
	if len(svc.Dependencies) > 0 {
		deps = strings.Join(svc.Dependencies, "[~]") + "[~][~]"
	}
	var startName, password string
	switch svc.Account {
	case "", config.AccountLocalSystem:
	case config.AccountLocalService:
		startName = `NT AUTHORITY\LocalService`
	case config.AccountNetworkService:
		startName = `NT AUTHORITY\NetworkService`
	case config.AccountVirtual:
		// A virtual account has no password: the column stays NULL, which
		// is what CreateService wants for it.
		startName = `NT SERVICE\` + svc.Name
	default:
		startName = formatEscape(svc.Account)
		if !strings.HasSuffix(svc.Account, "$") {
			// A user account: the password is given at install time
			// (msiexec ... SERVICE_PASSWORD=...), hidden from the log,
			// never stored, and used by this row alone. A managed service
			// account (name$) has none.
			password = "[" + propPassword + "]"
		}
	}
	p.add("ServiceInstall", row{"ServiceInstall": "Service", "Name": svc.Name, "DisplayName": formatEscape(svc.DisplayName),
		"ServiceType": serviceOwnProc, "StartType": start, "ErrorControl": errorNormalVital, "Dependencies": deps,
		"StartName": startName, "Password": password, "Arguments": arguments, "Component_": svcComp,
		"Description": formatEscape(svc.Description)})
	// Start on install always; StartServices' condition (startCondition)
	// decides, so SERVICE_START can change it at install time.
	events := scStartInstall | scStopInstall | scStopUninstall | scDelUninstall
	p.add("ServiceControl", row{"ServiceControl": "Service", "Name": svc.Name, "Event": events, "Wait": 1, "Component_": svcComp})

	// Event log source: Windows Installer deletes these on uninstall.
	elKey := eventLogKey + svc.EventSource
	p.add("Registry", row{"Registry": "EventSource", "Root": 2, "Key": elKey, "Name": "*", "Component_": svcComp})
	p.add("Registry", row{"Registry": "EventSourceFile", "Root": 2, "Key": elKey, "Name": "EventMessageFile",
		"Value": `#%%SystemRoot%\System32\EventCreate.exe`, "Component_": svcComp})
	p.add("Registry", row{"Registry": "EventSourceTypes", "Root": 2, "Key": elKey, "Name": "TypesSupported",
		"Value": "#7", "Component_": svcComp})

	return svcComp, nil
}

// digest hashes every row and file, in a fixed order: the PackageCode is
// derived from it, so any change to the package gives a new one.
func (p *pkg) digest() string {
	h := sha256.New()
	tables := make([]string, 0, len(p.tables))
	for t := range p.tables {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	for _, t := range tables {
		for _, r := range p.tables[t] {
			cols := make([]string, 0, len(r))
			for k := range r {
				cols = append(cols, k)
			}
			sort.Strings(cols)
			fmt.Fprintf(h, "%s:", t)
			for _, k := range cols {
				fmt.Fprintf(h, "%s=%T%v;", k, r[k], r[k])
			}
			h.Write([]byte{'\n'})
		}
	}
	h.Write([]byte(p.contentHash))
	return hex.EncodeToString(h.Sum(nil))
}

// autostartRows registers the program to start in user sessions instead of
// a service (service.mode autostart). A Run key is a Registry row that
// Windows Installer removes on uninstall; a task is registered and removed
// by the bundled installer. The command line is the one
// `svcship-installer autostart add` writes, so `autostart status` agrees.
func (p *pkg) autostartRows() error {
	c := p.spec.Config
	a := c.Autostart
	if a.Scope != "machine" {
		return inputErr("autostart.scope is %q, but an MSI installs for the whole machine: use scope machine (every user), or run `svcship-installer autostart add` as each user", a.Scope)
	}
	if a.Kind != "run-key" {
		return nil
	}
	var exe string
	for _, f := range p.files {
		if f.key == "AppExe" {
			exe = f.name
		}
	}
	value := `"[` + dirInstall + `]` + formatEscape(exe) + `"`
	if len(a.Arguments) > 0 {
		value += " " + formatEscape(winargs.Join(a.Arguments))
	}
	p.add("Registry", row{"Registry": "AutostartRun", "Root": 2, "Key": autostart.RunKey, "Name": formatEscape(c.Product.Name),
		"Value": value, "Component_": "App"})
	return nil
}

// componentIDs derives every ComponentId from what the component holds, so
// it changes exactly when the component rules require a new one
// (https://learn.microsoft.com/en-us/windows/win32/msi/what-happens-if-the-component-rules-are-broken,
// .../organizing-applications-into-components): the target folder and the
// name of every file (the key path among them), the registry keys and
// values it writes, the services it installs (by name), the folders it
// creates, and whether it is a 64-bit component. Content, versions, display
// names and descriptions are not part of it: a new build of the same file
// in the same place keeps the same component.
func (p *pkg) componentIDs() {
	dirs := map[string]row{}
	for _, d := range p.tables["Directory"] {
		dirs[d["Directory"].(string)] = d
	}
	var path func(id string, depth int) string
	path = func(id string, depth int) string {
		d, ok := dirs[id]
		if !ok || depth > 32 {
			return id
		}
		name := longName(d["DefaultDir"].(string))
		parent, _ := d["Directory_Parent"].(string)
		if parent == "" {
			return id // TARGETDIR
		}
		if name == "." {
			// A standard folder (ProgramFiles64Folder, ...) resolves by its
			// own name.
			return path(parent, depth+1) + `\` + id
		}
		return path(parent, depth+1) + `\` + strings.ToLower(name)
	}
	parts := map[string][]string{}
	addPart := func(comp, s string) { parts[comp] = append(parts[comp], s) }
	for _, c := range p.tables["Component"] {
		comp := c["Component"].(string)
		addPart(comp, fmt.Sprintf("dir=%s;64bit=%t;keypath=%s", path(c["Directory_"].(string), 0),
			c["Attributes"].(int)&comp64 != 0, c["KeyPath"]))
	}
	for _, f := range p.tables["File"] {
		addPart(f["Component_"].(string), "file="+strings.ToLower(longName(f["FileName"].(string)))+";key="+f["File"].(string))
	}
	for _, r := range p.tables["Registry"] {
		name, _ := r["Name"].(string)
		addPart(r["Component_"].(string), fmt.Sprintf("registry=%d;%s;%s", r["Root"], strings.ToLower(r["Key"].(string)), strings.ToLower(name)))
	}
	for _, s := range p.tables["ServiceInstall"] {
		addPart(s["Component_"].(string), "service="+strings.ToLower(s["Name"].(string)))
	}
	for _, f := range p.tables["CreateFolder"] {
		addPart(f["Component_"].(string), "folder="+path(f["Directory_"].(string), 0))
	}
	for _, c := range p.tables["Component"] {
		comp := c["Component"].(string)
		ps := parts[comp]
		sort.Strings(ps)
		c["ComponentId"] = derive(append([]string{"component", p.upgradeCode.String(), comp}, ps...)...).String()
	}
}

// longName is the long part of a short|long file or folder name.
func longName(s string) string {
	if i := strings.IndexByte(s, '|'); i >= 0 {
		return s[i+1:]
	}
	return s
}
