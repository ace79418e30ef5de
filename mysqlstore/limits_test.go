package mysqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
	"github.com/unionstore/unionstore/mysqlstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestLimits saves keys and payloads at the store's limits and refuses
// those beyond them before writing anything.
func TestLimits(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	maxPayload := s.Driver().Limits().MaxPayload
	if want := mysqlstore.MaxPacket(s) - 16<<10; maxPayload != want {
		t.Fatalf("MaxPayload = %d, want max_allowed_packet less 16 KiB, %d", maxPayload, want)
	}
	long := strings.Repeat("k", mysqlstore.MaxKey)
	// Every quote of the value is escaped by JSON and again in the
	// statement: the statement is larger than the packet, and is sent as
	// a prepared statement whose payload goes in pieces.
	quotes := strings.Repeat(`"`, (maxPayload-64)/2)
	plain := strings.Repeat("v", maxPayload-64)
	for _, tc := range []struct {
		name   string
		change unionstore.Change[storetest.Item]
		want   error // nil when the change is saved
	}{
		{"namespace, kind and id of MaxKey bytes each", set(long, long, long, "v", at(1)), nil},
		{"a payload of nearly MaxPayload bytes", set("ns", "k", "plain", plain, at(1)), nil},
		{"a payload escaped to twice the packet", set("ns", "k", "quotes", quotes, at(1)), nil},
		{"a namespace of MaxKey+1 bytes", set(long+"n", "k", "a", "v", at(1)), backend.ErrKeyTooLong},
		{"a kind of MaxKey+1 bytes", set("ns", long+"k", "a", "v", at(1)), backend.ErrKeyTooLong},
		{"an id of MaxKey+1 bytes", set("ns", "k", long+"i", "v", at(1)), backend.ErrKeyTooLong},
		{"a payload over MaxPayload", set("ns", "k", "big", plain+strings.Repeat("v", 128), at(1)), backend.ErrPayloadTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns, kind, id := tc.change.Key()
			err := s.Save(ctx, unionstore.Changes[storetest.Item]{tc.change})
			if tc.want != nil {
				if !errors.Is(err, tc.want) || !errors.Is(err, unionstore.ErrInvalidChange) {
					t.Fatalf("Save = %v, want an error wrapping %v and ErrInvalidChange", err, tc.want)
				}
				if err := s.Check(unionstore.Changes[storetest.Item]{tc.change}); !errors.Is(err, tc.want) {
					t.Errorf("Check = %v, want an error wrapping %v", err, tc.want)
				}
				if _, ok, err := s.Get(ctx, ns, kind, id); ok || err != nil {
					t.Errorf("Get after a refused save = %v, %v, want nothing", ok, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Save: %v", err)
			}
			c, ok, err := s.Get(ctx, ns, kind, id)
			if err != nil || !ok || c.Entity != tc.change.Entity {
				t.Fatalf("Get = %v, %v, want the entity saved", ok, err)
			}
		})
	}
}

// TestLargePayloadOnAPoolThatInterpolates saves a payload that, escaped,
// takes twice the server's max_allowed_packet, on a pool whose driver
// escapes arguments into the statement and believes the packet to be its
// default, 64 MiB: the store must send that statement prepared, its
// payload apart, where the driver would send it whole and the server
// drop the connection.
func TestLargePayloadOnAPoolThatInterpolates(t *testing.T) {
	ctx := context.Background()
	adminDB(t)
	dsn, err := mysqlstore.DSN(serverURL())
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("mysql", strings.Replace(dsn, "maxAllowedPacket=0", "maxAllowedPacket=67108864", 1))
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	s := newStoreOn(t, db, newTable(t))
	if mysqlstore.MaxPacket(s) >= 32<<20 {
		t.Skipf("the server's max_allowed_packet, %d, is too large for the payload to exceed it escaped", mysqlstore.MaxPacket(s))
	}
	quotes := strings.Repeat(`"`, (s.Driver().Limits().MaxPayload-64)/2)
	c := set("ns", "k", "quotes", quotes, at(1))
	save(t, s, c)
	got, ok, err := s.Get(ctx, "ns", "k", "quotes")
	if err != nil || !ok || got.Entity != c.Entity {
		t.Fatalf("Get = %v, %v, want the entity saved", ok, err)
	}
}
