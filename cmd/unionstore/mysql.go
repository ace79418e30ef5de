package main

import (
	"context"
	"errors"

	"github.com/unionstore/unionstore/mysqlstore"
)

func init() { openers["mysql"] = openMySQL }

// openMySQL opens a MySQL or MariaDB store:
// mysql://user[:password]@host:port/database, with the optional query
// parameter table= (see mysqlstore.OpenURL). A command that writes creates
// the table when it is missing; one that only reads never does, and with
// readOrEmpty takes a missing table for an empty store.
func openMySQL(ctx context.Context, addr string, o openOptions) (store, error) {
	opts := engineOptions(o, mysqlstore.WithCodec[Record](recordCodec{}), mysqlstore.WithoutCreate())
	s, err := mysqlstore.OpenURL[Record](ctx, addr, opts...)
	switch {
	case err == nil:
		return s, nil
	case errors.Is(err, mysqlstore.ErrNoTable) && o.access == readOrEmpty:
		return absent{addr}, nil
	}
	return nil, openError(addr, "mysqlstore: ", err)
}
