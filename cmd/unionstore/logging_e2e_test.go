package main

import (
	"strings"
	"testing"
)

// TestLogLevelReachesTheUnions runs commands with --log-level debug and
// finds the unions' calls on stores logged on standard error, and none
// with the default level.
func TestLogLevelReachesTheUnions(t *testing.T) {
	dir := t.TempDir()
	must(t, dir, exitOK, "", "put", "--store", "a.db", "--store", "b.db", "shop", "customer", "c1", `{"id":"c1"}`)
	for _, args := range [][]string{
		{"load", "--store", "a.db", "--store", "b.db", "shop"},
		{"check", "--store", "a.db", "--store", "b.db", "shop"},
		{"sync", "a.db", "c.db"},
		{"get", "--store", "a.db", "--store", "b.db", "shop", "customer", "c1"},
	} {
		r := must(t, dir, exitOK, "", append([]string{args[0], "--log-level", "debug"}, args[1:]...)...)
		if !strings.Contains(r.stderr, "level=DEBUG") || !strings.Contains(r.stderr, "store=a.db") {
			t.Errorf("unionstore %s --log-level debug logged nothing of its stores:\n%s", args[0], r.stderr)
		}
		r = must(t, dir, exitOK, "", args...)
		if strings.Contains(r.stderr, "level=") {
			t.Errorf("unionstore %s logged at the default level:\n%s", args[0], r.stderr)
		}
	}
}
