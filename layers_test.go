package unionstore_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The engine packages under internal/ are the root's mechanisms: they
// import the standard library only, and only the root package imports
// them (see docs/design.md). Go's internal rule would let every module of
// this repository import them, so this test holds the line. The backend
// layer, which every backend module imports, imports the root package and
// the standard library only, so that a backend pulls in nothing more.
func TestLayers(t *testing.T) {
	const module = "github.com/unionstore/unionstore"
	engine := map[string]bool{"internal/fanout": true, "internal/readahead": true}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case engine[dir] && strings.Contains(strings.Split(p, "/")[0], "."):
				t.Errorf("%s imports %s: the engine imports the standard library only", path, p)
			case engine[strings.TrimPrefix(p, module+"/")] && dir != "." && !engine[dir]:
				t.Errorf("%s imports %s: only the root package uses the engine", path, p)
			case dir == "backend" && !strings.HasSuffix(path, "_test.go") && strings.Contains(strings.Split(p, "/")[0], ".") && p != module:
				t.Errorf("%s imports %s: the backend layer imports the root package and the standard library only", path, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
