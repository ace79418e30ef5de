package integration_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// packageDirs are the packages a document may name, by the name it uses.
var packageDirs = map[string]string{
	"unionstore":  ".",
	"storetest":   "storetest",
	"boltstore":   "boltstore",
	"pebblestore": "pebblestore",
	"pgstore":     "pgstore",
	"natsstore":   "natsstore",
	"kafkastore":  "kafkastore",
	"s3store":     "s3store",
	"unionotel":   "unionotel",
	"backend":     "backend",
	"mysqlstore":  "mysqlstore",
	"redisstore":  "redisstore",
	"sqlitestore": "sqlitestore",
}

var qualified = regexp.MustCompile(`\b(unionstore|storetest|boltstore|pebblestore|pgstore|natsstore|kafkastore|s3store|unionotel|backend|mysqlstore|redisstore|sqlitestore)\.([A-Z][A-Za-z0-9_]*)`)

// TestDocsNameWhatExists finds every pkg.Name that the repository's
// Markdown documents mention for one of its packages, and checks that the
// package declares Name: a README that names a function that was renamed
// or never existed fails here rather than in a newcomer's editor.
func TestDocsNameWhatExists(t *testing.T) {
	root := filepath.Join("..", "..")
	declared := map[string]map[string]bool{}
	for name, dir := range packageDirs {
		decls, err := packageDecls(filepath.Join(root, dir))
		if err != nil {
			t.Fatalf("package %s: %v", name, err)
		}
		declared[name] = decls
	}
	docs := repoFiles(t, root, func(name string) bool { return strings.HasSuffix(name, ".md") })
	if len(docs) < 5 {
		t.Fatalf("found %d Markdown documents, want the READMEs: %v", len(docs), docs)
	}
	checked := 0
	for _, rel := range docs {
		data, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			for _, m := range qualified.FindAllStringSubmatch(line, -1) {
				checked++
				if !declared[m[1]][m[2]] {
					t.Errorf("%s:%d names %s.%s, which package %s does not declare", rel, i+1, m[1], m[2], m[1])
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no document names a package's identifier: the pattern is wrong")
	}
}

// packageDecls returns the names declared at the top level of the
// package in dir, tests left out.
func packageDecls(dir string) (map[string]bool, error) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					out[d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						out[s.Name.Name] = true
					case *ast.ValueSpec:
						for _, n := range s.Names {
							out[n.Name] = true
						}
					}
				}
			}
		}
	}
	if len(out) == 0 {
		keys := make([]string, 0, len(entries))
		for _, e := range entries {
			keys = append(keys, e.Name())
		}
		sort.Strings(keys)
		return nil, &missingError{"declarations in " + dir + " " + strings.Join(keys, " ")}
	}
	return out, nil
}

// TestPackageDocsAreWhole checks that each package's doc.go comment is
// one comment that go doc shows from its first sentence: a blank line
// inside it would leave go doc only the part after the blank line.
func TestPackageDocsAreWhole(t *testing.T) {
	root := filepath.Join("..", "..")
	for name, dir := range packageDirs {
		path := filepath.Join(root, dir, "doc.go")
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments|parser.PackageClauseOnly)
		if err != nil {
			t.Errorf("package %s: %v", name, err)
			continue
		}
		if f.Doc == nil || !strings.HasPrefix(f.Doc.Text(), "Package "+name+" ") {
			got := "nothing"
			if f.Doc != nil {
				got, _, _ = strings.Cut(f.Doc.Text(), "\n")
				got = "\"" + got + "\""
			}
			t.Errorf("go doc of %s starts with %s, want \"Package %s ...\"", name, got, name)
		}
		if len(f.Comments) > 1 && f.Comments[0] != f.Doc {
			t.Errorf("%s: a comment before the package doc is cut off from it", path)
		}
	}
}

// repoFiles returns the files under root whose base name keep accepts,
// relative to root, leaving out version control, test data and installed
// packages.
func repoFiles(t *testing.T, root string, keep func(name string) bool) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() && keep(d.Name()) {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
