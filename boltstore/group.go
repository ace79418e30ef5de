package boltstore

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	bolt "go.etcd.io/bbolt"

	"github.com/unionstore/unionstore/backend"
)

// Group commit. Every Put of a writable store hands its encoded batch to
// one committer goroutine and waits. The committer takes all the batches
// that are waiting, applies them in one bbolt transaction and syncs it
// once, then answers each Put. While a transaction syncs, new batches
// queue up and go together into the next one, so that many concurrent
// Saves share each fsync while a lone Save waits for nothing but its own.
//
// Each batch stays all or nothing: a batch that fails inside a group is
// taken out and the others are committed again without it; the failed
// batch is then tried alone, so that its error is its own. A batch whose
// ctx ended before the committer took it is never applied.

// request is one Put waiting for the committer.
type request struct {
	ctx   context.Context
	batch []encoded
	done  chan error // receives the outcome, once
}

// maxGroupChanges bounds the changes of one group transaction, so that
// a crowd of large batches cannot make one transaction unbounded. A batch
// larger than that on its own is committed alone.
const maxGroupChanges = 1 << 16

// committer queues requests for the goroutine that commits them.
type committer struct {
	mu      sync.Mutex
	queue   []*request
	taken   int           // requests taken so far, for tests
	wake    chan struct{} // holds one token when the queue may be non-empty
	stop    chan struct{} // closed by Close
	stopped chan struct{} // closed when the goroutine returns
}

func newCommitter() *committer {
	return &committer{wake: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{})}
}

// commit queues batch and waits for its outcome. When ctx ends while the
// batch is still queued, the batch is withdrawn and commit returns
// ctx.Err(); once the committer has taken it, commit waits for the commit,
// whose outcome is final: the batch was applied, or it was not.
func (d *driver) commit(ctx context.Context, batch []encoded) error {
	g := d.group
	r := &request{ctx: ctx, batch: batch, done: make(chan error, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, r)
	g.mu.Unlock()
	select {
	case g.wake <- struct{}{}:
	default: // already woken
	}
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		g.mu.Lock()
		i := slices.Index(g.queue, r)
		if i >= 0 {
			g.queue = slices.Delete(g.queue, i, i+1)
		}
		g.mu.Unlock()
		if i >= 0 {
			return ctx.Err()
		}
		return <-r.done
	}
}

// run is the committer goroutine. It returns when Close stops it, which
// happens only after every Put has returned.
func (d *driver) run() {
	g := d.group
	defer close(g.stopped)
	for {
		select {
		case <-g.stop:
			return
		case <-g.wake:
		}
		for {
			group := g.take()
			if len(group) == 0 {
				break
			}
			d.commitGroup(group)
		}
	}
}

// take removes the requests at the head of the queue, up to
// maxGroupChanges changes but at least one request.
func (g *committer) take() []*request {
	g.mu.Lock()
	defer g.mu.Unlock()
	n, changes := 0, 0
	for n < len(g.queue) && (n == 0 || changes+len(g.queue[n].batch) <= maxGroupChanges) {
		changes += len(g.queue[n].batch)
		n++
	}
	g.taken += n
	group := slices.Clone(g.queue[:n])
	g.queue = slices.Delete(g.queue, 0, n)
	return group
}

// commitGroup commits the batches of group in one transaction and answers
// each request.
func (d *driver) commitGroup(group []*request) {
	live := group[:0:0]
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.done <- err
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	err := d.update("save", func(tx *bolt.Tx) error { return writeGroup(tx, live) })
	var be *batchError
	switch {
	case err == nil:
		d.notify()
		for _, r := range live {
			r.done <- nil
		}
	case len(live) == 1:
		if errors.As(err, &be) {
			err = be.err
		}
		live[0].done <- err
	case errors.As(err, &be):
		// One batch failed: commit the others without it, then try it alone.
		failed := live[be.index]
		d.commitGroup(slices.Delete(slices.Clone(live), be.index, be.index+1))
		d.commitGroup([]*request{failed})
	default:
		// The commit itself failed (a sync, a damaged page): nothing was
		// applied, and it cannot be told which batch caused it.
		for _, r := range live {
			d.commitGroup([]*request{r})
		}
	}
}

// batchError is the failure of the batch at index of a group.
type batchError struct {
	index int
	err   error
}

func (e *batchError) Error() string { return e.err.Error() }
func (e *batchError) Unwrap() error { return e.err }

// entry is one change of a group, with the index of its batch.
type entry struct {
	*encoded
	batch int
}

// writeGroup applies the batches of group in key order. Within one
// identity the changes keep their order, batch by batch, so that on equal
// timestamps the change saved later wins, as it would one Save at a time.
func writeGroup(tx *bolt.Tx, group []*request) error {
	n := 0
	for _, r := range group {
		n += len(r.batch)
	}
	entries := make([]entry, 0, n)
	for i, r := range group {
		for j := range r.batch {
			entries = append(entries, entry{&r.batch[j], i})
		}
	}
	byKey := func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.namespace, b.namespace), bytes.Compare(a.key, b.key))
	}
	if !slices.IsSortedFunc(entries, byKey) {
		slices.SortStableFunc(entries, byKey)
	}
	return write(tx, entries)
}

// appendFill is the fill of the pages that a transaction adds past the end
// of a namespace: pages written in key order are never split again by the
// inserts of a later transaction, so they may be filled whole, instead of
// the half that suits inserts at random places.
const appendFill = 1.0

// write applies entries, sorted by namespace and key, and updates the
// counts and the feed of their namespaces: each change applied takes the
// namespace's next revision, written into its record and, as a slot of a
// chunk (see chunks.go), into the namespace's feed; the slot of the record
// it replaces is emptied, so that the feed holds one slot per record.
func write(tx *bolt.Tx, entries []entry) error {
	records := tx.Bucket(recordsBucket)
	countsB := tx.Bucket(countsBucket)
	revsB := tx.Bucket(revisionsBucket)
	if records == nil || countsB == nil || revsB == nil {
		return fmt.Errorf("%w: records, counts or revisions bucket missing", ErrNotStore)
	}
	type space struct {
		name   string
		bucket *bolt.Bucket
		feed   *chunkWriter
		counts backend.Counts
		revs   revisions
	}
	var spaces []*space
	var sp *space
	for _, e := range entries {
		if sp == nil || sp.name != e.namespace {
			name := []byte(e.namespace)
			b, err := records.CreateBucketIfNotExists(name)
			if err != nil {
				return &batchError{e.batch, fmt.Errorf("namespace %q: %w", e.namespace, err)}
			}
			// The entries of a namespace come in key order, so the first
			// is the smallest: when it sorts after every stored key, the
			// whole transaction appends to this namespace.
			if last, _ := b.Cursor().Last(); last == nil || bytes.Compare(e.key, last) > 0 {
				b.FillPercent = appendFill
			}
			f, err := records.CreateBucketIfNotExists(feedName(e.namespace))
			if err != nil {
				return &batchError{e.batch, fmt.Errorf("feed of namespace %q: %w", e.namespace, err)}
			}
			f.FillPercent = appendFill // revisions only grow
			sp = &space{name: e.namespace, bucket: b, feed: &chunkWriter{bucket: f},
				counts: backend.DecodeCounts(countsB.Get(name)), revs: decodeRevisions(revsB.Get(name))}
			spaces = append(spaces, sp)
		}
		if old := sp.bucket.Get(e.key); old != nil {
			oh, err := decodeHeader(old)
			// A damaged old record is replaced; its count cannot be known.
			if err == nil {
				if oh.newer(e.header) {
					continue
				}
				sp.counts.Add(oh.changeType, -1)
				if oh.rev != 0 {
					sp.feed.moved = append(sp.feed.moved, oh.rev)
				}
			}
		}
		sp.revs.rev++
		setRevision(e.value, sp.revs.rev)
		if err := sp.bucket.Put(e.key, e.value); err != nil {
			return &batchError{e.batch, fmt.Errorf("namespace %q: %w", e.namespace, err)}
		}
		if err := sp.feed.add(sp.revs.rev, e.key); err != nil {
			return &batchError{e.batch, fmt.Errorf("feed of namespace %q: %w", e.namespace, err)}
		}
		sp.counts.Add(e.header.changeType, 1)
	}
	for _, sp := range spaces {
		if err := sp.feed.finish(); err != nil {
			return fmt.Errorf("feed of namespace %q: %w", sp.name, err)
		}
		if err := countsB.Put([]byte(sp.name), sp.counts.Encode()); err != nil {
			return fmt.Errorf("counts of namespace %q: %w", sp.name, err)
		}
		if err := revsB.Put([]byte(sp.name), sp.revs.encode()); err != nil {
			return fmt.Errorf("revision of namespace %q: %w", sp.name, err)
		}
	}
	return nil
}
