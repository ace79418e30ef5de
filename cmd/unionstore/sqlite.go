package main

import (
	"context"
	"errors"
	"os"
	"strings"

	"github.com/unionstore/unionstore/sqlitestore"
)

func init() { openers["sqlite"] = openSQLite }

// openSQLite opens a SQLite store: sqlite://PATH. A command that writes
// creates the file; one that only reads opens it read-only and never
// creates it, and with readOrEmpty takes a missing file for an empty
// store.
func openSQLite(_ context.Context, addr string, o openOptions) (store, error) {
	path := strings.TrimPrefix(addr, "sqlite://")
	if path == "" {
		return nil, usageErrorf("store %q: no file after sqlite://", addr)
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) && !o.access.writes() {
		if o.access == readOrEmpty {
			return absent{addr}, nil
		}
		return nil, notFound(addr, "no such file")
	}
	opts := engineOptions(o, sqlitestore.WithCodec[Record](recordCodec{}), sqlitestore.WithReadOnly())
	if o.lockTimeout > 0 {
		opts = append(opts, sqlitestore.WithBusyTimeout(o.lockTimeout))
	}
	s, err := sqlitestore.Open[Record](path, opts...)
	if err != nil {
		return nil, openError(addr, "sqlitestore: ", err)
	}
	return s, nil
}
