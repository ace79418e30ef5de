package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/unionstore/unionstore/pebblestore"
)

func init() { openers["pebble"] = openPebble }

// openPebble opens a Pebble store: pebble://DIR. A command that writes
// creates the directory; one that only reads never creates anything, and
// with readOrEmpty takes a directory that holds no store yet for an empty
// store.
func openPebble(_ context.Context, addr string, o openOptions) (store, error) {
	dir := strings.TrimPrefix(addr, "pebble://")
	if dir == "" {
		return nil, usageErrorf("store %q: no directory after pebble://", addr)
	}
	opts := engineOptions(o, pebblestore.WithCodec[Record](recordCodec{}), pebblestore.WithReadOnly())
	if o.lockTimeout > 0 {
		opts = append(opts, pebblestore.WithLockTimeout(o.lockTimeout))
	}
	s, err := pebblestore.Open[Record](dir, opts...)
	switch {
	case err == nil:
		return s, nil
	case errors.Is(err, os.ErrNotExist) && o.access == readOrEmpty:
		// Missing, or a directory without a database: a command that
		// writes would create the store there.
		return absent{addr}, nil
	case errors.Is(err, os.ErrNotExist):
		return nil, notFound(addr, "no store in that directory")
	case errors.Is(err, pebblestore.ErrLocked):
		return nil, fmt.Errorf("store %q is in use by another program; stop it, or run this command through it", addr)
	}
	return nil, openError(addr, "pebblestore: ", err)
}
