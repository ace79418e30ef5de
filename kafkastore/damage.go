package kafkastore

import (
	"context"
	"fmt"
	"iter"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// A record that cannot be read does not stop a read: it is reported with
// what could be read. Load, Scan, Snapshot and Watch report it as a record
// whose type names the damage, which [backend.Decode] refuses, so that
// [backend.Store] reports it among the records that do not decode. Get and
// Namespaces return their result together with the report, which
// [backend.Store] does not do for a driver's error: [Store] passes them a
// [unionstore.DecodeErrors] through the context, and adds it to what
// [backend.Store] returns.

// maxDamaged is how many damaged records a read reports in full; it counts
// the others, as [unionstore.DecodeErrors] does.
const maxDamaged = 10

// damage is what a read of one namespace could not read.
type damage struct {
	namespace string
	first     []backend.Record // the first maxDamaged, in offset order
	more      int
}

// add reports a record of (kind, id), or of no known identity when both
// are empty, that could not be read because of err.
func (dm *damage) add(kind, id string, err error) {
	if len(dm.first) == maxDamaged {
		dm.more++
		return
	}
	dm.first = append(dm.first, damaged(dm.namespace, kind, id, err.Error()))
}

// records yields the damaged records, the first ones in full.
func (dm *damage) records() iter.Seq[backend.Record] {
	return func(yield func(backend.Record) bool) {
		for _, r := range dm.first {
			if !yield(r) {
				return
			}
		}
		for range dm.more {
			if !yield(damaged(dm.namespace, "", "", "damaged record")) {
				return
			}
		}
	}
}

// damaged returns a record that [backend.Decode] refuses, saying why.
func damaged(namespace, kind, id, why string) backend.Record {
	return backend.Record{Namespace: namespace, Kind: kind, ID: id, Type: unionstore.ChangeType("damaged record: " + why)}
}

// damageKey is the context key of the [unionstore.DecodeErrors] that Get
// and Namespaces report damaged records to.
type damageKey struct{}

// withDamage returns ctx carrying bad, for the driver's Get and Namespaces.
func withDamage(ctx context.Context, bad *unionstore.DecodeErrors) context.Context {
	return context.WithValue(ctx, damageKey{}, bad)
}

// damageOf returns the [unionstore.DecodeErrors] ctx carries, or a new one
// when it carries none.
func damageOf(ctx context.Context) *unionstore.DecodeErrors {
	if bad, ok := ctx.Value(damageKey{}).(*unionstore.DecodeErrors); ok {
		return bad
	}
	return new(unionstore.DecodeErrors)
}

// Get returns the latest change of one identity: see [unionstore.Getter].
// A partition is a log, not an index, so Get reads the namespace's
// partition to its high watermark as Load does, but keeps only the records
// of that one key and decodes only the latest: its memory is constant. A
// record of the identity that cannot be read is reported as by Load, in an
// error wrapping [unionstore.ErrDecode] returned with the latest readable
// change if any.
func (s *Store[E]) Get(ctx context.Context, namespace, kind, id string) (unionstore.Change[E], bool, error) {
	var bad unionstore.DecodeErrors
	c, ok, err := s.Store.Get(withDamage(ctx, &bad), namespace, kind, id)
	if err == nil {
		if err = bad.Err(); err != nil {
			err = fmt.Errorf("kafkastore: get %q %q %q from %s: %w", namespace, kind, id, s.d, err)
		}
	}
	return c, ok, err
}

// Namespaces returns every namespace of the topic that holds at least one
// identity, sorted by name bytewise, with its counts of sets and
// tombstones: see [unionstore.NamespaceLister]. Kafka keeps no such index:
// Namespaces reads every partition to its high watermark and keeps the
// latest change type of every identity of the topic in memory. Records
// whose key cannot be read are left out and reported, after the counts,
// in an error wrapping [unionstore.ErrDecode].
func (s *Store[E]) Namespaces(ctx context.Context) ([]unionstore.NamespaceStat, error) {
	var bad unionstore.DecodeErrors
	stats, err := s.Store.Namespaces(withDamage(ctx, &bad))
	if err == nil {
		if err = bad.Err(); err != nil {
			err = fmt.Errorf("kafkastore: list namespaces of %s: %w", s.d, err)
		}
	}
	return stats, err
}
