package installer

import (
	"fmt"
	"slices"
	"strings"
)

// serviceSID is the SID the service runs as, for its folders' DACLs.
func (s *Settings) serviceSID(sys FileSystem) (string, error) {
	kind, err := accountKind(s.Account)
	if err != nil {
		return "", err
	}
	switch kind {
	case accountVirtual:
		name := s.Name
		if l := strings.ToLower(s.Account); strings.HasPrefix(l, `nt service\`) {
			name = s.Account[len(`nt service\`):]
		}
		return VirtualAccountSID(name), nil
	case accountBuiltin:
		switch strings.ToLower(s.Account) {
		case "localservice", `nt authority\localservice`:
			return sidLocalService, nil
		case "networkservice", `nt authority\networkservice`:
			return sidNetworkService, nil
		}
		return sidSystem, nil
	}
	sid, err := sys.AccountSID(s.Account)
	if err != nil {
		return "", fmt.Errorf("account %s: %w", s.Account, err)
	}
	return sid, nil
}

// serviceFolders are the folders the service writes to, resolved against
// ProgramData and the install folder.
type serviceFolders struct {
	Root string // %ProgramData%\<name>, "" when neither folder is under it
	Logs string
	Data string
}

// resolveFolders fills in the log and data folders (config default:
// %ProgramData%\<name>\logs and \data).
func (s *Settings) resolveFolders(programData string) serviceFolders {
	root := strings.TrimRight(programData, `\`) + `\` + s.Name
	f := serviceFolders{Logs: root + `\logs`, Data: root + `\data`}
	if s.Logs.Dir != "" {
		f.Logs = winJoin(s.Dir, s.Logs.Dir)
	}
	if s.DataDir != "" {
		f.Data = winJoin(s.Dir, s.DataDir)
	}
	if winParent(f.Logs) == root || winParent(f.Data) == root {
		f.Root = root
	}
	return f
}

// secureServiceFolders creates (or checks and corrects) the log and data
// folders with the service's DACL, and makes the files in them writable
// by the service's current account.
func secureServiceFolders(g *folderGuard, s *Settings, f serviceFolders) error {
	sid, err := s.serviceSID(g.fs)
	if err != nil {
		return err
	}
	if f.Root != "" {
		if err := g.checkParent("service folder "+f.Root, winParent(f.Root)); err != nil {
			return err
		}
		if _, err := g.ensureDir("service folder", f.Root, serviceRootSDDL(sid)); err != nil {
			return err
		}
	}
	for _, d := range []struct{ what, path string }{{"log folder", f.Logs}, {"data folder", f.Data}} {
		if parent := winParent(d.path); parent != f.Root {
			if parent == "" {
				return bad("%s %s is not a folder path (expected e.g. D:\\Logs\\%s)", d.what, d.path, s.Name)
			}
			if err := g.checkParent(d.what+" "+d.path, parent); err != nil {
				return err
			}
		}
		created, err := g.ensureDir(d.what, d.path, serviceDirSDDL(sid))
		if err != nil {
			return err
		}
		if !created {
			if err := g.ensureContents(d.what+" "+d.path, d.path, sid); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkInstallDir refuses an install folder that non-administrators can
// write to, or any parent of it they could rename or take over: whoever
// can replace the program or svcship.yaml runs code as the service, and
// even a virtual account holds SeImpersonatePrivilege. With secure set
// (--secure-install-dir) the folder and what it holds get
// sddlInstallDir; parents cannot be fixed from here.
func checkInstallDir(g *folderGuard, dir string, secure bool, own ...string) error {
	info, err := g.fs.Inspect(dir)
	if err != nil {
		return fmt.Errorf("install folder: %w", err)
	}
	if !info.Exists || !info.Dir {
		return refuse("install folder %s does not exist", dir)
	}
	if info.Reparse {
		return reparseRefusal("install folder", dir)
	}
	if info.Locked {
		return lockedRefusal("install folder", dir)
	}
	for p := winParent(dir); p != ""; p = winParent(p) {
		if err := g.checkParent("install folder "+dir, p); err != nil {
			return err
		}
	}
	problems, err := g.installDirProblems(dir, info, own)
	if err != nil {
		return err
	}
	if len(problems) == 0 {
		return nil
	}
	if !secure || g.checkOnly {
		return refuse("install folder %s can be changed by non-administrators (%s): anyone who can write there runs code as the service. Install under Program Files, or run again with --secure-install-dir to give the folder SYSTEM and Administrators full control and Users read and execute", dir, strings.Join(problems, "; "))
	}
	if g.dryRun {
		fmt.Fprintf(g.out, "would reset the permissions of install folder %s (%s)\n", dir, sddlInstallDir)
		return nil
	}
	if err := g.secureTree(dir); err != nil {
		return fmt.Errorf("install folder: %w", err)
	}
	fmt.Fprintf(g.out, "reset the permissions of install folder %s\n", dir)
	return nil
}

// installDirProblems lists who can write to the folder and to each entry
// in it.
// own are the service's log and data folders, which may sit inside the
// install folder and are the service's to write.
func (g *folderGuard) installDirProblems(dir string, info PathInfo, own []string) ([]string, error) {
	var out []string
	sd, err := parseSDDL(info.SDDL)
	if err != nil {
		return nil, fmt.Errorf("install folder %s: %w", dir, err)
	}
	if w := sd.untrustedWriters(writeRights, g.self); len(w) > 0 {
		out = append(out, fmt.Sprintf("%s: %s", dir, names(w)))
	}
	entries, err := g.fs.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("install folder: %w", err)
	}
	for _, n := range entries {
		p := winJoin(dir, n)
		if slices.ContainsFunc(own, func(o string) bool { return strings.EqualFold(strings.TrimRight(o, `\`), p) }) {
			continue
		}
		ei, err := g.fs.Inspect(p)
		if err != nil {
			return nil, fmt.Errorf("install folder: %w", err)
		}
		if !ei.Exists {
			continue
		}
		if ei.Reparse {
			return nil, reparseRefusal("install folder entry", p)
		}
		if ei.Locked {
			return nil, lockedRefusal("install folder entry", p)
		}
		esd, err := parseSDDL(ei.SDDL)
		if err != nil {
			return nil, fmt.Errorf("install folder %s: %w", p, err)
		}
		if w := esd.untrustedWriters(writeRights, g.self); len(w) > 0 {
			out = append(out, fmt.Sprintf("%s: %s", p, names(w)))
		}
	}
	return out, nil
}

// secureTree gives dir and everything below it the install folder's
// descriptors (SetSecurityInfo does not pass a new DACL on to what a
// folder holds, so each entry is set).
func (g *folderGuard) secureTree(dir string) error {
	if err := g.fs.SetSecurity(dir, sddlInstallDir); err != nil {
		return err
	}
	entries, err := g.fs.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, n := range entries {
		p := winJoin(dir, n)
		info, err := g.fs.Inspect(p)
		if err != nil {
			return err
		}
		switch {
		case !info.Exists:
		case info.Reparse:
			return reparseRefusal("install folder entry", p)
		case info.Dir:
			if err := g.secureTree(p); err != nil {
				return err
			}
		default:
			if err := g.fs.SetSecurity(p, sddlInstallFile); err != nil {
				return err
			}
		}
	}
	return nil
}

// removeServiceFolders deletes the log folder, with purge also the data
// folder, and the service folder when nothing is left in it. A folder
// svcship would refuse is left alone with a warning; links are removed
// themselves, never followed.
func removeServiceFolders(g *folderGuard, f serviceFolders, purge bool) []string {
	var out, warn []string
	remove := func(what, path string) {
		info, err := g.fs.Inspect(path)
		switch {
		case err != nil:
			warn = append(warn, fmt.Sprintf("%s %s: %v", what, path, err))
			return
		case !info.Exists:
			return
		case info.Locked:
			warn = append(warn, fmt.Sprintf("left %s %s: administrators cannot read it", what, path))
			return
		case info.Reparse:
			if err := g.fs.RemovePath(path); err != nil {
				warn = append(warn, fmt.Sprintf("%s %s: %v", what, path, err))
			} else {
				out = append(out, fmt.Sprintf("removed the link %s (its target was left alone)", path))
			}
			return
		}
		if sd, err := parseSDDL(info.SDDL); err != nil || !trustedOwner(sd.owner, g.self) {
			warn = append(warn, fmt.Sprintf("left %s %s: it is not owned by SYSTEM or Administrators", what, path))
			return
		}
		if err := g.removeTree(path); err != nil {
			warn = append(warn, fmt.Sprintf("%s %s: %v", what, path, err))
			return
		}
		out = append(out, fmt.Sprintf("removed %s %s", what, path))
	}
	remove("log folder", f.Logs)
	if purge {
		remove("data folder", f.Data)
	}
	if f.Root != "" {
		if names, err := g.fs.ReadDir(f.Root); err == nil && len(names) == 0 {
			if info, err := g.fs.Inspect(f.Root); err == nil && info.Exists && !info.Reparse {
				if err := g.fs.RemovePath(f.Root); err == nil {
					out = append(out, fmt.Sprintf("removed service folder %s", f.Root))
				}
			}
		}
	}
	for _, w := range warn {
		out = append(out, "warning: "+w)
	}
	return out
}

func (g *folderGuard) removeTree(dir string) error {
	names, err := g.fs.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, n := range names {
		p := winJoin(dir, n)
		info, err := g.fs.Inspect(p)
		if err != nil {
			return err
		}
		if info.Dir && !info.Reparse {
			if err := g.removeTree(p); err != nil {
				return err
			}
			continue
		}
		if err := g.fs.RemovePath(p); err != nil {
			return err
		}
	}
	return g.fs.RemovePath(dir)
}

// readableBy reports whether the DACL lets one of sids read and run files
// (an allow ACE with read-data and execute, or generic read and execute,
// that applies to the object).
func readableBy(sddl string, sids ...string) bool {
	sd, err := parseSDDL(sddl)
	if err != nil {
		return false
	}
	if sd.nullDACL {
		return true
	}
	const readData, execute = 0x1, 0x20
	const genericRead, genericExecute = 0x80000000, 0x20000000
	for _, a := range sd.dacl {
		if !a.allow || strings.Contains(a.flags, "IO") || !slices.Contains(sids, a.sid) {
			continue
		}
		m := a.mask
		if m&genericAll != 0 || (m&readData != 0 && m&execute != 0) || (m&genericRead != 0 && m&genericExecute != 0) {
			return true
		}
	}
	return false
}

// warnUnreadable says when the service's account will likely not be able
// to run the program: the install folder grants read and execute to none
// of the groups a service account belongs to. (A folder in an
// administrator's profile, where a zip is often unpacked, is such a
// folder.)
func warnUnreadable(g *folderGuard, s *Settings, stderr interface{ Write([]byte) (int, error) }) {
	sid, err := s.serviceSID(g.fs)
	if err != nil || sid == sidSystem {
		return
	}
	info, err := g.fs.Inspect(s.Dir)
	if err != nil || !info.Exists {
		return
	}
	// Everyone, Users, Authenticated Users, SERVICE, and the account.
	if !readableBy(info.SDDL, "S-1-1-0", sidUsers, "S-1-5-11", "S-1-5-6", sid) {
		fmt.Fprintf(stderr, "svcship-installer: warning: %s may not be allowed to read %s, and would then fail to start: install under Program Files, or grant Users read and execute (--secure-install-dir)\n", s.serviceStartName(), s.Dir)
	}
}
