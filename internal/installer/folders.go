package installer

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
)

// Folder security. The installer runs as an administrator or as SYSTEM
// (the MSI's deferred custom actions), so everything it creates, changes
// or deletes must be out of ordinary users' reach: a folder a user could
// have created, or a junction a user planted, would turn the installer's
// or the service's writes into writes anywhere. The rules:
//
//   - folders svcship creates get an explicit, protected DACL in the
//     CreateDirectory call itself (SDDL below), owner Administrators;
//   - an existing folder or file that is a reparse point is refused, and
//     never followed;
//   - an existing folder not owned by SYSTEM, Administrators,
//     TrustedInstaller or the administrator running the installer is
//     refused, unless --repair-folders says to take it over;
//   - an existing folder svcship owns gets its DACL reset when it differs.

// SDDL of the folders svcship creates (ACE strings:
// learn.microsoft.com/windows/win32/secauthz/ace-strings). OICI: the ACE
// applies to the folder, its subfolders and files; P: protected, nothing
// inherited from the parent.
const (
	// sddlAdminOnly: SYSTEM and Administrators full control, nobody
	// else. The saved-settings folders.
	sddlAdminOnly = "O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"
	// sddlInstallDir: what --secure-install-dir sets on the install folder
	// (and what the MSI's LockPermissions give it): Users read and execute.
	sddlInstallDir  = "O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)"
	sddlInstallFile = "O:BAD:PAI(A;;FA;;;SY)(A;;FA;;;BA)(A;;0x1200a9;;;BU)"
)

// serviceDirSDDL is the log and data folders' descriptor: SYSTEM and
// Administrators full control, the service's account modify (read, write,
// create, delete: icacls' M), nobody else.
func serviceDirSDDL(sid string) string {
	if sid == "" || sid == sidSystem {
		return sddlAdminOnly
	}
	return sddlAdminOnly + "(A;OICI;" + rightsModify + ";;;" + sid + ")"
}

// serviceFileSDDL is what a file already in a log or data folder gets, so
// that a service moved to another account can append to and rotate it.
func serviceFileSDDL(sid string) string {
	if sid == "" || sid == sidSystem {
		return "O:BAD:PAI(A;;FA;;;SY)(A;;FA;;;BA)"
	}
	return "O:BAD:PAI(A;;FA;;;SY)(A;;FA;;;BA)(A;;" + rightsModify + ";;;" + sid + ")"
}

// serviceRootSDDL is %ProgramData%\<name>, the parent of the default log
// and data folders: the service may only look into it.
func serviceRootSDDL(sid string) string {
	if sid == "" || sid == sidSystem {
		return sddlAdminOnly
	}
	return sddlAdminOnly + "(A;;" + rightsReadExecute + ";;;" + sid + ")"
}

// folderGuard applies the rules with one System.
type folderGuard struct {
	fs     FileSystem
	out    io.Writer
	self   string // the installer's own account
	repair bool   // --repair-folders: take over a folder another user owns
	dryRun bool
	// checkOnly: inspect and refuse, change and print nothing (the first
	// of two passes, so that a refusal comes before any change).
	checkOnly bool
}

// checked runs f first as a silent check, then for real.
func (g *folderGuard) checked(f func(*folderGuard) error) error {
	c := *g
	c.checkOnly, c.out = true, io.Discard
	if err := f(&c); err != nil {
		return err
	}
	return f(g)
}

func newFolderGuard(sys FileSystem, out io.Writer, repair, dryRun bool) (*folderGuard, error) {
	self, err := sys.CurrentUserSID()
	if err != nil {
		return nil, err
	}
	return &folderGuard{fs: sys, out: out, self: self, repair: repair, dryRun: dryRun}, nil
}

// FolderError is a folder or file the installer refuses to use. Nothing
// was changed. Exit code 1.
type FolderError struct{ Msg string }

func (e *FolderError) Error() string { return e.Msg }

func refuse(format string, args ...any) error { return &FolderError{Msg: fmt.Sprintf(format, args...)} }

func lockedRefusal(what, path string) error {
	return refuse("%s %s cannot be read by administrators: another account created it and shut them out. Delete it (takeown /f \"%s\" /r /d y, then rmdir /s /q \"%s\"), or run again with --repair-folders to take it over", what, path, path, path)
}

func reparseRefusal(what, path string) error {
	return refuse("%s %s is a junction or symbolic link (a reparse point); svcship never follows one as administrator. Remove it (rmdir \"%s\") and run again", what, path, path)
}

// sameSecurity reports whether the current SDDL already has the wanted
// protected DACL and an acceptable owner.
func sameSecurity(cur, want string, owners ...string) bool {
	return sameDACL(cur, want, true, owners...)
}

// sameDACL compares ACEs (and the protected flag when protected is
// true: a file the service created inherits the same ACEs unprotected).
func sameDACL(cur, want string, protected bool, owners ...string) bool {
	c, err1 := parseSDDL(cur)
	w, err2 := parseSDDL(want)
	if err1 != nil || err2 != nil {
		return false
	}
	if w.owner != "" && c.owner != w.owner && !slices.Contains(owners, c.owner) {
		return false
	}
	return (!protected || c.protected == w.protected) && slices.EqualFunc(c.dacl, w.dacl, func(a, b ace) bool {
		return a.allow == b.allow && a.mask == b.mask && a.sid == b.sid && aceInherit(a.flags) == aceInherit(b.flags)
	})
}

// aceInherit keeps the inheritance flags of an ACE, dropping ID (whether
// it was inherited) and the audit flags.
func aceInherit(f string) string {
	var out []string
	for i := 0; i+2 <= len(f); i += 2 {
		if x := f[i : i+2]; x == "OI" || x == "CI" || x == "NP" || x == "IO" {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return strings.Join(out, "")
}

// ensureDir makes path a folder with descriptor sddl: it creates it, or
// checks and corrects the one there.
func (g *folderGuard) ensureDir(what, path, sddl string) (created bool, err error) {
	info, err := g.fs.Inspect(path)
	if err != nil {
		return false, fmt.Errorf("%s: %w", what, err)
	}
	if !info.Exists {
		if g.checkOnly {
			return true, nil
		}
		if g.dryRun {
			fmt.Fprintf(g.out, "would create %s %s (%s)\n", what, path, sddl)
			return true, nil
		}
		if err := g.fs.CreateDir(path, sddl); err != nil {
			if errors.Is(err, fs.ErrExist) {
				// Created by someone else between the look and the create.
				return false, refuse("%s %s appeared while svcship was creating it; run again", what, path)
			}
			return false, fmt.Errorf("%s: %w", what, err)
		}
		fmt.Fprintf(g.out, "created %s %s\n", what, path)
		return true, nil
	}
	if info.Reparse {
		return false, reparseRefusal(what, path)
	}
	if info.Locked && !g.repair {
		return false, lockedRefusal(what, path)
	}
	if !info.Dir && !(info.Locked && info.Links == 0) {
		return false, refuse("%s %s is a file, not a folder; remove it and run again", what, path)
	}
	sd, err := parseSDDL(info.SDDL)
	if err != nil {
		return false, fmt.Errorf("%s %s: %w", what, path, err)
	}
	if !trustedOwner(sd.owner, g.self) && !g.repair && !info.Locked {
		return false, refuse("%s %s is owned by %s, not by SYSTEM or Administrators: another user created it, and could redirect what the service writes there. Delete it, or run again with --repair-folders to take it over and reset its permissions", what, path, sidName(sd.owner))
	}
	if g.checkOnly || sameSecurity(info.SDDL, sddl, sidSystem, sidAdministrators, sidTrustedInstall, g.self) {
		return false, nil
	}
	if g.dryRun {
		fmt.Fprintf(g.out, "would reset the permissions of %s %s (%s)\n", what, path, sddl)
		return false, nil
	}
	if err := g.fs.SetSecurity(path, sddl); err != nil {
		return false, fmt.Errorf("%s: %w", what, err)
	}
	fmt.Fprintf(g.out, "reset the permissions of %s %s\n", what, path)
	return false, nil
}

// ensureContents gives every file and folder inside dir the service's
// descriptors (after an account change the old account's files would be
// read-only for the new one). Reparse points and files with several hard
// links are refused, or with --repair-folders removed (the link, never
// its target).
func (g *folderGuard) ensureContents(what, dir, sid string) error {
	names, err := g.fs.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	slices.Sort(names)
	for _, n := range names {
		p := winJoin(dir, n)
		info, err := g.fs.Inspect(p)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if !info.Exists {
			continue
		}
		if info.Locked && !g.repair {
			return lockedRefusal(what+" entry", p)
		}
		if info.Reparse || (!info.Dir && info.Links > 1) {
			kind := "a junction or symbolic link"
			if !info.Reparse {
				kind = fmt.Sprintf("a file with %d hard links", info.Links)
			}
			if !g.repair {
				return refuse("%s holds %s, %s: it could point the service's writes elsewhere. Remove it, or run again with --repair-folders to remove it", what, p, kind)
			}
			if g.checkOnly {
				continue
			}
			if g.dryRun {
				fmt.Fprintf(g.out, "would remove %s (%s)\n", p, kind)
				continue
			}
			if err := g.fs.RemovePath(p); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			fmt.Fprintf(g.out, "removed %s (%s)\n", p, kind)
			continue
		}
		want := serviceFileSDDL(sid)
		if info.Dir {
			want = serviceDirSDDL(sid)
		}
		if !g.checkOnly && !sameDACL(info.SDDL, want, false, sidSystem, sidAdministrators, sid) {
			if g.dryRun {
				fmt.Fprintf(g.out, "would reset the permissions of %s\n", p)
			} else if err := g.fs.SetSecurity(p, want); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
		}
		if info.Dir {
			if err := g.ensureContents(what, p, sid); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkParent refuses a parent folder that non-administrators could
// rename, empty or take over (a user who can add folders to it, as in C:\
// and ProgramData, is harmless).
func (g *folderGuard) checkParent(what, path string) error {
	info, err := g.fs.Inspect(path)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if !info.Exists {
		return refuse("%s: the folder %s does not exist", what, path)
	}
	if info.Locked {
		return lockedRefusal(what+": parent folder", path)
	}
	sd, err := parseSDDL(info.SDDL)
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, path, err)
	}
	rights := uint32(replaceRights)
	if isDriveRoot(path) {
		rights &^= accessDelete // a drive root cannot be renamed or deleted
	}
	if w := sd.untrustedWriters(rights, g.self); len(w) > 0 {
		return refuse("%s: its parent folder %s can be renamed, emptied or taken over by %s; move the folder under one only administrators control (e.g. Program Files or ProgramData)", what, path, names(w))
	}
	return nil
}

func names(sids []string) string {
	var out []string
	for _, s := range sids {
		out = append(out, sidName(s))
	}
	return strings.Join(out, ", ")
}

func isDriveRoot(p string) bool {
	return len(p) == 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/')
}

// winParent is the folder holding p ("" for a drive root or a share).
func winParent(p string) string {
	p = strings.TrimRight(p, `\/`)
	i := strings.LastIndexAny(p, `\/`)
	if i < 0 {
		return ""
	}
	if i == 2 && p[1] == ':' {
		return p[:3]
	}
	if strings.HasPrefix(p, `\\`) && strings.Count(p[2:i], `\`) < 1 {
		return "" // \\server\share is the top
	}
	return p[:i]
}
