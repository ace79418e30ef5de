package main

import (
	"fmt"
	"strings"
)

// openError names the store at addr in err, without the backend's own
// prefix (such as "natsstore: "), keeping err for errors.Is and hints.
func openError(addr, prefix string, err error) error {
	msg := fmt.Sprintf("store %q: %s", redactAddr(addr), uniqueLines(strings.TrimPrefix(err.Error(), prefix)))
	return &relabeled{msg, err}
}

// notFound returns the error of a command that only reads for a local
// store at addr that does not exist; missing says what is not there.
func notFound(addr, missing string) error {
	return fmt.Errorf("store %q: %s; check the path (commands that only read never create a store)", addr, missing)
}

// engineOptions returns the options an opener gives its engine: the
// command's codec, and onlyReading when the command does not write, so
// that a command that only reads never creates anything.
func engineOptions[O any](o openOptions, codec, onlyReading O) []O {
	if !o.access.writes() {
		return []O{codec, onlyReading}
	}
	return []O{codec}
}
