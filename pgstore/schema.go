package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// schemaSQL is the table definition; %s is the quoted table name. The key
// columns use the "C" collation so that PostgreSQL orders them by bytes, as
// Go compares strings, whatever the database's locale. Rows are overwritten
// by later changes far more often than added: the free space the fill
// factor leaves in each page lets PostgreSQL write the new version beside
// the old one without a new index entry (a HOT update).
const schemaSQL = `CREATE TABLE IF NOT EXISTS %s (
	namespace   text COLLATE "C" NOT NULL,
	kind        text COLLATE "C" NOT NULL,
	id          text COLLATE "C" NOT NULL,
	change_type text NOT NULL CHECK (change_type IN ('set', 'unset')),
	-- Unix nanoseconds: orders the versions of an entity exactly.
	ts          bigint NOT NULL,
	-- The codec's encoding of the entity, for sets and unsets alike.
	payload     bytea NOT NULL,
	PRIMARY KEY (namespace, kind, id)
) WITH (fillfactor = 80)`

// SchemaSQL returns the statement that creates the table a [Store] with the
// same options uses, as [Store.CreateSchema] runs it. Only [WithTable] and
// [WithSchema] affect it. It returns an error for an invalid option.
func SchemaSQL(opts ...Option) (string, error) {
	c, err := newConfig(opts)
	if err != nil {
		return "", fmt.Errorf("pgstore: %w", err)
	}
	return fmt.Sprintf(schemaSQL, c.qualifiedName()), nil
}

// qualifiedName returns the table name quoted as an identifier, with its
// schema if one was set.
func (c *config) qualifiedName() string { return c.identifier().Sanitize() }

// identifier returns the table's name with its schema if one was set.
func (c *config) identifier() pgx.Identifier {
	if c.schema == "" {
		return pgx.Identifier{c.table}
	}
	return pgx.Identifier{c.schema, c.table}
}

// CreateSchema creates the store's table if it does not exist. It is
// idempotent and safe to run from several processes at once: an advisory
// lock on the table's name serialises the creators. When the table exists
// it only reads the catalog, so it needs no privilege to create anything
// then, and works on a read-only standby. It does not change an existing
// table. It returns an error naming the table if the statement fails,
// [unionstore.ErrClosed] after Close, or one wrapping ctx.Err() if ctx is
// done.
func (s *Store[E]) CreateSchema(ctx context.Context) error {
	if err := s.createSchema(ctx); err != nil {
		return fmt.Errorf("pgstore: %w", err)
	}
	return nil
}

// createSchema is [Store.CreateSchema] with errors that do not name the
// package.
func (s *Store[E]) createSchema(ctx context.Context) error {
	if err := s.life.Check(ctx); err != nil {
		return fmt.Errorf("create table %s: %w", s.name, err)
	}
	var exists bool
	// to_regclass resolves the name as the store's statements do, through
	// the search_path when it has no schema.
	err := s.pool.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", s.name).Scan(&exists)
	if err != nil {
		return fmt.Errorf("create table %s: look it up: %w", s.name, s.wrapCtx(ctx, err))
	}
	if exists {
		return nil
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Two concurrent CREATE TABLE IF NOT EXISTS can both miss the table
		// and one then fails on the catalog's unique index.
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext($1))", s.name); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, fmt.Sprintf(schemaSQL, s.name))
		return err
	})
	if err != nil {
		return fmt.Errorf("create table %s: %w", s.name, s.wrapCtx(ctx, err))
	}
	return nil
}
