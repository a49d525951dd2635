package installer

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/autostart"
)

type autostartArgs []string

func (l *autostartArgs) String() string     { return strings.Join(*l, " ") }
func (l *autostartArgs) Set(v string) error { *l = append(*l, v); return nil }

// cmdAutostart registers the product to start in a user session instead
// of (or besides) a service:
//
//	svcship-installer autostart add|remove|status [--kind run-key|task]
//	    [--scope user|machine] [--trigger logon|startup] [--delay 30s]
//	    [--account DOMAIN\user] [--name N] [--exe path] [--arg A]...
//
// Defaults come from the autostart section of svcship.yaml beside the
// installer (or --config); flags override them.
func cmdAutostart(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "add" && args[0] != "remove" && args[0] != "status") {
		fmt.Fprintln(stderr, "usage: svcship-installer autostart add|remove|status [flags]")
		return ExitUsage
	}
	verb := args[0]
	fs := flag.NewFlagSet("autostart "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "svcship.yaml with an autostart section (default: beside this program, if present)")
	kind := fs.String("kind", "", "run-key or task (default from svcship.yaml, else run-key)")
	scope := fs.String("scope", "", "user (HKCU / current user) or machine (HKLM / all users)")
	trigger := fs.String("trigger", "", "logon or startup (task only)")
	delay := fs.Duration("delay", 0, "delay after the trigger (task only)")
	account := fs.String("account", "", "account the task runs as (task only)")
	name := fs.String("name", "", "Run value or task name (default: the product name)")
	exe := fs.String("exe", "", "program to start (default: the product's executable beside this program)")
	var progArgs autostartArgs
	fs.Var(&progArgs, "arg", "argument passed to the program (repeatable)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	// Defaults from svcship.yaml when there is one.
	path := *cfgPath
	if path == "" {
		if self, err := os.Executable(); err == nil {
			if p := filepath.Join(filepath.Dir(self), config.FileName); autostartFileExists(p) {
				path = p
			}
		}
	}
	if path != "" {
		cfg, err := config.Load(path)
		if err != nil {
			fmt.Fprintf(stderr, "svcship-installer autostart: %v\n", err)
			return ExitUsage
		}
		if *name == "" {
			*name = cfg.Product.Name
		}
		if *exe == "" {
			*exe = cfg.Resolve(cfg.Service.Hosted.Executable)
		}
		if a := cfg.Autostart; a != nil {
			autostartFill(kind, a.Kind)
			autostartFill(scope, a.Scope)
			autostartFill(trigger, a.Trigger)
			autostartFill(account, a.Account)
			if !set["delay"] {
				*delay = a.Delay.D()
			}
			if !set["arg"] {
				progArgs = a.Arguments
			}
		}
	}
	autostartFill(kind, "run-key")
	sc, err := autostart.ParseScope(*scope)
	if err != nil {
		fmt.Fprintf(stderr, "svcship-installer autostart: %v\n", err)
		return ExitUsage
	}
	if *name == "" || (verb == "add" && *exe == "") {
		fmt.Fprintln(stderr, "svcship-installer autostart: need --name and --exe (or a svcship.yaml)")
		return ExitUsage
	}
	entry := autostart.Entry{Name: *name, Command: *exe, Args: progArgs}

	switch *kind {
	case "run-key":
		if *trigger == "startup" {
			fmt.Fprintln(stderr, "svcship-installer autostart: a Run key starts at logon only; use --kind task for startup")
			return ExitUsage
		}
		reg, err := autostart.NewRegistry()
		if err != nil {
			fmt.Fprintf(stderr, "svcship-installer autostart: %v\n", err)
			return ExitFailure
		}
		return autostartRunKeyCmd(autostart.RunKeyManager{Reg: reg}, verb, sc, entry, stdout, stderr)
	case "task":
		m := autostart.TaskManager{Run: autostart.ExecRunner{}, CurrentUser: autostartUser()}
		t := autostart.Task{Entry: entry, Scope: sc, Trigger: autostart.Trigger(*trigger), Delay: *delay, Account: *account}
		return autostartTaskCmd(ctx, m, verb, t, stdout, stderr)
	}
	fmt.Fprintf(stderr, "svcship-installer autostart: %q is not a kind (expected run-key or task)\n", *kind)
	return ExitUsage
}

func autostartFill(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

func autostartFileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

func autostartUser() string {
	if d, u := os.Getenv("USERDOMAIN"), os.Getenv("USERNAME"); u != "" {
		if d != "" {
			return d + `\` + u
		}
		return u
	}
	return ""
}

func autostartRunKeyPath(sc autostart.Scope) string {
	if sc == autostart.ScopeMachine {
		return `HKLM\` + autostart.RunKey
	}
	return `HKCU\` + autostart.RunKey
}

func autostartRunKeyCmd(m autostart.RunKeyManager, verb string, sc autostart.Scope, e autostart.Entry, stdout, stderr io.Writer) int {
	where := autostartRunKeyPath(sc)
	switch verb {
	case "add":
		changed, err := m.Add(sc, e)
		if err != nil {
			fmt.Fprintf(stderr, "svcship-installer autostart: %v\n", err)
			return ExitFailure
		}
		if changed {
			fmt.Fprintf(stdout, "%s: added to %s: %s\n", e.Name, where, e.CommandLine())
		} else {
			fmt.Fprintf(stdout, "%s: already in %s\n", e.Name, where)
		}
	case "remove":
		changed, err := m.Remove(sc, e.Name)
		if err != nil {
			fmt.Fprintf(stderr, "svcship-installer autostart: %v\n", err)
			return ExitFailure
		}
		if changed {
			fmt.Fprintf(stdout, "%s: removed from %s\n", e.Name, where)
		} else {
			fmt.Fprintf(stdout, "%s: not in %s\n", e.Name, where)
		}
	case "status":
		st, err := m.Status(sc, e)
		if err != nil {
			fmt.Fprintf(stderr, "svcship-installer autostart: %v\n", err)
			return ExitFailure
		}
		if !st.Installed {
			fmt.Fprintf(stdout, "%s: not registered in %s\n", e.Name, where)
			return ExitNotInstalled
		}
		fmt.Fprintf(stdout, "%s: registered in %s: %s\n", e.Name, where, st.Command)
	}
	return ExitOK
}

func autostartTaskCmd(ctx context.Context, m autostart.TaskManager, verb string, t autostart.Task, stdout, stderr io.Writer) int {
	switch verb {
	case "add":
		if err := m.Add(ctx, t); err != nil {
			fmt.Fprintf(stderr, "svcship-installer autostart: %v\n", err)
			return ExitFailure
		}
		fmt.Fprintf(stdout, "%s: scheduled task registered (%s)\n", t.Name, autostartOr(string(t.Trigger), "logon"))
	case "remove":
		changed, err := m.Remove(ctx, t.Name)
		if err != nil {
			fmt.Fprintf(stderr, "svcship-installer autostart: %v\n", err)
			return ExitFailure
		}
		if changed {
			fmt.Fprintf(stdout, "%s: scheduled task removed\n", t.Name)
		} else {
			fmt.Fprintf(stdout, "%s: no scheduled task\n", t.Name)
		}
	case "status":
		st, err := m.Status(ctx, t.Name)
		if err != nil {
			fmt.Fprintf(stderr, "svcship-installer autostart: %v\n", err)
			return ExitFailure
		}
		if !st.Installed {
			fmt.Fprintf(stdout, "%s: no scheduled task\n", t.Name)
			return ExitNotInstalled
		}
		fmt.Fprintf(stdout, "%s: scheduled task registered\n%s\n", t.Name, st.Command)
	}
	return ExitOK
}

func autostartOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
