package main

import "testing"

// TestPebbleAddresses copies a bolt file into a Pebble directory with the
// command and reads it back; reading commands never create a directory.
func TestPebbleAddresses(t *testing.T) {
	dir := t.TempDir()
	lines := `{"kind":"customer","id":"c1","body":{"id":"c1","name":"Ada"}}
{"kind":"customer","id":"c2","body":{"id":"c2","name":"Grace"}}
`
	must(t, dir, exitOK, lines, "put", "--store", "old.db", "shop")
	r := must(t, dir, exitOK, "", "sync", "old.db", "pebble://new")
	contains(t, "sync", r.stdout, "copied 2 changes")
	r = must(t, dir, exitOK, "", "check", "--store", "old.db", "--store", "pebble://new", "shop")
	contains(t, "check after sync", r.stdout, "shop: equal")
	r = must(t, dir, exitOK, "", "get", "--store", "pebble://new", "shop", "customer", "c1")
	contains(t, "get from pebble", r.stdout, "Ada")
	r = must(t, dir, exitOK, "", "namespaces", "--store", "pebble://new")
	contains(t, "namespaces", r.stdout, "shop")

	r = must(t, dir, exitFailure, "", "load", "--store", "pebble://missing", "shop")
	contains(t, "load of a missing directory", r.stderr, "no store in that directory")
	r = must(t, dir, exitFailure, "", "check", "--store", "pebble://new", "--store", "pebble://./new", "shop")
	contains(t, "the same directory twice", r.stderr, "given twice")
}
