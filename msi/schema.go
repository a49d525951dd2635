package msi

import "slices"

// Column categories used by _Validation.
const (
	catIdentifier = "Identifier"
	catText       = "Text"
	catFormatted  = "Formatted"
	catCondition  = "Condition"
	catGUID       = "Guid"
	catFilename   = "Filename"
	catVersion    = "Version"
	catLanguage   = "Language"
	catDefaultDir = "DefaultDir"
	catCabinet    = "Cabinet"
	catProperty   = "Property"
	catRegPath    = "RegPath"
	catUpperCase  = "UpperCase"
	catCustomSrc  = "CustomSource"
	catWildCard   = "WildCardFilename"
	catBinary     = "Binary"
	catSDDL       = "FormattedSDDLText"
)

func rng(lo, hi int32) []int32 { return []int32{lo, hi} }

func fk(name, typ, table string) Column {
	return Column{Name: name, Type: typ, Category: catIdentifier, KeyTable: table, KeyColumn: 1}
}

func sequenceTable(name string) Table {
	return Table{Name: name, Columns: []Column{
		{Name: "Action", Type: "s72", Key: true, Category: catIdentifier},
		{Name: "Condition", Type: "S255", Category: catCondition},
		{Name: "Sequence", Type: "I2", Range: rng(-4, 32767)},
	}}
}

// standardTables builds fresh schema values, so callers may modify what
// they get.
func standardTables() []Table {
	return []Table{
		{Name: "Property", Columns: []Column{
			{Name: "Property", Type: "s72", Key: true, Category: catIdentifier},
			{Name: "Value", Type: "l0", Category: catText},
		}},
		{Name: "Directory", Columns: []Column{
			{Name: "Directory", Type: "s72", Key: true, Category: catIdentifier},
			fk("Directory_Parent", "S72", "Directory"),
			{Name: "DefaultDir", Type: "l255", Category: catDefaultDir},
		}},
		{Name: "Component", Columns: []Column{
			{Name: "Component", Type: "s72", Key: true, Category: catIdentifier},
			{Name: "ComponentId", Type: "S38", Category: catGUID},
			fk("Directory_", "s72", "Directory"),
			{Name: "Attributes", Type: "i2"},
			{Name: "Condition", Type: "S255", Category: catCondition},
			fk("KeyPath", "S72", "File;Registry;ODBCDataSource"),
		}},
		{Name: "Feature", Columns: []Column{
			{Name: "Feature", Type: "s38", Key: true, Category: catIdentifier},
			fk("Feature_Parent", "S38", "Feature"),
			{Name: "Title", Type: "L64", Category: catText},
			{Name: "Description", Type: "L255", Category: catText},
			{Name: "Display", Type: "I2", Range: rng(0, 32767)},
			{Name: "Level", Type: "i2", Range: rng(0, 32767)},
			{Name: "Directory_", Type: "S72", Category: catUpperCase, KeyTable: "Directory", KeyColumn: 1},
			{Name: "Attributes", Type: "i2", Set: "0;1;2;4;5;6;8;9;10;16;17;18;20;21;22;24;25;26;32;33;34;36;37;38;48;49;50;52;53;54"},
		}},
		{Name: "FeatureComponents", Columns: []Column{
			withKey(fk("Feature_", "s38", "Feature")),
			withKey(fk("Component_", "s72", "Component")),
		}},
		{Name: "File", Columns: []Column{
			{Name: "File", Type: "s72", Key: true, Category: catIdentifier},
			fk("Component_", "s72", "Component"),
			{Name: "FileName", Type: "l255", Category: catFilename},
			{Name: "FileSize", Type: "i4", Range: rng(0, 2147483647)},
			{Name: "Version", Type: "S72", Category: catVersion, KeyTable: "File", KeyColumn: 1},
			{Name: "Language", Type: "S20", Category: catLanguage},
			{Name: "Attributes", Type: "I2", Range: rng(0, 32767)},
			{Name: "Sequence", Type: "i4", Range: rng(1, 2147483647)},
		}},
		{Name: "Media", Columns: []Column{
			{Name: "DiskId", Type: "i2", Key: true, Range: rng(1, 32767)},
			{Name: "LastSequence", Type: "i4", Range: rng(0, 2147483647)},
			{Name: "DiskPrompt", Type: "L64", Category: catText},
			{Name: "Cabinet", Type: "S255", Category: catCabinet},
			{Name: "VolumeLabel", Type: "S32", Category: catText},
			{Name: "Source", Type: "S72", Category: catProperty},
		}},
		sequenceTable("InstallExecuteSequence"),
		sequenceTable("InstallUISequence"),
		sequenceTable("AdminExecuteSequence"),
		sequenceTable("AdminUISequence"),
		sequenceTable("AdvtExecuteSequence"),
		{Name: "ServiceInstall", Columns: []Column{
			{Name: "ServiceInstall", Type: "s72", Key: true, Category: catIdentifier},
			{Name: "Name", Type: "s255", Category: catFormatted},
			{Name: "DisplayName", Type: "L255", Category: catFormatted},
			{Name: "ServiceType", Type: "i4", Range: rng(-2147483647, 2147483647)},
			{Name: "StartType", Type: "i4", Range: rng(0, 4)},
			{Name: "ErrorControl", Type: "i4", Range: rng(-2147483647, 2147483647)},
			{Name: "LoadOrderGroup", Type: "S255", Category: catFormatted},
			{Name: "Dependencies", Type: "S255", Category: catFormatted},
			{Name: "StartName", Type: "S255", Category: catFormatted},
			{Name: "Password", Type: "S255", Category: catFormatted},
			{Name: "Arguments", Type: "S255", Category: catFormatted},
			fk("Component_", "s72", "Component"),
			{Name: "Description", Type: "L255", Category: catFormatted},
		}},
		{Name: "ServiceControl", Columns: []Column{
			{Name: "ServiceControl", Type: "s72", Key: true, Category: catIdentifier},
			{Name: "Name", Type: "l255", Category: catFormatted},
			{Name: "Event", Type: "i2", Range: rng(0, 187)},
			{Name: "Arguments", Type: "L255", Category: catFormatted},
			{Name: "Wait", Type: "I2", Range: rng(0, 1)},
			fk("Component_", "s72", "Component"),
		}},
		{Name: "Upgrade", Columns: []Column{
			{Name: "UpgradeCode", Type: "s38", Key: true, Category: catGUID},
			{Name: "VersionMin", Type: "S20", Key: true, Category: catText},
			{Name: "VersionMax", Type: "S20", Key: true, Category: catText},
			{Name: "Language", Type: "S255", Key: true, Category: catLanguage},
			{Name: "Attributes", Type: "i4", Key: true, Range: rng(0, 2147483647)},
			{Name: "Remove", Type: "S255", Category: catFormatted},
			{Name: "ActionProperty", Type: "s72", Category: catUpperCase},
		}},
		{Name: "AppSearch", Columns: []Column{
			{Name: "Property", Type: "s72", Key: true, Category: catIdentifier},
			withKey(fk("Signature_", "s72", "Signature;RegLocator;IniLocator;DrLocator;CompLocator")),
		}},
		{Name: "RegLocator", Columns: []Column{
			{Name: "Signature_", Type: "s72", Key: true, Category: catIdentifier},
			{Name: "Root", Type: "i2", Range: rng(0, 3)},
			{Name: "Key", Type: "s255", Category: catRegPath},
			{Name: "Name", Type: "S255", Category: catFormatted},
			{Name: "Type", Type: "I2", Range: rng(0, 18)},
		}},
		{Name: "LaunchCondition", Columns: []Column{
			{Name: "Condition", Type: "s255", Key: true, Category: catCondition},
			{Name: "Description", Type: "l255", Category: catFormatted},
		}},
		{Name: "Registry", Columns: []Column{
			{Name: "Registry", Type: "s72", Key: true, Category: catIdentifier},
			{Name: "Root", Type: "i2", Range: rng(-1, 3)},
			{Name: "Key", Type: "l255", Category: catRegPath},
			{Name: "Name", Type: "L255", Category: catFormatted},
			{Name: "Value", Type: "L0", Category: catFormatted},
			fk("Component_", "s72", "Component"),
		}},
		{Name: "RemoveFile", Columns: []Column{
			{Name: "FileKey", Type: "s72", Key: true, Category: catIdentifier},
			fk("Component_", "s72", "Component"),
			{Name: "FileName", Type: "L255", Category: catWildCard},
			{Name: "DirProperty", Type: "s72", Category: catIdentifier},
			{Name: "InstallMode", Type: "i2", Set: "1;2;3"},
		}},
		{Name: "CreateFolder", Columns: []Column{
			withKey(fk("Directory_", "s72", "Directory")),
			withKey(fk("Component_", "s72", "Component")),
		}},
		{Name: "CustomAction", Columns: []Column{
			{Name: "Action", Type: "s72", Key: true, Category: catIdentifier},
			{Name: "Type", Type: "i2", Range: rng(1, 32767)},
			{Name: "Source", Type: "S72", Category: catCustomSrc},
			{Name: "Target", Type: "S255", Category: catFormatted},
			{Name: "ExtendedType", Type: "I4", Range: rng(0, 2147483647)},
		}},
		{Name: "Binary", Columns: []Column{
			{Name: "Name", Type: "s72", Key: true, Category: catIdentifier},
			{Name: "Data", Type: "v0", Category: catBinary},
		}},
		{Name: "Icon", Columns: []Column{
			{Name: "Name", Type: "s72", Key: true, Category: catIdentifier},
			{Name: "Data", Type: "v0", Category: catBinary},
		}},
		{Name: "MsiFileHash", Columns: []Column{
			withKey(fk("File_", "s72", "File")),
			{Name: "Options", Type: "i2", Range: rng(0, 32767)},
			{Name: "HashPart1", Type: "i4"},
			{Name: "HashPart2", Type: "i4"},
			{Name: "HashPart3", Type: "i4"},
			{Name: "HashPart4", Type: "i4"},
		}},
		{Name: "MsiServiceConfig", Columns: []Column{
			{Name: "MsiServiceConfig", Type: "s72", Key: true, Category: catIdentifier},
			{Name: "Name", Type: "l255", Category: catFormatted},
			{Name: "Event", Type: "i2", Range: rng(0, 7)},
			{Name: "ConfigType", Type: "i4", Range: rng(-2147483647, 2147483647)},
			{Name: "Argument", Type: "S0", Category: catText},
			fk("Component_", "s72", "Component"),
		}},
		{Name: "MsiServiceConfigFailureActions", Columns: []Column{
			{Name: "MsiServiceConfigFailureActions", Type: "s72", Key: true, Category: catIdentifier},
			{Name: "Name", Type: "l255", Category: catFormatted},
			{Name: "Event", Type: "i2", Range: rng(0, 7)},
			{Name: "ResetPeriod", Type: "I4", Range: rng(0, 2147483647)},
			{Name: "RebootMessage", Type: "L255", Category: catFormatted},
			{Name: "Command", Type: "L255", Category: catFormatted},
			{Name: "Actions", Type: "S0", Category: catText},
			{Name: "DelayActions", Type: "S0", Category: catText},
			fk("Component_", "s72", "Component"),
		}},
		{Name: "MsiLockPermissionsEx", Columns: []Column{
			{Name: "MsiLockPermissionsEx", Type: "s72", Key: true, Category: catIdentifier},
			{Name: "LockObject", Type: "s72", Category: catIdentifier},
			{Name: "Table", Type: "s32", Category: catIdentifier, Set: "CreateFolder;File;Registry;ServiceInstall"},
			{Name: "SDDLText", Type: "s0", Category: catSDDL},
			{Name: "Condition", Type: "S255", Category: catCondition},
		}},
		{Name: "LockPermissions", Columns: []Column{
			{Name: "LockObject", Type: "s72", Key: true, Category: catIdentifier},
			{Name: "Table", Type: "s32", Key: true, Category: catIdentifier, Set: "Directory;File;Registry"},
			{Name: "Domain", Type: "S255", Key: true, Category: catFormatted},
			{Name: "User", Type: "s255", Key: true, Category: catFormatted},
			{Name: "Permission", Type: "I4", Range: rng(-2147483647, 2147483647)},
		}},
		{Name: "Shortcut", Columns: []Column{
			{Name: "Shortcut", Type: "s72", Key: true, Category: catIdentifier},
			fk("Directory_", "s72", "Directory"),
			{Name: "Name", Type: "l128", Category: catFilename},
			fk("Component_", "s72", "Component"),
			{Name: "Target", Type: "s72", Category: "Shortcut"},
			{Name: "Arguments", Type: "S255", Category: catFormatted},
			{Name: "Description", Type: "L255", Category: catText},
			{Name: "Hotkey", Type: "I2", Range: rng(0, 32767)},
			{Name: "Icon_", Type: "S72", Category: catIdentifier, KeyTable: "Icon", KeyColumn: 1},
			{Name: "IconIndex", Type: "I2", Range: rng(-32767, 32767)},
			{Name: "ShowCmd", Type: "I2", Set: "1;3;7"},
			{Name: "WkDir", Type: "S72", Category: catIdentifier},
		}},
		{Name: "Font", Columns: []Column{
			withKey(fk("File_", "s72", "File")),
			{Name: "FontTitle", Type: "S128", Category: catText},
		}},
		{Name: "MsiAssembly", Columns: []Column{
			withKey(fk("Component_", "s72", "Component")),
			fk("Feature_", "s38", "Feature"),
			{Name: "File_Manifest", Type: "S72", Category: catIdentifier, KeyTable: "File", KeyColumn: 1},
			{Name: "File_Application", Type: "S72", Category: catIdentifier, KeyTable: "File", KeyColumn: 1},
			{Name: "Attributes", Type: "I2", Set: "0;1"},
		}},
		ValidationTable(),
	}
}

func withKey(c Column) Column { c.Key = true; return c }

// validationCategories is the Set of _Validation.Category.
const validationCategories = "Text;Formatted;Template;Condition;Guid;Path;Version;Language;Identifier;Binary;UpperCase;LowerCase;Filename;Paths;AnyPath;WildCardFilename;RegPath;CustomSource;Property;Cabinet;Shortcut;FormattedSDDLText;Integer;DoubleInteger;TimeDate;DefaultDir"

// ValidationTable returns the schema of the _Validation table.
func ValidationTable() Table {
	return Table{Name: "_Validation", Columns: []Column{
		{Name: "Table", Type: "s32", Key: true, Category: catIdentifier},
		{Name: "Column", Type: "s32", Key: true, Category: catIdentifier},
		{Name: "Nullable", Type: "s4", Set: "Y;N"},
		{Name: "MinValue", Type: "I4", Range: rng(-2147483647, 2147483647)},
		{Name: "MaxValue", Type: "I4", Range: rng(-2147483647, 2147483647)},
		{Name: "KeyTable", Type: "S255", Category: catIdentifier},
		{Name: "KeyColumn", Type: "I2", Range: rng(1, 32)},
		{Name: "Category", Type: "S32", Set: validationCategories},
		{Name: "Set", Type: "S255", Category: catText},
		{Name: "Description", Type: "S255", Category: catText},
	}}
}

// StandardTable returns the schema of a standard Windows Installer table
// used by service packages: Property, Directory, Component, Feature,
// FeatureComponents, File, Media, the five sequence tables,
// ServiceInstall, ServiceControl, Upgrade, LaunchCondition, Registry,
// RemoveFile, CreateFolder, CustomAction, Binary, Icon, MsiFileHash,
// MsiServiceConfig, MsiServiceConfigFailureActions, MsiLockPermissionsEx,
// LockPermissions, Shortcut, Font, MsiAssembly and _Validation.
// Column types follow the Windows Installer SDK; Category, Range, KeyTable
// and Set carry the SDK's validation data. The result is a fresh copy.
func StandardTable(name string) (Table, bool) {
	for _, t := range standardTables() {
		if t.Name == name {
			return t, true
		}
	}
	return Table{}, false
}

// StandardTableNames lists the tables StandardTable knows.
func StandardTableNames() []string {
	var out []string
	for _, t := range standardTables() {
		out = append(out, t.Name)
	}
	slices.Sort(out)
	return out
}

// ValidationRows returns _Validation rows (in ValidationTable column
// order) describing the given tables, including _Validation itself when
// it is among them. Add them with AddRow after creating ValidationTable.
func ValidationRows(tables ...Table) ([][]any, error) {
	var rows [][]any
	for _, t := range tables {
		types, err := t.validate()
		if err != nil {
			return nil, err
		}
		for i, c := range t.Columns {
			nullable := "N"
			if types[i].nullable {
				nullable = "Y"
			}
			var lo, hi, keyCol any
			if len(c.Range) == 2 {
				lo, hi = c.Range[0], c.Range[1]
			}
			if c.KeyColumn != 0 {
				keyCol = c.KeyColumn
			}
			cat := c.Category
			if cat == "" && types[i].kind == kindBinary {
				cat = catBinary
			}
			rows = append(rows, []any{t.Name, c.Name, nullable, lo, hi, orNil(c.KeyTable), keyCol, orNil(cat), orNil(c.Set), nil})
		}
	}
	return rows, nil
}

// orNil maps "" to nil, which is how MSI stores an empty string anyway.
func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}
