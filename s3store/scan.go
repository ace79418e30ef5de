package s3store

import (
	"context"
	"iter"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// Scan lists namespace (one LIST per 1,000 segments), GETs every segment
// at once, at most [WithConcurrency] at a time, and yields the winning
// record of each identity as the segments stream in, holding one block
// (about 64 KiB) of each segment: its memory grows with the number of
// segments, not of records. A segment deleted by a compaction between
// the listing and its GET makes it list again; a damaged one ends the
// scan with an error wrapping [ErrCorrupt] that names the object. A
// yielded record's Payload is the segment's block, valid until the next
// pair. Close ends a scan at its next record.
func (d *driver) Scan(ctx context.Context, namespace string) iter.Seq2[backend.Record, error] {
	return func(yield func(backend.Record, error) bool) {
		if err := d.walk(ctx, namespace, yield); err != nil {
			yield(backend.Record{}, err)
		}
	}
}

// maxLoadSizes bounds the namespaces whose last load's size the driver
// keeps for LoadSize, so that a store loading many namespaces does not
// grow without end.
const maxLoadSizes = 4096

// LoadVisit hands visit the records Scan yields, in the same order, as
// the merge of the segments picks them; a record's Payload is the
// segment's block, valid until visit returns. It sends the requests of a
// Scan, and keeps the number of records it visited for LoadSize.
func (d *driver) LoadVisit(ctx context.Context, namespace string, visit func(backend.Record)) error {
	n := 0
	err := d.walk(ctx, namespace, func(r backend.Record, _ error) bool {
		visit(r)
		n++
		return true
	})
	if err != nil {
		return err
	}
	d.mu.Lock()
	if len(d.loaded) >= maxLoadSizes {
		clear(d.loaded) // the hints of a store loading many namespaces start over
	}
	d.loaded[namespace] = n
	d.mu.Unlock()
	return nil
}

// LoadSize returns the number of records the last LoadVisit of namespace
// visited, by this store, or 0 before the first: a hint of the next one's,
// which saves, compactions and purges since may have changed.
func (d *driver) LoadSize(namespace string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.loaded[namespace]
}

// walk merges namespace's segments and passes the winning record of each
// identity to fn, in order, until fn returns false; it returns the error
// that ends the walk early, ctx's or [unionstore.ErrClosed] included.
func (d *driver) walk(ctx context.Context, namespace string, fn func(backend.Record, error) bool) error {
	m, err := d.openMerge(ctx, namespace)
	if err != nil {
		return err
	}
	defer m.close()
	// Records of a kind come in a run: the run's records share its
	// kind's string.
	kind := ""
	more := true
	for more {
		if err := d.life.Check(ctx); err != nil {
			return err
		}
		var ok bool
		ok, err = m.next(func(w *segmentReader) error {
			r := w.record(namespace, kind)
			kind = r.Kind
			more = fn(r, nil)
			return nil
		})
		if err != nil {
			return err
		}
		more = more && ok
	}
	return nil
}

// record returns the reader's current record as the store's, in
// namespace; its Payload is the reader's until its next call. Its Kind is
// kind when the record's kind is the same, so that a run of records of
// one kind allocates it once.
func (sr *segmentReader) record(namespace, kind string) backend.Record {
	r := &sr.rec
	t := unionstore.ChangeTypeSet
	if r.changeType == changeUnset {
		t = unionstore.ChangeTypeUnset
	}
	if string(r.kind) != kind {
		kind = string(r.kind)
	}
	return backend.Record{Namespace: namespace, Kind: kind, ID: string(r.id), Type: t, Timestamp: r.ts, Payload: r.payload}
}

// payloadChunk is the size of the chunks that payloads copies into.
const payloadChunk = 64 << 10

// payloads copies the payloads of records kept past a scan's next pair,
// into shared chunks: one allocation per chunk rather than per record.
type payloads struct{ chunk []byte }

// copy returns a copy of b that later copies leave alone.
func (p *payloads) copy(b []byte) []byte {
	if cap(p.chunk)-len(p.chunk) < len(b) {
		p.chunk = make([]byte, 0, max(payloadChunk, len(b)))
	}
	n := len(p.chunk)
	p.chunk = append(p.chunk, b...)
	return p.chunk[n:len(p.chunk):len(p.chunk)]
}
