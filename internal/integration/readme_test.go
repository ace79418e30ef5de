package integration_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeQuickStart builds the README's Quick start as the program it
// claims to be, runs it in an empty directory, and checks what it prints,
// so that the first code a newcomer copies compiles and does what the page
// says.
func TestReadmeQuickStart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program; skipped with -short")
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := goBlockAfter(string(readme), "## Quick start")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "quickstart")
	// Built from this module, whose requirements hold the core and
	// boltstore, as a user's module would after go get.
	build := exec.Command("go", "build", "-o", bin, filepath.Join(dir, "main.go"))
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("the README's Quick start does not build: %v\n%s\n%s", err, out, src)
	}
	run := exec.Command(bin)
	run.Dir = t.TempDir()
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's Quick start failed: %v\n%s", err, out)
	}
	if want := "set c1 Ada\nunset c2 \n"; string(out) != want {
		t.Errorf("the README's Quick start printed %q, want %q", out, want)
	}
	if _, err := os.Stat(filepath.Join(run.Dir, "shop.db")); err != nil {
		t.Errorf("the Quick start left no bolt file: %v", err)
	}
}

// goBlockAfter returns the first ```go block after the heading.
func goBlockAfter(doc, heading string) (string, error) {
	i := strings.Index(doc, "\n"+heading+"\n")
	if i < 0 {
		return "", &missingError{heading}
	}
	rest := doc[i:]
	start := strings.Index(rest, "\n```go\n")
	if start < 0 {
		return "", &missingError{heading + " ```go block"}
	}
	rest = rest[start+len("\n```go\n"):]
	end := strings.Index(rest, "\n```\n")
	if end < 0 {
		return "", &missingError{heading + " block's end"}
	}
	return rest[:end+1], nil
}

type missingError struct{ what string }

func (e *missingError) Error() string { return "README.md has no " + e.what }
