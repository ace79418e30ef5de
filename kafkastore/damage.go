package kafkastore

import (
	"errors"
	"iter"

	"github.com/unionstore/unionstore/backend"
)

// A record that cannot be read does not stop a read: the driver yields it
// as [backend.Damaged], with the reason, and [backend.Store] reports it in
// a [*unionstore.DecodeError] beside the records that could be read. Load,
// Scan and Snapshot yield the damaged records of the namespace first;
// Watch yields one where it meets it, which ends the watch; Get returns
// one when a record of its identity cannot be read; Namespaces leaves out
// the records whose key cannot be read and reports them after its counts.

// maxDamaged is how many damaged records a read keeps in full; it counts
// the others, as [unionstore.DecodeErrors] does.
const maxDamaged = 10

// errMoreDamage is the reason of the damaged records a read counted
// beyond maxDamaged.
var errMoreDamage = errors.New("damaged record")

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
	dm.first = append(dm.first, backend.Damaged(dm.namespace, kind, id, err))
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
			if !yield(backend.Damaged(dm.namespace, "", "", errMoreDamage)) {
				return
			}
		}
	}
}
