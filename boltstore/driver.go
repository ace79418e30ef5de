package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// driver is the engine code of a [Store]: the records of one bbolt file.
type driver struct {
	db       *bolt.DB
	path     string
	name     string // what String returns
	compress compression
	maxValue int        // MaxRecordSize; smaller in tests of the limit
	group    *committer // nil when read-only

	// id names the file in its cursors (see feed.go); "" for a file
	// opened read-only from before the change feed.
	id string
	// wake is closed, and replaced, after each commit, for the watchers;
	// wakeMu guards it. done is closed by Close.
	wakeMu sync.Mutex
	wake   chan struct{}
	done   chan struct{}

	// mu guards closed. Put holds it for reading while its batch is with
	// the committer, so that Close waits for it before stopping the
	// committer. bbolt's own Close waits for the read transactions.
	mu     sync.RWMutex
	closed bool
}

var (
	_ backend.Driver        = (*driver)(nil)
	_ backend.LoadVisitor   = (*driver)(nil)
	_ backend.LoadSizer     = (*driver)(nil)
	_ backend.Feeder        = (*driver)(nil)
	_ backend.RecordChecker = (*driver)(nil)
)

// newDriver returns the driver of the open file db, and starts its
// committer unless the file is read-only.
func newDriver(db *bolt.DB, path, id string, c config) *driver {
	d := &driver{db: db, path: path, name: fmt.Sprintf("file %q", path), compress: c.compression,
		maxValue: MaxRecordSize, id: id, wake: make(chan struct{}), done: make(chan struct{})}
	if !c.readOnly {
		d.group = newCommitter()
		go d.run()
	}
	return d
}

func (d *driver) String() string { return d.name }

// Limits is empty: CheckRecord holds bbolt's limits, which count the
// kind and id together and the record as stored.
func (d *driver) Limits() backend.Limits { return backend.Limits{} }

// Close stops the committer, once no Put is running, and closes the file,
// which waits for the read transactions.
func (d *driver) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	close(d.done)
	if d.group != nil {
		// No Put is running (they hold mu), so the queue is empty.
		close(d.group.stop)
		<-d.group.stopped
	}
	return d.db.Close()
}

// writable returns why the file cannot be written now, or nil, with mu
// held for reading until unlock.
func (d *driver) writable() (unlock func(), err error) {
	if d.group == nil {
		return nil, fmt.Errorf("%w: opened read-only", unionstore.ErrReadOnly)
	}
	d.mu.RLock()
	if d.closed {
		d.mu.RUnlock()
		return nil, unionstore.ErrClosed
	}
	return d.mu.RUnlock, nil
}

// view runs fn in a read transaction, turning a damaged page into an
// error wrapping ErrCorrupt.
func (d *driver) view(op string, fn func(tx *bolt.Tx) error) error {
	return contain(d.path, op, func() error { return d.db.View(fn) })
}

// update runs fn in a write transaction, turning a damaged page into an
// error wrapping ErrCorrupt.
func (d *driver) update(op string, fn func(tx *bolt.Tx) error) error {
	return contain(d.path, op, func() error { return d.db.Update(fn) })
}

// Get is one key lookup in one read transaction. The payload is copied
// out of the transaction.
func (d *driver) Get(ctx context.Context, namespace, kind, id string) (backend.Record, bool, error) {
	if len(namespace) > maxKeySize || keySize(kind, id) > maxKeySize {
		return backend.Record{}, false, nil // Save refuses such keys, so none is stored
	}
	key := encodeKey(nil, kind, id)
	var r backend.Record
	found := false
	err := d.view("get", func(tx *bolt.Tx) error {
		b := namespaceBucket(tx, namespace)
		if b == nil {
			return nil
		}
		v := b.Get(key)
		if v == nil {
			return nil
		}
		var rd reader
		r, found = rd.record(namespace, key, v), true
		r.Payload = bytes.Clone(r.Payload)
		return nil
	})
	return r, found, err
}

// Namespaces reads the counts that Save keeps, one small record per
// namespace.
func (d *driver) Namespaces(ctx context.Context) ([]unionstore.NamespaceStat, error) {
	var out []unionstore.NamespaceStat
	err := d.view("namespaces", func(tx *bolt.Tx) error {
		b := tx.Bucket(countsBucket)
		if b == nil {
			return nil
		}
		out = make([]unionstore.NamespaceStat, 0, b.Stats().KeyN)
		return b.ForEach(func(k, v []byte) error {
			c := backend.DecodeCounts(v)
			if c.Sets+c.Unsets == 0 {
				return nil
			}
			out = append(out, unionstore.NamespaceStat{Namespace: string(k), Entities: int(c.Sets), Tombstones: int(c.Unsets)})
			return nil
		})
	})
	return out, err
}
