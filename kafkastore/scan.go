package kafkastore

import (
	"bytes"
	"context"
	"fmt"
	"iter"
	"slices"

	"github.com/unionstore/unionstore"
)

// entryOverhead is what an entry costs in memory beside its strings and
// payload, for the spill threshold's reckoning.
const entryOverhead = 128

// Scan yields what [Store.Load] returns, in the same (kind, id) order, in
// memory bounded by the spill threshold (see [WithSpillThreshold]) rather
// than by the size of the namespace.
//
// A partition is a log, not an index: the latest change of an identity may
// be its last record, so nothing can be yielded before the partition has
// been read to the high watermark taken when the scan begins. Scan reads it
// once, keeping the latest record of each identity met; whenever those
// records exceed the threshold, it sorts them by (kind, id) and writes them
// as a run to a temporary file (see [WithTempDir]), removed when the scan
// ends. It then yields either the records it holds, sorted, or a merge of
// the runs, which reads each run once in order through a 32 KiB buffer and
// keeps, for an identity found in several runs, the latest record. Payloads
// are decoded one at a time as they are yielded. Memory is thus about the
// threshold plus 32 KiB per run; disk is at most the namespace's share of
// the partition.
//
// Records that cannot be read are skipped and reported, as by Load, in one
// error yielded as the last pair once the namespace has been read. Any
// other failure ends the scan: it is yielded once, as the last pair, with
// the errors Load gives, or the temporary file's. The sequence may be
// walked more than once; each walk reads the topic afresh. Breaking out of
// the loop removes the temporary file.
func (s *Store[E]) Scan(ctx context.Context, namespace string) iter.Seq2[unionstore.Change[E], error] {
	return func(yield func(unionstore.Change[E], error) bool) {
		fail := func(err error) {
			yield(unionstore.Change[E]{}, fmt.Errorf("kafkastore: scan %q from %q: %w", namespace, s.topic, err))
		}
		if err := s.life.Check(ctx); err != nil {
			fail(err)
			return
		}
		var (
			bad     unionstore.DecodeErrors
			latest  = map[string]*entry{}
			held    int
			spilled *spill
		)
		defer func() {
			if spilled != nil {
				spilled.remove()
			}
		}()
		// gone holds the keys that Kafka tombstones removed since the last
		// run was written: they are dropped from the runs before the next
		// one is written.
		gone := map[string]bool{}
		flush := func() error {
			if spilled == nil {
				sp, err := newSpill(s.tempDir)
				if err != nil {
					return err
				}
				spilled = sp
			}
			if err := spilled.dropKeys(gone); err != nil {
				return err
			}
			if err := spilled.writeRun(sortedEntries(latest)); err != nil {
				return err
			}
			clear(latest)
			held = 0
			return nil
		}
		part := partitionFor(namespace, s.info.partitions)
		_, err := s.readPartition(ctx, part, 0, namespaceVisitor(namespace, part, &bad, func(key []byte, e entry) error {
			cur, ok := latest[string(key)]
			if ok && !cur.newer(e.ts) {
				return nil
			}
			e.payload = bytes.Clone(e.payload)
			if ok {
				held += len(e.payload) - len(cur.payload)
				*cur = e
			} else {
				latest[string(key)] = &e
				held += entryOverhead + 2*len(key) + len(e.payload)
			}
			if held > s.spillThreshold {
				return flush()
			}
			return nil
		}, func(p purge) error {
			applyPurge(latest, p, func(e *entry) (unionstore.ChangeType, int64) { return e.t, e.ts })
			if spilled == nil {
				return nil
			}
			switch {
			case p.key != nil:
				gone[string(p.key)] = true
			case p.all:
				spilled.runs = nil
				clear(gone)
			default:
				// Which identities go depends on their latest record,
				// wherever it is: merge everything into one run first.
				if err := flush(); err != nil {
					return err
				}
				return spilled.rewrite(func(e *entry) bool { return p.drops(e.t, e.ts) })
			}
			return nil
		}))
		if err != nil {
			fail(s.life.Wrap(ctx, err))
			return
		}
		next := func(e *entry) bool {
			if err := s.life.Check(ctx); err != nil {
				fail(err)
				return false
			}
			c, err := s.change(namespace, e)
			if err != nil {
				bad.Add(err)
				return true
			}
			return yield(c, nil)
		}
		if spilled == nil {
			for _, e := range sortedEntries(latest) {
				if !next(e) {
					return
				}
			}
		} else {
			if len(latest) > 0 || len(gone) > 0 {
				if err := flush(); err != nil {
					fail(err)
					return
				}
			}
			ok, err := spilled.merge(next)
			if err != nil {
				fail(err)
				return
			}
			if !ok {
				return
			}
		}
		if err := bad.Err(); err != nil {
			fail(err)
		}
	}
}

// sortedEntries returns the entries of m sorted by (kind, id).
func sortedEntries(m map[string]*entry) []*entry {
	out := make([]*entry, 0, len(m))
	for _, e := range m {
		out = append(out, e)
	}
	slices.SortFunc(out, compareEntries)
	return out
}
