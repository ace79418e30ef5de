package boltstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/boltstore"
)

// TestLayoutDamageWrapsErrCorrupt plants, beside good records, a record
// whose key or value does not follow the file layout, and checks that
// every read reports it as a DecodeError that names it and wraps
// ErrCorrupt, and goes on with the others.
func TestLayoutDamageWrapsErrCorrupt(t *testing.T) {
	tests := []struct {
		name     string
		key      string
		value    []byte // nil: a nested bucket
		kind, id string // what the DecodeError names
		reason   string
	}{
		{"short value", "k\x00\x01b", []byte{1, 1, 0}, "k", "b", "shorter than the 14-byte header"},
		{"unknown record version", "k\x00\x01b", append([]byte{9, 1}, make([]byte, 12)...), "k", "b", "record version 9"},
		{"bad change type", "k\x00\x01b", append([]byte{1, 7}, make([]byte, 12)...), "k", "b", "change type byte 7"},
		{"bad key escape", "k\x00\x05b", append([]byte{1, 1}, make([]byte, 12)...), "", `"k\x00\x05b"`, "bad escape byte"},
		{"a bucket for a record", "k\x00\x01b", nil, "k", "b", "a bucket where a record should be"},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := savedFile(t, "damaged.db", item("ns", "k", "a", "a", 1), item("ns", "k", "c", "c", 1))
			plantRecord(t, path, "ns", tt.key, tt.value)
			s := openAt(t, path)
			check := func(op string, err error) {
				t.Helper()
				var de *unionstore.DecodeError
				if !errors.Is(err, boltstore.ErrCorrupt) || !errors.As(err, &de) {
					t.Fatalf("%s error = %v, want a DecodeError wrapping ErrCorrupt", op, err)
				}
				if de.Namespace != "ns" || de.Kind != tt.kind || de.ID != tt.id || !strings.Contains(err.Error(), tt.reason) {
					t.Errorf("%s error = %v, want a DecodeError naming ns/%q/%q and saying %q", op, err, tt.kind, tt.id, tt.reason)
				}
			}
			got, err := s.Load(ctx, "ns")
			check("Load", err)
			if len(got) != 2 {
				t.Errorf("Load = %d changes, want the 2 good ones", len(got))
			}
			ids, last := scanIDs(t, s, "ns")
			check("Scan", last)
			if len(ids) != 2 {
				t.Errorf("Scan yielded %q, want the 2 good ones", ids)
			}
			snap, _, err := s.Snapshot(ctx, "ns")
			check("Snapshot", err)
			if len(snap) != 2 {
				t.Errorf("Snapshot = %d changes, want the 2 good ones", len(snap))
			}
			switch {
			case tt.value == nil:
				// bbolt's Get does not see a bucket: the record is absent.
				if _, ok, err := s.Get(ctx, "ns", tt.kind, tt.id); ok || err != nil {
					t.Errorf("Get of a bucket = %v, %v; want nothing", ok, err)
				}
			case tt.kind != "":
				_, _, err := s.Get(ctx, "ns", tt.kind, tt.id)
				check("Get", err)
			}
		})
	}
}

// plantRecord puts value under key in the records of namespace ns, or a
// nested bucket when value is nil, as a damaged file might hold.
func plantRecord(t *testing.T, path, ns, key string, value []byte) {
	t.Helper()
	updateFile(t, path, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("records")).Bucket([]byte(ns))
		if value == nil {
			_, err := b.CreateBucket([]byte(key))
			return err
		}
		return b.Put([]byte(key), value)
	})
}
