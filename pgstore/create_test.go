package pgstore_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/pgstore"
	"github.com/unionstore/unionstore/storetest"
)

// withURL returns the server's URL changed by edit.
func withURL(t *testing.T, edit func(u *url.URL, q url.Values)) string {
	t.Helper()
	u, err := url.Parse(serverURL())
	if err != nil {
		t.Fatalf("parse %s: %v", server.EnvVar, err)
	}
	q := u.Query()
	edit(u, q)
	u.RawQuery = q.Encode()
	return u.String()
}

// tableExists reports whether the table named by the quoted name exists.
func tableExists(t *testing.T, quoted string) bool {
	t.Helper()
	var exists bool
	if err := adminPool(t).QueryRow(context.Background(), "SELECT to_regclass($1) IS NOT NULL", quoted).Scan(&exists); err != nil {
		t.Fatalf("look up %s: %v", quoted, err)
	}
	return exists
}

// TestOpenURLOnAnEmptyDatabase follows the quick start on a database just
// created: OpenURL with no option, then Save and Load.
func TestOpenURLOnAnEmptyDatabase(t *testing.T) {
	ctx := context.Background()
	pool := adminPool(t)
	db := storetest.UniqueName("unionstore_test_")
	if _, err := pool.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{db}.Sanitize()); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := pool.Exec(context.Background(), "DROP DATABASE "+pgx.Identifier{db}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", db, err)
		}
	})
	s, err := pgstore.OpenURL[storetest.Item](ctx, withURL(t, func(u *url.URL, _ url.Values) { u.Path = "/" + db }))
	if err != nil {
		t.Fatalf("OpenURL on an empty database: %v", err)
	}
	defer s.Close()
	want := set("ns", "k", "a", "v", at(1))
	if err := s.Save(ctx, unionstore.Changes[storetest.Item]{want}); err != nil {
		t.Fatalf("first Save on an empty database: %v", err)
	}
	if got, err := s.Load(ctx, "ns"); err != nil || len(got) != 1 || got[0].Entity != want.Entity {
		t.Fatalf("Load = %v, %v; want the saved change", got, err)
	}
}

func TestOpenURLCreatesTheTableUnlessTold(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name   string
		param  string // the URL's create parameter, if any
		opts   []pgstore.Option
		create bool
	}{
		{"by default", "", nil, true},
		{"create=true", "true", nil, true},
		{"create=false", "false", nil, false},
		{"create=0", "0", nil, false},
		{"WithoutCreateSchema", "", []pgstore.Option{pgstore.WithoutCreateSchema()}, false},
		{"WithCreateSchema", "", []pgstore.Option{pgstore.WithCreateSchema()}, true},
		{"an argument wins over the URL", "false", []pgstore.Option{pgstore.WithCreateSchema()}, true},
		{"the last option wins", "", []pgstore.Option{pgstore.WithCreateSchema(), pgstore.WithoutCreateSchema()}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			table := newTable(t)
			u := withURL(t, func(_ *url.URL, q url.Values) {
				q.Set("table", table)
				if tt.param != "" {
					q.Set("create", tt.param)
				}
			})
			s, err := pgstore.OpenURL[storetest.Item](ctx, u, tt.opts...)
			if err != nil {
				t.Fatalf("OpenURL: %v", err)
			}
			defer s.Close()
			if got := tableExists(t, s.Table()); got != tt.create {
				t.Fatalf("table exists after OpenURL = %v, want %v", got, tt.create)
			}
			err = s.Save(ctx, unionstore.Changes[storetest.Item]{set("ns", "k", "a", "v", at(1))})
			if tt.create {
				if err != nil {
					t.Fatalf("Save: %v", err)
				}
				return
			}
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != "42P01" || !strings.Contains(err.Error(), "WithCreateSchema") {
				t.Errorf("Save on a missing table = %v, want the server's undefined_table (42P01) and the option that creates it", err)
			}
			if _, err := s.Load(ctx, "ns"); !errors.As(err, &pgErr) || !strings.Contains(err.Error(), "does not exist; create it with") {
				t.Errorf("Load on a missing table = %v, want it to say how to create the table", err)
			}
		})
	}
	if _, err := pgstore.OpenURL[storetest.Item](ctx, "postgres://127.0.0.1:1/db?create=maybe"); err == nil || !strings.Contains(err.Error(), `create="maybe": want true or false`) {
		t.Errorf("OpenURL(create=maybe) = %v, want an error naming the parameter, before connecting", err)
	}
}

func TestNewCreatesTheTableOnlyWhenTold(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name   string
		opts   []pgstore.Option
		create bool
	}{
		{"by default", nil, false},
		{"WithCreateSchema", []pgstore.Option{pgstore.WithCreateSchema()}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opts := append([]pgstore.Option{pgstore.WithTable(newTable(t))}, tt.opts...)
			s, err := pgstore.New[storetest.Item](ctx, adminPool(t), opts...)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if got := tableExists(t, s.Table()); got != tt.create {
				t.Errorf("table exists after New = %v, want %v", got, tt.create)
			}
		})
	}
}

// TestOpenURLWithoutThePrivilegeToCreate opens a store as a role that may
// write the table but not create tables: by default OpenURL only looks the
// existing table up, and a missing table is reported with the server's
// refusal.
func TestOpenURLWithoutThePrivilegeToCreate(t *testing.T) {
	ctx := context.Background()
	pool := adminPool(t)
	role := storetest.UniqueName("unionstore_test_")
	if _, err := pool.Exec(ctx, "CREATE ROLE "+pgx.Identifier{role}.Sanitize()+" LOGIN"); err != nil {
		t.Fatalf("create role: %v", err)
	}
	t.Cleanup(func() {
		_, err := pool.Exec(context.Background(), "DROP OWNED BY "+pgx.Identifier{role}.Sanitize()+"; DROP ROLE "+pgx.Identifier{role}.Sanitize())
		if err != nil {
			t.Errorf("drop role %s: %v", role, err)
		}
	})
	// A schema of the test's own, where the role may use the table but
	// create nothing.
	schema := newSchema(t, pool)
	existing, err := pgstore.New[storetest.Item](ctx, pool, pgstore.WithSchema(schema), pgstore.WithCreateSchema())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	for _, grant := range []string{
		"GRANT USAGE ON SCHEMA " + pgx.Identifier{schema}.Sanitize(),
		"GRANT SELECT, INSERT, UPDATE ON " + existing.Table(),
	} {
		if _, err := pool.Exec(ctx, grant+" TO "+pgx.Identifier{role}.Sanitize()); err != nil {
			t.Fatalf("%s: %v", grant, err)
		}
	}
	asRole := func(table string) string {
		return withURL(t, func(u *url.URL, q url.Values) {
			u.User = url.User(role)
			q.Set("schema", schema)
			q.Set("table", table)
		})
	}
	s, err := pgstore.OpenURL[storetest.Item](ctx, asRole(pgstore.DefaultTable))
	if err != nil {
		t.Fatalf("OpenURL of an existing table without the privilege to create one: %v", err)
	}
	defer s.Close()
	storetest.Save(t, s, set("ns", "k", "a", "v", at(1)))
	_, err = pgstore.OpenURL[storetest.Item](ctx, asRole("missing"))
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42501" { // insufficient_privilege
		t.Errorf("OpenURL of a missing table without the privilege to create it = %v, want the server's insufficient_privilege (42501)", err)
	}
}
