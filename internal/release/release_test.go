package main

import (
	"archive/zip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

// newRepo writes a repository of a root module, a library beside it, a
// command that requires both, and an internal tool, under git.
func newRepo(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"go.mod":            "module example.com/r\n\ngo 1.26.0\n",
		"r.go":              "package r\n",
		".gitignore":        "*.db\n",
		"junk.db":           "ignored",
		"lib/go.mod":        "module example.com/r/lib\n\ngo 1.26.0\n\nrequire example.com/r v0.0.0\n\nreplace example.com/r => ../\n",
		"lib/lib.go":        "package lib\n",
		"lib/testdata/x":    "data",
		"cmd/tool/go.mod":   "module example.com/r/cmd/tool\n\ngo 1.26.0\n\nrequire (\n\texample.com/r v0.0.0\n\texample.com/r/lib v0.0.0\n)\n\nreplace example.com/r => ../../\n\nreplace example.com/r/lib => ../../lib\n",
		"cmd/tool/main.go":  "package main\n\nfunc main() {}\n",
		"internal/x/go.mod": "module example.com/r/internal/x\n\ngo 1.26.0\n\nrequire example.com/r v0.0.0\n\nreplace example.com/r => ../../\n",
	}
	for name, data := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v: %s", args, err, out)
		}
	}
	return root
}

// readMod parses the go.mod in dir under root.
func readMod(t *testing.T, root, dir string) *modfile.File {
	t.Helper()
	return readModFile(t, filepath.Join(root, dir, "go.mod"))
}

// requires returns a go.mod's requirements and replaced paths.
func requires(f *modfile.File) (req []string, replaced []string) {
	for _, r := range f.Require {
		req = append(req, r.Mod.Path+"@"+r.Mod.Version)
	}
	for _, r := range f.Replace {
		replaced = append(replaced, r.Old.Path+"=>"+r.New.Path)
	}
	return req, replaced
}

func TestRewrites(t *testing.T) {
	root := newRepo(t)
	r, err := openRepo(root)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name         string
		edit         func(*modInfo) ([]byte, error)
		cmdReq       []string
		cmdReplaced  []string
		libReplaced  []string
		wantVersion  string
		internalReqs []string
	}{
		{"set-version", func(m *modInfo) ([]byte, error) { return r.goMod(m, "v0.2.0", false) },
			[]string{"example.com/r@v0.2.0", "example.com/r/lib@v0.2.0"},
			[]string{"example.com/r=>../../", "example.com/r/lib=>../../lib"},
			[]string{"example.com/r=>../"}, "v0.2.0", []string{"example.com/r@v0.2.0"}},
		{"release-mods", func(m *modInfo) ([]byte, error) { return r.goMod(m, "v0.3.0", true) },
			[]string{"example.com/r@v0.3.0", "example.com/r/lib@v0.3.0"},
			nil,
			[]string{"example.com/r=>../"}, "v0.3.0", []string{"example.com/r@v0.3.0"}},
		{"dev-mods", r.restoreReplaces,
			[]string{"example.com/r@v0.3.0", "example.com/r/lib@v0.3.0"},
			[]string{"example.com/r=>../..", "example.com/r/lib=>../../lib"},
			[]string{"example.com/r=>../"}, "v0.3.0", []string{"example.com/r@v0.3.0"}},
	}
	for _, step := range steps {
		if err := rewriteAll(r, step.edit); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		req, replaced := requires(readMod(t, root, "cmd/tool"))
		if !slices.Equal(req, step.cmdReq) || !slices.Equal(replaced, step.cmdReplaced) {
			t.Errorf("%s: cmd/tool requires %v, replaces %v; want %v, %v", step.name, req, replaced, step.cmdReq, step.cmdReplaced)
		}
		if _, replaced := requires(readMod(t, root, "lib")); !slices.Equal(replaced, step.libReplaced) {
			t.Errorf("%s: lib replaces %v, want %v", step.name, replaced, step.libReplaced)
		}
		if req, _ := requires(readMod(t, root, "internal/x")); !slices.Equal(req, step.internalReqs) {
			t.Errorf("%s: internal/x requires %v, want %v", step.name, req, step.internalReqs)
		}
		r, err = openRepo(root)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := r.version(); v != step.wantVersion || err != nil {
			t.Errorf("%s: version() = %q, %v; want %q", step.name, v, err, step.wantVersion)
		}
	}
}

func TestVersionDisagreement(t *testing.T) {
	root := newRepo(t)
	p := filepath.Join(root, "lib", "go.mod")
	data, _ := os.ReadFile(p)
	if err := os.WriteFile(p, []byte(strings.Replace(string(data), "example.com/r v0.0.0", "example.com/r v0.0.1", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := openRepo(root)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := r.version(); err == nil || !strings.Contains(err.Error(), "lib/go.mod") {
		t.Errorf("version() with lib at another version = %q, %v; want an error naming lib/go.mod", v, err)
	}
}

func TestTags(t *testing.T) {
	r, err := openRepo(newRepo(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"v0.4.0", "cmd/tool/v0.4.0", "lib/v0.4.0"}
	if got := tags(r, "v0.4.0"); !slices.Equal(got, want) {
		t.Errorf("tags = %v, want %v", got, want)
	}
}

func TestProxy(t *testing.T) {
	root := newRepo(t)
	r, err := openRepo(root)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const v = "v0.5.0-ci.1"
	if err := writeProxy(r, v, dir); err != nil {
		t.Fatal(err)
	}
	wantFiles := map[string][]string{
		"example.com/r":          {".gitignore", "go.mod", "r.go"},
		"example.com/r/lib":      {"go.mod", "lib.go", "testdata/x"},
		"example.com/r/cmd/tool": {"go.mod", "main.go"},
	}
	for path, want := range wantFiles {
		vdir := filepath.Join(dir, filepath.FromSlash(path), "@v")
		zipName := filepath.Join(vdir, v+".zip")
		if _, err := modzip.CheckZip(module.Version{Path: path, Version: v}, zipName); err != nil {
			t.Errorf("%s: CheckZip: %v", path, err)
			continue
		}
		zr, err := zip.OpenReader(zipName)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		var zipMod []byte
		prefix := path + "@" + v + "/"
		for _, f := range zr.File {
			name := strings.TrimPrefix(f.Name, prefix)
			got = append(got, name)
			if name == "go.mod" {
				rc, _ := f.Open()
				buf := new(strings.Builder)
				_, _ = io.Copy(buf, rc)
				rc.Close()
				zipMod = []byte(buf.String())
			}
		}
		zr.Close()
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s zip holds %v, want %v", path, got, want)
		}
		mod, err := os.ReadFile(filepath.Join(vdir, v+".mod"))
		if err != nil {
			t.Fatal(err)
		}
		if string(mod) != string(zipMod) {
			t.Errorf("%s: .mod differs from the zip's go.mod:\n%s\n---\n%s", path, mod, zipMod)
		}
		if list, _ := os.ReadFile(filepath.Join(vdir, "list")); string(list) != v+"\n" {
			t.Errorf("%s: list = %q", path, list)
		}
	}
	cmdMod := readModFile(t, filepath.Join(dir, "example.com/r/cmd/tool/@v", v+".mod"))
	if req, replaced := requires(cmdMod); len(replaced) != 0 || !slices.Equal(req, []string{"example.com/r@" + v, "example.com/r/lib@" + v}) {
		t.Errorf("served cmd/tool go.mod requires %v, replaces %v; want siblings at %s and no replace", req, replaced, v)
	}
	if _, err := os.Stat(filepath.Join(dir, "example.com/r/internal")); !os.IsNotExist(err) {
		t.Errorf("internal module served: %v", err)
	}
	if err := writeProxy(r, "v1", dir); err == nil {
		t.Error("writeProxy with version v1 succeeded, want an error")
	}
}

func readModFile(t *testing.T, name string) *modfile.File {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	f, err := modfile.Parse(name, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
