package kafkastore

import (
	"bytes"
	"context"
	"iter"
	"slices"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// entryOverhead is what an entry costs in memory beside its strings and
// payload, for the spill threshold's reckoning.
const entryOverhead = 128

// Scan yields what Load returns, in the same (kind, id) order, in memory
// bounded by the spill threshold (see [WithSpillThreshold]) rather than by
// the size of the namespace.
//
// A partition is a log, not an index: the latest change of an identity may
// be its last record, so nothing can be yielded before the partition has
// been read to the high watermark taken when the scan begins. Scan reads it
// once, keeping the latest record of each identity met; whenever those
// records exceed the threshold, it sorts them by (kind, id) and writes them
// as a run to a temporary file (see [WithTempDir]), removed when the scan
// ends. It then yields the records that could not be read (see damage.go),
// then either the records it holds, sorted, or a merge of the runs, which
// reads each run once in order through a 32 KiB buffer and keeps, for an
// identity found in several runs, the latest record. Memory is thus about
// the threshold plus 32 KiB per run and one fetch (see visitBatches); disk
// is at most the namespace's share of the partition. Breaking out of the loop removes the temporary file.
func (d *driver) Scan(ctx context.Context, namespace string) iter.Seq2[backend.Record, error] {
	return func(yield func(backend.Record, error) bool) {
		sc := newScan(d.tempDir, d.spillThreshold)
		defer sc.remove()
		sc.bad.namespace = namespace
		part := partitionFor(namespace, d.info.partitions)
		if _, err := d.readPartition(ctx, part, 0, namespaceVisitor(namespace, part, &sc.bad, sc.keep, sc.drop)); err != nil {
			yield(backend.Record{}, err)
			return
		}
		for r := range sc.bad.records() {
			if !yield(r, nil) {
				return
			}
		}
		next := func(e *entry) bool {
			if err := d.life.Check(ctx); err != nil {
				yield(backend.Record{}, err)
				return false
			}
			return yield(e.record(namespace), nil)
		}
		if _, err := sc.walk(next); err != nil {
			yield(backend.Record{}, err)
		}
	}
}

// scan is the state of one walk of [Store.Scan]: the latest record of each
// identity read since the last run was written, and the runs written to
// the temporary file once those records outgrew the spill threshold.
type scan struct {
	threshold int

	bad    damage
	latest map[string]*entry // by key after the namespace's prefix
	held   int               // the memory latest holds, by entryOverhead's reckoning
	runs   *backend.Runs
	// gone holds the keys that Kafka tombstones removed since the last
	// run was written: they are dropped from the runs before the next
	// one is written.
	gone map[string]bool
}

// newScan returns the empty state of a scan that writes runs to a file in
// tempDir once the records it holds exceed threshold bytes.
func newScan(tempDir string, threshold int) *scan {
	return &scan{threshold: threshold, latest: map[string]*entry{}, gone: map[string]bool{}, runs: backend.NewRuns(tempDir)}
}

// keep records e, read under key (after the namespace's prefix), as the
// latest record of its identity unless a newer one was read before, and
// writes a run once the records held exceed the threshold. e's payload
// aliases the fetched bytes: keep copies it.
func (sc *scan) keep(key []byte, e entry) error {
	cur, ok := sc.latest[string(key)]
	if ok && !cur.newer(e.ts) {
		return nil
	}
	e.payload = bytes.Clone(e.payload)
	if ok {
		sc.held += len(e.payload) - len(cur.payload)
		cur.replace(e)
	} else {
		k := string(key)
		e.name(k)
		sc.latest[k] = &e
		sc.held += entryOverhead + len(key) + len(e.payload)
	}
	if sc.held > sc.threshold {
		return sc.flush()
	}
	return nil
}

// drop applies p to the records held and, once runs were written, to the
// runs: a Kafka tombstone's key is noted in gone, and a purge of
// everything forgets the runs. A purge of old tombstones first writes what
// is held as a run and then rewrites the runs into one without the
// identities it drops, since which identities go depends on their latest
// record, wherever it is: a tombstone held may be the latest record of an
// identity whose older set was spilled.
func (sc *scan) drop(p purge) error {
	switch {
	case sc.runs.Len() == 0:
		applyPurge(sc.latest, p, func(e *entry) (unionstore.ChangeType, int64) { return e.t, e.ts })
	case p.key != nil:
		delete(sc.latest, string(p.key))
		sc.gone[string(p.key)] = true
	case p.all:
		clear(sc.latest)
		sc.runs.Reset()
		clear(sc.gone)
	default:
		if err := sc.flush(); err != nil {
			return err
		}
		return sc.runs.Rewrite(backend.Record.Newer, func(r *backend.Record) bool { return p.drops(r.Type, r.Timestamp) })
	}
	return nil
}

// flush writes the records held as a run, sorted by (kind, id), after
// dropping the keys in gone from the runs already written.
func (sc *scan) flush() error {
	if len(sc.gone) > 0 {
		var key []byte
		err := sc.runs.Rewrite(backend.Record.Newer, func(r *backend.Record) bool {
			key = appendIdentity(key[:0], r.Kind, r.ID)
			return sc.gone[string(key)]
		})
		if err != nil {
			return err
		}
		clear(sc.gone)
	}
	err := sc.runs.Write(func(yield func(*backend.Record) bool) {
		var r backend.Record // one for every entry: yield does not keep it
		for _, e := range sortedEntries(sc.latest) {
			if r = e.record(""); !yield(&r) {
				return
			}
		}
	})
	if err != nil {
		return err
	}
	clear(sc.latest)
	sc.held = 0
	return nil
}

// walk passes the latest record of each identity to next in (kind, id)
// order: the records held, sorted, when nothing was spilled, or else a
// merge of the runs, once what is held has been written as the last one,
// in which of two records of an identity the later timestamp wins, and
// on equal timestamps that of the later run, read later. It returns false
// when next did.
func (sc *scan) walk(next func(*entry) bool) (bool, error) {
	if sc.runs.Len() == 0 {
		for _, e := range sortedEntries(sc.latest) {
			if !next(e) {
				return false, nil
			}
		}
		return true, nil
	}
	if len(sc.latest) > 0 || len(sc.gone) > 0 {
		if err := sc.flush(); err != nil {
			return false, err
		}
	}
	for r, err := range sc.runs.Merge(backend.Record.Newer) {
		if err != nil {
			return false, err
		}
		if !next(&entry{kind: r.Kind, id: r.ID, t: r.Type, ts: r.Timestamp, payload: r.Payload}) {
			return false, nil
		}
	}
	return true, nil
}

// remove deletes the temporary file, if any.
func (sc *scan) remove() { _ = sc.runs.Close() }

// sortedEntries returns the entries of m sorted by (kind, id).
func sortedEntries(m map[string]*entry) []*entry {
	out := make([]*entry, 0, len(m))
	for _, e := range m {
		out = append(out, e)
	}
	slices.SortFunc(out, compareEntries)
	return out
}
