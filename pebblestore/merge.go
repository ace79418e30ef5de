package pebblestore

import (
	"io"
	"sync"

	"github.com/cockroachdb/pebble/v2"
)

// Save writes records blindly, as pebble merge operands, and the merge
// operator below keeps last-write-wins: of the operands of one key, and of
// the set value beneath them if any, it keeps the record with the latest
// timestamp, and on equal timestamps the newer operand, which is the one
// saved later (pebble orders operands by sequence number, within a batch
// too). Pebble applies it wherever operands meet: on reads (Get, iterators)
// and in flushes and compactions, which may see only some of a key's
// operands; keeping the latest is associative, so a partial result merges
// with the rest as the operands would have. A save therefore costs no read
// of the stored version, and concurrent saves need no lock between them.
//
// A record that does not decode loses to any record that does, so that a
// damaged version never hides a good one; between two damaged records the
// newer is kept, and Load reports it.

// mergerName is pebble's default merger name, kept on purpose: pebble
// records the merger name in its OPTIONS file and in every table, and
// refuses to open a directory, or read a table, under another name, so a
// new name would lock out the directories of layout version 1, whose
// tables name the default. Layout version 1 holds no merge operands, so
// reading it with this operator is the same as reading it without one.
// Older releases, which would merge by concatenation, are kept out of a
// version 2 directory by formatFile (see layout.go).
const mergerName = "pebble.concatenate"

var latestMerger = &pebble.Merger{Name: mergerName, Merge: newLatest}

// latest is a pebble.ValueMerger that keeps the winning record.
type latest struct {
	value  []byte // a copy: pebble keeps ownership of operands
	header header
	intact bool // value decodes
}

// latests recycles mergers: pebble merges on every read of a key that it
// has not yet compacted into the bottom level, one operand alone
// included, so that a Load of a freshly written namespace makes one per
// record.
var latests = sync.Pool{New: func() any { return new(latest) }}

func newLatest(_, value []byte) (pebble.ValueMerger, error) {
	l := latests.Get().(*latest)
	l.take(value)
	return l, nil
}

func (l *latest) take(v []byte) {
	h, _, err := decodeValue(v)
	l.value = append(l.value[:0], v...)
	l.header, l.intact = h, err == nil
}

// wins reports whether v replaces the kept record; newer says on which
// side of it v lies in pebble's order.
func (l *latest) wins(v []byte, newer bool) bool {
	h, _, err := decodeValue(v)
	switch {
	case err != nil:
		return !l.intact && newer
	case !l.intact:
		return true
	case newer:
		return h.nanos >= l.header.nanos
	default:
		return h.nanos > l.header.nanos
	}
}

// MergeNewer takes v if it is as late as the kept record or later.
func (l *latest) MergeNewer(v []byte) error {
	if l.wins(v, true) {
		l.take(v)
	}
	return nil
}

// MergeOlder takes v only if it is later than the kept record.
func (l *latest) MergeOlder(v []byte) error {
	if l.wins(v, false) {
		l.take(v)
	}
	return nil
}

// Finish returns the kept record, whether or not the base was seen, valid
// until pebble calls Close.
func (l *latest) Finish(bool) ([]byte, io.Closer, error) { return l.value, l, nil }

// Close hands the merger back for reuse.
func (l *latest) Close() error {
	latests.Put(l)
	return nil
}
