package installer

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/svcship/svcship/config"
)

// An MSI removes the old version before it installs the new one, and wine's
// msiexec does not tell that removal it is part of an upgrade. So the MSI
// saves svcship.yaml outside the install folder on every removal
// (save-config), and the configure step of the next install puts it back
// (configure --restore-config). An uninstall thus leaves the program folder
// empty and the administrator's settings under %ProgramData%, and
// "msiexec /x ... SVCSHIP_PURGE=1" forgets them (save-config --forget).

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
	if *restore {
		if err := restoreConfig(env, *from, *to); err != nil {
			return fail(env, err)
		}
		return ExitOK
	}
	if *forget {
		if err := env.Remove(*to); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fail(env, fmt.Errorf("forget saved settings %s: %w", *to, err))
		}
		fmt.Fprintf(env.Stdout, "forgot saved settings %s\n", *to)
		return ExitOK
	}
	data, err := env.ReadFile(*from)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(env.Stdout, "nothing to save: %s does not exist\n", *from)
		return ExitOK
	}
	if err != nil {
		return fail(env, fmt.Errorf("save settings: %w", err))
	}
	if err := env.WriteFile(*to, data); err != nil {
		return fail(env, fmt.Errorf("save settings to %s: %w", *to, err))
	}
	fmt.Fprintf(env.Stdout, "saved %s to %s\n", *from, *to)
	return ExitOK
}

// restoreConfig puts a saved svcship.yaml back at target when it is valid,
// and removes the saved copy. An invalid one is left where it is and
// reported, and the freshly installed file stays.
func restoreConfig(env Env, saved, target string) error {
	data, err := env.ReadFile(saved)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read saved settings: %w", err)
	}
	if _, err := config.Parse(saved, data); err != nil {
		fmt.Fprintf(env.Stderr, "svcship-installer: warning: keeping the new %s: the saved one is not valid: %v\n", config.FileName, err)
		return nil
	}
	if err := env.WriteFile(target, data); err != nil {
		return fmt.Errorf("restore saved settings to %s: %w", target, err)
	}
	if err := env.Remove(saved); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove saved settings %s: %w", saved, err)
	}
	fmt.Fprintf(env.Stdout, "restored %s from the previous installation\n", target)
	return nil
}
