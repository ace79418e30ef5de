package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// Args returns the arguments of go that run r.
func (r Run) Args() []string {
	return []string{"test", "-run", "^$", "-bench", r.Bench, "-benchtime", r.Benchtime,
		"-count", strconv.Itoa(r.Count), "-benchmem", "-timeout", "30m", r.Package()}
}

// Package returns the package pattern of r's module, relative to the
// repository root: "./" for the root module, "./boltstore/" for a backend.
func (r Run) Package() string {
	dir := strings.Trim(strings.TrimPrefix(r.Module, "./"), "/")
	if dir == "" || dir == "." {
		return "./"
	}
	return "./" + dir + "/"
}

// Command returns r as a shell command that reproduces it from the
// repository root.
func (r Run) Command() string {
	args := r.Args()
	for i, a := range args {
		if strings.ContainsAny(a, "^$|()*[] ") {
			args[i] = "'" + a + "'"
		}
	}
	return "go " + strings.Join(args, " ")
}

// Execute runs r in the repository at root, copies its output to log as it
// comes, and returns the output. A failed run returns what it printed and
// an error naming the run; its benchmarks that finished still count.
func (r Run) Execute(ctx context.Context, root string, log io.Writer) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", r.Args()...)
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout = io.MultiWriter(&out, log)
	cmd.Stderr = io.MultiWriter(&out, os.Stderr)
	if err := cmd.Run(); err != nil {
		return out.Bytes(), fmt.Errorf("%s: %w", r.Command(), err)
	}
	return out.Bytes(), nil
}

// Quick returns r shortened to check the tool itself: one repetition of
// one iteration.
func (r Run) Quick() Run {
	r.Benchtime, r.Count = "1x", 1
	return r
}
