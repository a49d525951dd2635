package installer

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// fakeFS is the file system half of fakeSys: folders and files with SDDL
// security descriptors, reparse points and hard-link counts, plus the
// files of a memFiles (saved and installed svcship.yaml) as plain files
// owned by Administrators. calls records every change.
type fakeFS struct {
	nodes map[string]*fakeNode
	files memFiles
	calls []string
	self  string // CurrentUserSID
	sids  map[string]string
}

type fakeNode struct {
	dir, reparse bool
	links        uint32
	sddl         string
	// locked: administrators cannot read its descriptor (until taken over).
	locked bool
}

// SIDs the tests use.
const (
	sidAdminUser = "S-1-5-21-1004336348-1177238915-682003330-500"  // the administrator running the installer
	sidBob       = "S-1-5-21-1004336348-1177238915-682003330-1002" // a standard user
	sidSvcUser   = "S-1-5-21-1004336348-1177238915-682003330-1001" // .\svcuser
	// inheritedFile is a file that took its parent's admin-only ACEs.
	inheritedFile = "O:BAD:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)"
)

// Security descriptors as Windows reports them on a fresh machine.
const (
	sddlDriveC      = "O:SYD:PAI(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)(A;OICI;0x1200a9;;;BU)(A;OICIIO;SDGXGWGR;;;AU)(A;;LC;;;AU)"
	sddlProgFiles   = "O:S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464D:PAI(A;;FA;;;S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464)(A;CIIO;GA;;;S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464)(A;;0x1301bf;;;SY)(A;OICIIO;GA;;;SY)(A;;0x1301bf;;;BA)(A;OICIIO;GA;;;BA)(A;;0x1200a9;;;BU)(A;OICIIO;GXGR;;;BU)(A;OICIIO;GA;;;CO)"
	sddlProgramData = "O:SYD:PAI(A;OICIIO;GA;;;CO)(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)(A;CI;0x116;;;BU)"
	// sddlUnderProgFiles: a folder created by the MSI under Program Files.
	sddlUnderProgFiles = "O:BAD:AI(A;ID;0x1301bf;;;SY)(A;OICIIOID;GA;;;SY)(A;ID;0x1301bf;;;BA)(A;OICIIOID;GA;;;BA)(A;ID;0x1200a9;;;BU)(A;OICIIOID;GXGR;;;BU)(A;OICIIOID;GA;;;CO)"
	// sddlUserFolder: what a standard user's mkdir under ProgramData gets.
	sddlUserFolder = "O:" + sidBob + "D:AI(A;ID;FA;;;" + sidBob + ")(A;OICIIOID;GA;;;CO)(A;OICIID;FA;;;SY)(A;OICIID;FA;;;BA)(A;OICIID;0x1200a9;;;BU)(A;CIID;0x116;;;BU)"
)

func newFakeFS() *fakeFS {
	f := &fakeFS{nodes: map[string]*fakeNode{}, self: sidAdminUser, sids: map[string]string{
		`.\svcuser`: sidSvcUser, `EXAMPLE\svc`: "S-1-5-21-3623811015-3361044348-30300820-1013",
		`bob@example.com`: "S-1-5-21-3623811015-3361044348-30300820-1014", `EXAMPLE\websvc$`: "S-1-5-21-3623811015-3361044348-30300820-1015",
	}}
	f.dir(`C:\`, sddlDriveC)
	f.dir(`C:\Program Files`, sddlProgFiles)
	f.dir(`C:\Program Files\Hello`, sddlUnderProgFiles)
	f.dir(`C:\ProgramData`, sddlProgramData)
	f.dir(`D:\`, sddlDriveC)
	return f
}

func (f *fakeFS) dir(p, sddl string) *fakeNode {
	n := &fakeNode{dir: true, links: 1, sddl: sddl}
	f.nodes[p] = n
	return n
}

func (f *fakeFS) file(p, sddl string) *fakeNode {
	n := &fakeNode{links: 1, sddl: sddl}
	f.nodes[p] = n
	return n
}

func (f *fakeFS) record(s string) { f.calls = append(f.calls, s) }

func (f *fakeFS) Inspect(p string) (PathInfo, error) {
	if n, ok := f.nodes[p]; ok {
		if n.locked {
			return PathInfo{Exists: true, Dir: n.dir, Reparse: n.reparse, Links: n.links, Locked: true}, nil
		}
		return PathInfo{Exists: true, Dir: n.dir, Reparse: n.reparse, Links: n.links, SDDL: n.sddl}, nil
	}
	if _, ok := f.files[p]; ok {
		return PathInfo{Exists: true, Links: 1, SDDL: inheritedFile}, nil
	}
	return PathInfo{}, nil
}

func (f *fakeFS) CreateDir(p, sddl string) error {
	f.record("CreateDir " + p + " " + sddl)
	if _, ok := f.nodes[p]; ok {
		return fmt.Errorf("create %s: %w", p, fs.ErrExist)
	}
	if parent, ok := f.nodes[winParent(p)]; !ok || !parent.dir {
		return fmt.Errorf("create %s: the system cannot find the path specified", p)
	}
	f.dir(p, sddl)
	return nil
}

func (f *fakeFS) SetSecurity(p, sddl string) error {
	f.record("SetSecurity " + p + " " + sddl)
	n, ok := f.nodes[p]
	if !ok {
		if _, isFile := f.files[p]; !isFile {
			return fmt.Errorf("set permissions of %s: not found", p)
		}
		n = f.file(p, inheritedFile)
	}
	if n.reparse {
		return fmt.Errorf("%s is a reparse point (junction or link): refused", p)
	}
	if strings.HasPrefix(sddl, "O:") {
		n.sddl, n.locked = sddl, false
		return nil
	}
	if n.locked {
		return fmt.Errorf("set permissions of %s: %w", p, ErrAccessDenied)
	}
	owner, _, _ := strings.Cut(n.sddl, "D:")
	n.sddl = owner + sddl
	return nil
}

func (f *fakeFS) ReadDir(p string) ([]string, error) {
	n, ok := f.nodes[p]
	if !ok || !n.dir {
		return nil, fmt.Errorf("list %s: not a folder", p)
	}
	var out []string
	add := func(q string) {
		if winParent(q) == p && q != p {
			name := q[strings.LastIndex(q, `\`)+1:]
			if !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	for q := range f.nodes {
		add(q)
	}
	for q := range f.files {
		add(q)
	}
	slices.Sort(out)
	return out, nil
}

func (f *fakeFS) RemovePath(p string) error {
	f.record("RemovePath " + p)
	if n, ok := f.nodes[p]; ok && n.dir && !n.reparse {
		if names, _ := f.ReadDir(p); len(names) > 0 {
			return fmt.Errorf("remove %s: the folder is not empty", p)
		}
	}
	delete(f.nodes, p)
	delete(f.files, p)
	return nil
}

func (f *fakeFS) AccountSID(a string) (string, error) {
	if s, ok := f.sids[a]; ok {
		return s, nil
	}
	return "", fmt.Errorf("look up account %s: no mapping between account names and security IDs was done", a)
}

func (f *fakeFS) CurrentUserSID() (string, error) { return f.self, nil }

func (f *fakeFS) ProgramData() (string, error) { return `C:\ProgramData`, nil }

// changes lists the recorded calls whose path starts with prefix.
func (f *fakeFS) changes(prefix string) []string {
	var out []string
	for _, c := range f.calls {
		_, rest, _ := strings.Cut(c, " ")
		if strings.HasPrefix(rest, prefix) {
			out = append(out, c)
		}
	}
	return out
}
