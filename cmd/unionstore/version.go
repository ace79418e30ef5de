package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

func runVersion(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "", `
Version prints the version of the command, the commit it was built from
when known, and the Go release and platform it was built with.`, `  unionstore version`)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageErrorf("unexpected arguments %q", pos)
	}
	fmt.Fprintln(e.stdout, versionString())
	return nil
}

// versionString returns "unionstore VERSION (COMMIT) GO OS/ARCH" from the
// build information: VERSION is the module version that go install
// records, "(devel)" for a build from a work tree.
func versionString() string {
	version, commit := "(devel)", ""
	if info, ok := debug.ReadBuildInfo(); ok {
		if v := info.Main.Version; v != "" {
			version = v
		}
		dirty := false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if len(commit) > 12 {
			commit = commit[:12]
		}
		if commit != "" && dirty {
			commit += "+modified"
		}
	}
	out := "unionstore " + version
	if commit != "" {
		out += " (" + commit + ")"
	}
	return fmt.Sprintf("%s %s %s/%s", out, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
