package pebblestore

import (
	"fmt"
	"path/filepath"
	"sync"

	"github.com/cockroachdb/pebble/v2"
)

// fault is the first sign of damage that pebble gave a store: a corruption
// event, a fatal error or a panic. Once it is set, every operation of the
// store returns it, wrapping [ErrCorrupt] and naming the directory.
//
// Pebble's defaults end the process on these: its DataCorruption event
// calls the logger's Fatalf, which exits. A library must not end its
// caller's process, and a union whose member failed this way must go on
// with its other members, so the store's logger and event listener record
// the fault here instead, and its operations report it. Pebble does not
// expect Fatalf to return; after one, the store trusts pebble with nothing
// but Close.
type fault struct {
	dir string

	mu  sync.Mutex
	err error
}

// set records err as the fault, unless one is recorded already.
func (f *fault) set(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil {
		f.err = fmt.Errorf("%w: %q: %w; %s", ErrCorrupt, f.dir, err, repairAdvice)
	}
}

// get returns the fault, or nil.
func (f *fault) get() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// repairAdvice ends the errors of a damaged directory.
const repairAdvice = "restore the store from a replica (unionstore repair into a fresh directory)"

// logger is the store's pebble logger: it drops pebble's informational
// messages, which a library must not print, passes on its errors, and
// records a fatal error as the store's fault instead of ending the
// process.
type logger struct{ f *fault }

func (logger) Infof(string, ...any) {}

func (logger) Errorf(format string, args ...any) { pebble.DefaultLogger.Errorf(format, args...) }

func (l logger) Fatalf(format string, args ...any) {
	pebble.DefaultLogger.Errorf(format, args...)
	l.f.set(fmt.Errorf("pebble stopped: "+format, args...))
}

// eventListener records pebble's reports of damage as the store's fault:
// a table or blob file that fails its checksums when read, by a read or a
// background compaction, and a background job that fails on damage.
func eventListener(f *fault) *pebble.EventListener {
	return &pebble.EventListener{
		DataCorruption: func(info pebble.DataCorruptionInfo) {
			f.set(fmt.Errorf("pebble found %s damaged: %w", filepath.Base(info.Path), info.Details))
		},
		BackgroundError: func(err error) {
			if pebble.IsCorruptionError(err) {
				f.set(fmt.Errorf("a background job of pebble met damage: %w", err))
				return
			}
			pebble.DefaultLogger.Errorf("pebble: background error: %s", err)
		},
	}
}

// guard runs fn, a use of the database by operation op, and returns its
// error, or the store's fault in its place: a panic of pebble inside fn
// and a corruption error that fn returns become the store's fault, and a
// fault that pebble recorded meanwhile (from fn or in the background)
// wins over fn's result. It wins over success too: pebble calls Fatalf
// where it cannot go on, such as a failed commit, and carries on as if it
// had succeeded when Fatalf returns.
func (d *driver) guard(op string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			d.fault.set(fmt.Errorf("%s: pebble panicked: %v", op, r))
			err = d.fault.get()
		}
	}()
	err = fn()
	if err != nil && pebble.IsCorruptionError(err) {
		d.fault.set(fmt.Errorf("%s: %w", op, err))
	}
	if ferr := d.fault.get(); ferr != nil {
		return ferr
	}
	return err
}
