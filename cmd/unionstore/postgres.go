package main

import (
	"context"
	"errors"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pgstore"
)

func init() {
	openers["postgres"] = openPostgres
	openers["postgresql"] = openPostgres
	hints = append(hints, missingTableHint, unreachableHint)
	rewordings = append(rewordings, strings.NewReplacer(
		// pgstore's advice is for Go programs; the hint says what the
		// command does instead.
		"; create it with Store.CreateSchema or by opening the store with WithCreateSchema", "",
		": migrate it with Store.CreateSchema, or by opening the store with WithCreateSchema, without WithoutChangeFeed",
		"; a command that writes (put, sync, repair) adds it, unless its address says changefeed=false",
	).Replace)
}

// missingTableHint explains PostgreSQL's "relation does not exist": a
// command that only reads never creates its table, so the address most
// likely names the wrong one.
func missingTableHint(err error) string {
	if isUndefinedTable(err) {
		return "the table does not exist; check the table= (and schema=) parameter of the address (the default table is unionstore_changes); put, sync and repair create a missing table, commands that only read never do"
	}
	return ""
}

// unreachableHint explains a refused connection to PostgreSQL.
func unreachableHint(err error) string {
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) && errors.Is(err, syscall.ECONNREFUSED) {
		return "nothing accepts connections at that host and port: is the PostgreSQL server running, and listening there?"
	}
	return ""
}

// openPostgres opens a PostgreSQL store: postgres://user@host:port/db, with
// the optional query parameters table=, schema= and changefeed=false (see
// pgstore.OpenURL).
// A command that writes creates the table when it is missing, as OpenURL
// does by default; one that only reads never does, and with readOrEmpty
// takes a missing table for an empty store.
func openPostgres(ctx context.Context, addr string, o openOptions) (store, error) {
	opts := engineOptions(o, pgstore.WithCodec[Record](recordCodec{}), pgstore.WithoutCreateSchema())
	s, err := pgstore.OpenURL[Record](ctx, addr, opts...)
	if err == nil && o.access == readOrEmpty {
		// Without creating it, OpenURL does not look the table up. A
		// read of one row by primary key is the cheapest statement that
		// fails on a missing table.
		if _, _, err = s.Get(ctx, "", "", ""); isUndefinedTable(err) {
			s.Close()
			return absent{addr}, nil
		} else if err != nil {
			s.Close()
		}
	}
	if err != nil {
		return nil, openError(addr, "pgstore: ", err)
	}
	return pgStore{s}, nil
}

// isUndefinedTable reports whether err is PostgreSQL's "relation does not
// exist".
func isUndefinedTable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "42P01"
}

// pgStore is a PostgreSQL store that put reads in one round trip per
// batch.
type pgStore struct {
	*pgstore.Store[Record]
}

func (s pgStore) getMany(ctx context.Context, namespace string, keys []recordKey) (unionstore.Changes[Record], error) {
	pk := make([]pgstore.Key, len(keys))
	for i, k := range keys {
		pk[i] = pgstore.Key{Kind: k.kind, ID: k.id}
	}
	return s.GetMany(ctx, namespace, pk)
}
