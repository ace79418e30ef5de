package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
)

// modInfo is one module of the repository.
type modInfo struct {
	path string // module path, such as github.com/unionstore/unionstore/boltstore
	dir  string // slash-separated directory relative to the repository root; "." for the root
	file *modfile.File
}

// published reports whether m is tagged and served: every module but the
// repository's own tools and tests under internal/.
func (m modInfo) published() bool {
	return m.dir != "internal" && !strings.HasPrefix(m.dir, "internal/")
}

// command reports whether m is a command module, installed with go install
// PATH@VERSION, which refuses a go.mod with replace directives.
func (m modInfo) command() bool {
	return m.dir == "cmd" || strings.HasPrefix(m.dir, "cmd/")
}

// repo is the repository: its files and its modules.
type repo struct {
	root    string
	files   []string  // slash-separated, relative to root, sorted
	modules []modInfo // the root module first, then by directory
}

// openRepo lists the files git tracks or would track under root and parses
// every go.mod among them.
func openRepo(root string) (*repo, error) {
	cmd := exec.Command("git", "ls-files", "--cached", "--others", "--exclude-standard", "-z")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("list the files of %s: %w: %s", root, err, strings.TrimSpace(stderr.String()))
	}
	r := &repo{root: root}
	for _, name := range strings.Split(string(out), "\x00") {
		if name == "" {
			continue
		}
		// A file git still tracks but the working tree no longer has is
		// not part of what would be released.
		if _, err := os.Lstat(filepath.Join(root, filepath.FromSlash(name))); err != nil {
			continue
		}
		r.files = append(r.files, name)
	}
	sort.Strings(r.files)
	for _, name := range r.files {
		if path.Base(name) != "go.mod" || strings.Contains("/"+name, "/testdata/") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
		if err != nil {
			return nil, err
		}
		f, err := modfile.Parse(name, data, nil)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		if f.Module == nil {
			return nil, fmt.Errorf("%s has no module line", name)
		}
		r.modules = append(r.modules, modInfo{path: f.Module.Mod.Path, dir: path.Dir(name), file: f})
	}
	sort.Slice(r.modules, func(i, j int) bool {
		a, b := r.modules[i].dir, r.modules[j].dir
		if (a == ".") != (b == ".") {
			return a == "."
		}
		return a < b
	})
	if len(r.modules) == 0 || r.modules[0].dir != "." {
		return nil, fmt.Errorf("%s has no go.mod at its root", root)
	}
	return r, nil
}

// own reports whether a module path is one of the repository's modules.
func (r *repo) own(modPath string) bool {
	for _, m := range r.modules {
		if m.path == modPath {
			return true
		}
	}
	return false
}

// moduleOf returns the module that holds a file: the one with the deepest
// directory that contains it.
func (r *repo) moduleOf(name string) *modInfo {
	var best *modInfo
	for i := range r.modules {
		m := &r.modules[i]
		if m.dir == "." || strings.HasPrefix(name, m.dir+"/") {
			if best == nil || len(m.dir) > len(best.dir) || best.dir == "." {
				best = m
			}
		}
	}
	return best
}

// filesOf returns m's files, relative to m's directory.
func (r *repo) filesOf(m *modInfo) []string {
	var out []string
	for _, name := range r.files {
		if r.moduleOf(name) != m {
			continue
		}
		if m.dir != "." {
			name = strings.TrimPrefix(name, m.dir+"/")
		}
		out = append(out, name)
	}
	return out
}

// goMod returns m's go.mod with every requirement of a sibling at version,
// and, when dropCommandReplaces is set and m is a command module, without
// its replace directives for siblings.
func (r *repo) goMod(m *modInfo, version string, dropCommandReplaces bool) ([]byte, error) {
	f, err := r.readGoMod(m)
	if err != nil {
		return nil, err
	}
	for _, req := range f.Require {
		if r.own(req.Mod.Path) {
			if err := f.AddRequire(req.Mod.Path, version); err != nil {
				return nil, fmt.Errorf("%s: require %s %s: %w", m.dir, req.Mod.Path, version, err)
			}
		}
	}
	if dropCommandReplaces && m.command() {
		// DropReplace edits f.Replace: collect first.
		var drop []module.Version
		for _, rep := range f.Replace {
			if r.own(rep.Old.Path) {
				drop = append(drop, rep.Old)
			}
		}
		for _, old := range drop {
			if err := f.DropReplace(old.Path, old.Version); err != nil {
				return nil, err
			}
		}
	}
	f.Cleanup()
	return f.Format()
}

// restoreReplaces returns m's go.mod with a replace directive for every
// sibling it requires that has none, pointing at the sibling's directory.
func (r *repo) restoreReplaces(m *modInfo) ([]byte, error) {
	f, err := r.readGoMod(m)
	if err != nil {
		return nil, err
	}
	replaced := map[string]bool{}
	for _, rep := range f.Replace {
		replaced[rep.Old.Path] = true
	}
	for _, req := range f.Require {
		if !r.own(req.Mod.Path) || replaced[req.Mod.Path] {
			continue
		}
		for _, sib := range r.modules {
			if sib.path != req.Mod.Path {
				continue
			}
			rel, err := filepath.Rel(filepath.FromSlash(m.dir), filepath.FromSlash(sib.dir))
			if err != nil {
				return nil, err
			}
			rel = filepath.ToSlash(rel)
			if !strings.HasPrefix(rel, ".") {
				rel = "./" + rel
			}
			if rel == "." {
				rel = "./"
			}
			if err := f.AddReplace(req.Mod.Path, "", rel, ""); err != nil {
				return nil, err
			}
		}
	}
	f.Cleanup()
	return f.Format()
}

// version returns the one version at which the modules require each other,
// or an error naming the first requirement that differs.
func (r *repo) version() (string, error) {
	var v, where string
	for _, m := range r.modules {
		for _, req := range m.file.Require {
			if !r.own(req.Mod.Path) {
				continue
			}
			if v == "" {
				v, where = req.Mod.Version, m.dir
				continue
			}
			if req.Mod.Version != v {
				return "", fmt.Errorf("%s/go.mod requires %s %s, but %s/go.mod requires %s", m.dir, req.Mod.Path, req.Mod.Version, where, v)
			}
		}
	}
	if v == "" {
		return "", fmt.Errorf("no module requires another")
	}
	return v, nil
}

// readGoMod parses m's go.mod as it is now in the working tree, which an
// earlier rewrite may have changed since the repository was opened.
func (r *repo) readGoMod(m *modInfo) (*modfile.File, error) {
	data, err := os.ReadFile(filepath.Join(r.root, filepath.FromSlash(m.dir), "go.mod"))
	if err != nil {
		return nil, err
	}
	return modfile.Parse(m.dir+"/go.mod", data, nil)
}
