package installer

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"

	"github.com/svcship/svcship/config"
)

// An MSI removes the old version before it installs the new one, and wine's
// msiexec does not tell that removal it is part of an upgrade. So the MSI
// saves svcship.yaml outside the install folder on every removal
// (save-config), and the configure step of the next install puts it back
// (configure --restore-config). An uninstall thus leaves the program folder
// empty and the administrator's settings under %ProgramData%, and
// "msiexec /x ... SVCSHIP_PURGE=1" forgets them (save-config --forget).
//
// The saved copy is applied as SYSTEM, and %ProgramData% lets every user
// create folders and files, so the copy lives in folders svcship creates
// itself, admin-only (sddlAdminOnly): %ProgramData%\svcship and
// %ProgramData%\svcship\<upgrade code>. A folder or file there that a user
// owns, or a junction or link, is refused and left untouched.

// savedPathRE is the only shape a saved copy's path may have.
var savedPathRE = regexp.MustCompile(`(?i)^(.+)\\(svcship)\\(\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?)\\svcship\.yaml$`)

// savedLocation is a saved copy's file and the two folders above it.
type savedLocation struct {
	file, product, root, parent string
}

func parseSavedPath(p string) (savedLocation, error) {
	m := savedPathRE.FindStringSubmatch(p)
	if m == nil {
		return savedLocation{}, bad(`saved settings path %q: expected <ProgramData>\svcship\<upgrade code>\svcship.yaml`, p)
	}
	root := m[1] + `\` + m[2]
	return savedLocation{file: p, product: root + `\` + m[3], root: root, parent: m[1]}, nil
}

// secureSavedFolders checks the folders of a saved copy and, with create,
// makes them. It returns false when they do not exist (nothing saved).
func secureSavedFolders(g *folderGuard, loc savedLocation, create bool) (bool, error) {
	if err := g.checkParent("saved settings "+loc.file, loc.parent); err != nil {
		return false, err
	}
	for _, d := range []string{loc.root, loc.product} {
		if !create {
			info, err := g.fs.Inspect(d)
			if err != nil {
				return false, fmt.Errorf("saved settings: %w", err)
			}
			if !info.Exists {
				return false, nil
			}
		}
		if _, err := g.ensureDir("saved-settings folder", d, sddlAdminOnly); err != nil {
			return false, err
		}
	}
	return true, nil
}

// checkSavedFile refuses a saved copy that is a link, has a second name,
// or is owned by anyone but SYSTEM, Administrators or the installer's own
// account. It reports whether the file exists.
func checkSavedFile(g *folderGuard, p string) (bool, error) {
	info, err := g.fs.Inspect(p)
	if err != nil {
		return false, fmt.Errorf("saved settings: %w", err)
	}
	if !info.Exists {
		return false, nil
	}
	if info.Reparse {
		return false, reparseRefusal("saved settings file", p)
	}
	if info.Locked {
		return false, lockedRefusal("saved settings file", p)
	}
	if info.Dir {
		return false, refuse("saved settings %s is a folder, not a file", p)
	}
	if info.Links > 1 {
		return false, refuse("saved settings %s has %d hard links: another file could be behind it; remove it and run again", p, info.Links)
	}
	sd, err := parseSDDL(info.SDDL)
	if err != nil {
		return false, fmt.Errorf("saved settings %s: %w", p, err)
	}
	if !trustedOwner(sd.owner, g.self) {
		return false, refuse("saved settings %s is owned by %s, not by SYSTEM or Administrators: it was not saved by svcship and is not used. Remove it, or put the settings in the installed svcship.yaml", p, sidName(sd.owner))
	}
	return true, nil
}

// runSaveConfig copies --from to --to, or with --forget removes --to. It
// never fails an uninstall for a missing file.
func runSaveConfig(env Env, args []string) int {
	flags := newFlagSet(env, "save-config")
	from := flags.String("from", "", "svcship.yaml to save (with --restore: the saved copy)")
	to := flags.String("to", "", "where to keep it (with --restore: the installed svcship.yaml)")
	forget := flags.Bool("forget", false, "remove the saved copy instead")
	restore := flags.Bool("restore", false, "put a saved copy back (what configure --restore-config does, for installs without a service)")
	if err := flags.Parse(args); err != nil {
		return ExitUsage
	}
	if *to == "" || (*from == "") == !*forget || (*forget && *restore) || flags.NArg() > 0 {
		fmt.Fprintln(env.Stderr, "usage: svcship-installer save-config --from svcship.yaml --to SAVED | --forget --to SAVED | --restore --from SAVED --to svcship.yaml")
		return ExitUsage
	}
	g, err := newFolderGuard(env.Sys, env.Stdout, false, false)
	if err != nil {
		return fail(env, err)
	}
	if *restore {
		restored, err := restoreConfig(env, g, *from, *to)
		var fe *FolderError
		if errors.As(err, &fe) {
			fmt.Fprintf(env.Stderr, "svcship-installer: warning: not restoring saved settings: %v\n", err)
			return ExitOK
		}
		if err != nil {
			return fail(env, err)
		}
		if restored {
			// Without a service there is no configure step to wait for:
			// the restore is the whole step.
			if err := forgetSaved(env, g, *from); err != nil {
				return fail(env, err)
			}
		}
		return ExitOK
	}
	if *forget {
		if err := forgetSaved(env, g, *to); err != nil {
			return fail(env, err)
		}
		fmt.Fprintf(env.Stdout, "forgot saved settings %s\n", *to)
		return ExitOK
	}
	loc, err := parseSavedPath(*to)
	if err != nil {
		return fail(env, err)
	}
	data, err := env.ReadFile(*from)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(env.Stdout, "nothing to save: %s does not exist\n", *from)
		return ExitOK
	}
	if err != nil {
		return fail(env, fmt.Errorf("save settings: %w", err))
	}
	if err := g.checked(func(g *folderGuard) error { _, err := secureSavedFolders(g, loc, true); return err }); err != nil {
		return fail(env, fmt.Errorf("save settings: %w", err))
	}
	if _, err := checkSavedFile(g, loc.file); err != nil {
		return fail(env, fmt.Errorf("save settings: %w", err))
	}
	if err := env.WriteFile(loc.file, data); err != nil {
		return fail(env, fmt.Errorf("save settings to %s: %w", loc.file, err))
	}
	fmt.Fprintf(env.Stdout, "saved %s to %s\n", *from, loc.file)
	return ExitOK
}

// restoreConfig puts a saved svcship.yaml back at target when it is valid
// and svcship's own; it keeps the saved copy (the caller forgets it once
// the settings are applied). An invalid one is left where it is and
// reported, and the freshly installed file stays. restored is false when
// nothing was put back.
func restoreConfig(env Env, g *folderGuard, saved, target string) (restored bool, err error) {
	loc, err := parseSavedPath(saved)
	if err != nil {
		return false, err
	}
	ok, err := secureSavedFolders(g, loc, false)
	if err != nil || !ok {
		return false, err
	}
	if ok, err := checkSavedFile(g, loc.file); err != nil || !ok {
		return false, err
	}
	data, err := env.ReadFile(loc.file)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read saved settings: %w", err)
	}
	if _, err := config.Parse(saved, data); err != nil {
		fmt.Fprintf(env.Stderr, "svcship-installer: warning: keeping the new %s: the saved one is not valid: %v\n", config.FileName, err)
		return false, nil
	}
	if err := env.WriteFile(target, data); err != nil {
		return false, fmt.Errorf("restore saved settings to %s: %w", target, err)
	}
	fmt.Fprintf(env.Stdout, "restored %s from the previous installation\n", target)
	return true, nil
}

// forgetSaved removes a saved copy, then its product folder and the
// svcship folder when they are empty. Refused files and folders stay.
func forgetSaved(env Env, g *folderGuard, saved string) error {
	loc, err := parseSavedPath(saved)
	if err != nil {
		return err
	}
	ok, err := secureSavedFolders(g, loc, false)
	if err != nil {
		return fmt.Errorf("forget saved settings: %w", err)
	}
	if !ok {
		return nil
	}
	if _, err := checkSavedFile(g, loc.file); err != nil {
		return fmt.Errorf("forget saved settings: %w", err)
	}
	if err := env.Remove(loc.file); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("forget saved settings %s: %w", loc.file, err)
	}
	for _, d := range []string{loc.product, loc.root} {
		names, err := g.fs.ReadDir(d)
		if err != nil || len(names) > 0 {
			break
		}
		if err := g.fs.RemovePath(d); err != nil {
			return fmt.Errorf("forget saved settings: %w", err)
		}
	}
	return nil
}
