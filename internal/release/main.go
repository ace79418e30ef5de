package main

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/mod/semver"
)

const usage = `usage: release COMMAND [ARGS]

  set-version VERSION    every module requires its siblings at VERSION
  release-mods VERSION   set-version, and command modules drop their replace directives
  dev-mods               command modules get their replace directives back
  proxy VERSION DIR      a file module proxy at VERSION in DIR
  tags VERSION           the tags to push for VERSION
  modules                the published modules' directories
  commands               the command modules' directories
  version                the version the modules require each other at

Run it from the repository root.
`

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Print(usage)
		return nil
	}
	if err := checkArgs(args); err != nil {
		return err
	}
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	r, err := openRepo(root)
	if err != nil {
		return err
	}
	return commands[args[0]](r, args[1:])
}

// commands are the release tool's commands, each given the repository and
// its arguments, checked by checkArgs.
var commands = map[string]func(r *repo, args []string) error{
	"set-version": func(r *repo, args []string) error {
		return rewriteAll(r, func(m *modInfo) ([]byte, error) { return r.goMod(m, args[0], false) })
	},
	"release-mods": func(r *repo, args []string) error {
		return rewriteAll(r, func(m *modInfo) ([]byte, error) { return r.goMod(m, args[0], true) })
	},
	"dev-mods": func(r *repo, _ []string) error { return rewriteAll(r, r.restoreReplaces) },
	"proxy": func(r *repo, args []string) error {
		dir, err := filepath.Abs(args[1])
		if err != nil {
			return err
		}
		return writeProxy(r, args[0], dir)
	},
	"tags": func(r *repo, args []string) error {
		printLines(tags(r, args[0]))
		return nil
	},
	"version": func(r *repo, _ []string) error {
		v, err := r.version()
		if err == nil {
			fmt.Println(v)
		}
		return err
	},
	"commands": func(r *repo, _ []string) error {
		printLines(r.published(func(m modInfo) bool { return m.command() }))
		return nil
	},
	"modules": func(r *repo, _ []string) error {
		printLines(r.published(func(modInfo) bool { return true }))
		return nil
	},
}

// checkArgs returns why args do not name a command with its number of
// arguments, the first of them a full semantic version, or nil.
func checkArgs(args []string) error {
	want := map[string]int{"set-version": 1, "release-mods": 1, "dev-mods": 0, "proxy": 2, "tags": 1, "modules": 0, "commands": 0, "version": 0}
	n, ok := want[args[0]]
	if !ok {
		return fmt.Errorf("unknown command %q\n%s", args[0], usage)
	}
	if len(args)-1 != n {
		return fmt.Errorf("%s takes %d arguments, got %d\n%s", args[0], n, len(args)-1, usage)
	}
	if n > 0 {
		if v := args[1]; !semver.IsValid(v) || semver.Canonical(v) != v && semver.Prerelease(v) == "" {
			return fmt.Errorf("version %q is not a full semantic version such as v0.1.0", v)
		}
	}
	return nil
}

// published returns the directories of the published modules that keep
// holds.
func (r *repo) published(keep func(modInfo) bool) []string {
	var out []string
	for _, m := range r.modules {
		if m.published() && keep(m) {
			out = append(out, m.dir)
		}
	}
	return out
}

func printLines(lines []string) {
	for _, l := range lines {
		fmt.Println(l)
	}
}

// rewriteAll writes every module's go.mod as edit returns it.
func rewriteAll(r *repo, edit func(*modInfo) ([]byte, error)) error {
	for i := range r.modules {
		m := &r.modules[i]
		data, err := edit(m)
		if err != nil {
			return fmt.Errorf("%s/go.mod: %w", m.dir, err)
		}
		if err := os.WriteFile(filepath.Join(r.root, filepath.FromSlash(m.dir), "go.mod"), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// tags returns the tags of a release: the version for the root module and
// DIR/version for each other published module.
func tags(r *repo, version string) []string {
	var out []string
	for _, m := range r.modules {
		switch {
		case !m.published():
		case m.dir == ".":
			out = append(out, version)
		default:
			out = append(out, m.dir+"/"+version)
		}
	}
	return out
}
