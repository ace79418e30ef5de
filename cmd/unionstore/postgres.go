package main

import (
	"context"
	"fmt"

	"github.com/unionstore/unionstore/pgstore"
)

func init() {
	openers["postgres"] = openPostgres
	openers["postgresql"] = openPostgres
}

// openPostgres opens a PostgreSQL store: postgres://user@host:port/db, with
// the optional query parameters table= and schema= (see pgstore.OpenURL).
// A command that writes creates the table when it is missing; one that only
// reads never does.
func openPostgres(ctx context.Context, addr string, a access) (store, error) {
	opts := []pgstore.Option{pgstore.WithCodec[Record](recordCodec{})}
	if a == readWrite {
		opts = append(opts, pgstore.WithCreateSchema())
	}
	s, err := pgstore.OpenURL[Record](ctx, addr, opts...)
	if err != nil {
		return nil, fmt.Errorf("store %q: %w", redactAddr(addr), err)
	}
	return s, nil
}
