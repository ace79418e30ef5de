package boltstore

import (
	"fmt"
	"runtime/debug"
)

// contain runs fn and turns a panic or a memory fault inside it into an
// error wrapping [ErrCorrupt] that names the file and the operation.
//
// bbolt reads pages straight from its memory map and trusts them: a page
// zeroed or cut off by a damaged disk makes it panic on a bad page type or
// fault on an address past the end of the file. A fault kills the process
// unless the goroutine asked for a panic instead, and that setting is per
// goroutine, so every method that touches the map calls contain itself,
// from the goroutine that reads: a [unionstore.Union] calls its members from
// goroutines of its own.
//
// bbolt's View and Update roll their transaction back while the panic
// unwinds, so the store stays usable for the pages that are intact.
func contain(path, op string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %q: %s met a damaged page (%v); %s", ErrCorrupt, path, op, r, repairAdvice)
		}
	}()
	return fn()
}

// repairAdvice ends the errors of a damaged file.
const repairAdvice = "restore the file from a replica (unionstore repair), or check it with `bbolt check` and copy what is readable with `bbolt compact`"
