package boltstore

import (
	"bytes"
	"context"
	"iter"

	bolt "go.etcd.io/bbolt"

	"github.com/unionstore/unionstore/backend"
)

// ctxCheckEvery is how many records Load and Snapshot read between looks
// at ctx.
const ctxCheckEvery = 1024

// maxPrealloc caps the capacity Snapshot reserves from each stored count.
const maxPrealloc = 1 << 20

// scanPage is how many records Scan reads per read transaction.
const scanPage = 256

// LoadVisit reads every record of namespace in one read transaction, one
// consistent snapshot, and hands each to visit inside it: a payload points
// into the file's memory map, or into the buffer a compressed one was
// decompressed into, until visit returns, so that Load copies nothing out
// of the transaction.
func (d *driver) LoadVisit(ctx context.Context, namespace string, visit func(backend.Record)) error {
	return d.view("load", func(tx *bolt.Tx) error {
		b := namespaceBucket(tx, namespace)
		if b == nil {
			return nil
		}
		return visitTx(ctx, b, namespace, visit)
	})
}

// visitTx hands every record of b, the bucket of namespace, to visit,
// checking ctx every ctxCheckEvery records. A record's payload is valid
// until visit returns.
func visitTx(ctx context.Context, b *bolt.Bucket, namespace string, visit func(backend.Record)) error {
	var rd reader
	c := b.Cursor()
	i := 0
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if i++; i%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		visit(rd.record(namespace, k, v))
	}
	return nil
}

// loadTx reads every record of namespace in tx, copying the payloads out
// of it into a few large blocks.
func loadTx(ctx context.Context, tx *bolt.Tx, namespace string) ([]backend.Record, error) {
	b := namespaceBucket(tx, namespace)
	if b == nil {
		return nil, nil
	}
	// The counts size the result; a damaged counts record must not make
	// the read allocate without bound, so the hint is capped.
	n := backend.DecodeCounts(tx.Bucket(countsBucket).Get([]byte(namespace)))
	out := make([]backend.Record, 0, min(n.Sets, maxPrealloc)+min(n.Unsets, maxPrealloc))
	var a arena
	err := visitTx(ctx, b, namespace, func(r backend.Record) {
		r.Payload = a.copy(r.Payload)
		out = append(out, r)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Scan reads namespace in pages of scanPage records, each in a read
// transaction that ends before the first record of the page is yielded.
// The page's payloads are copied into one buffer, reused by the next
// page: the store is done with a payload before it asks for the next.
func (d *driver) Scan(ctx context.Context, namespace string) iter.Seq2[backend.Record, error] {
	return func(yield func(backend.Record, error) bool) {
		var p page
		for {
			if err := ctx.Err(); err != nil {
				yield(backend.Record{}, err)
				return
			}
			more, err := d.readPage(namespace, &p)
			if err != nil {
				yield(backend.Record{}, err)
				return
			}
			for _, r := range p.records {
				if !yield(r, nil) {
					return
				}
			}
			if !more {
				return
			}
		}
	}
}

// page is what Scan holds of a namespace between two read transactions:
// the records of the last page read, their payloads in one buffer, and
// the key of the last.
type page struct {
	records  []backend.Record
	ends     []int // where each record's payload ends in payloads
	payloads []byte
	last     []byte // nil before the first page
	rd       reader
}

// readPage reads into p up to scanPage records that follow p.last, and
// reports whether more may follow.
func (d *driver) readPage(namespace string, p *page) (bool, error) {
	p.records, p.ends, p.payloads = p.records[:0], p.ends[:0], p.payloads[:0]
	err := d.view("scan", func(tx *bolt.Tx) error {
		b := namespaceBucket(tx, namespace)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		k, v := c.First()
		if p.last != nil {
			if k, v = c.Seek(p.last); k != nil && bytes.Equal(k, p.last) {
				k, v = c.Next()
			}
		}
		var last []byte
		for ; k != nil && len(p.records) < scanPage; k, v = c.Next() {
			r := p.rd.record(namespace, k, v)
			p.payloads = append(p.payloads, r.Payload...)
			p.ends = append(p.ends, len(p.payloads))
			p.records = append(p.records, r)
			last = k
		}
		if last != nil {
			p.last = append(p.last[:0], last...)
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	// Appending may have moved the buffer: the payloads are sliced once
	// the page is read.
	start := 0
	for i, end := range p.ends {
		p.records[i].Payload = p.payloads[start:end:end]
		start = end
	}
	return len(p.records) == scanPage, nil
}

// LoadSize returns the number of records of namespace that the file's
// counts hold, for Load to size its result: a hint, 0 when unknown.
func (d *driver) LoadSize(namespace string) (n int) {
	_ = d.view("load", func(tx *bolt.Tx) error {
		b := tx.Bucket(countsBucket)
		if b == nil {
			return nil // a file of a format before the counts
		}
		c := backend.DecodeCounts(b.Get([]byte(namespace)))
		n = int(min(c.Sets, maxPrealloc) + min(c.Unsets, maxPrealloc))
		return nil
	})
	return n
}
