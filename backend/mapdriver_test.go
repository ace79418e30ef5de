package backend_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// mapDriver is the smallest driver: records in a map under a lock, the
// lock being how it keeps last-write-wins. It is the layer's test bed,
// and the shape of the guide in the package doc.
type mapDriver struct {
	mu      sync.Mutex
	records map[string]map[[2]string]backend.Record // namespace, (kind, id)
	limits  backend.Limits
	closed  bool
	puts    int
}

func newMapDriver() *mapDriver {
	return &mapDriver{records: map[string]map[[2]string]backend.Record{}}
}

func (d *mapDriver) String() string         { return "map" }
func (d *mapDriver) Limits() backend.Limits { return d.limits }

func (d *mapDriver) Put(_ context.Context, recs []backend.Record) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return errors.New("driver closed")
	}
	d.puts++
	for _, r := range recs {
		d.put(r)
	}
	return nil
}

// put keeps r, with a copy of its payload, unless the record it holds of
// r's identity is newer, and returns what it kept and whether it kept
// it. d.mu is held.
func (d *mapDriver) put(r backend.Record) (backend.Record, bool) {
	ns := d.records[r.Namespace]
	if ns == nil {
		ns = map[[2]string]backend.Record{}
		d.records[r.Namespace] = ns
	}
	k := [2]string{r.Kind, r.ID}
	if old, ok := ns[k]; ok && !r.Newer(old) {
		return backend.Record{}, false
	}
	r.Payload = slices.Clone(r.Payload)
	ns[k] = r
	return r, true
}

func (d *mapDriver) sorted(namespace string) []backend.Record {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []backend.Record
	for _, r := range d.records[namespace] {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b backend.Record) int {
		if c := strings.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

func (d *mapDriver) Scan(_ context.Context, namespace string) iter.Seq2[backend.Record, error] {
	return func(yield func(backend.Record, error) bool) {
		for _, r := range d.sorted(namespace) {
			if !yield(r, nil) {
				return
			}
		}
	}
}

func (d *mapDriver) Get(_ context.Context, namespace, kind, id string) (backend.Record, bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	r, ok := d.records[namespace][[2]string{kind, id}]
	return r, ok, nil
}

func (d *mapDriver) Namespaces(context.Context) ([]unionstore.NamespaceStat, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []unionstore.NamespaceStat
	for ns, recs := range d.records {
		st := unionstore.NamespaceStat{Namespace: ns}
		for _, r := range recs {
			if r.Unset() {
				st.Tombstones++
			} else {
				st.Entities++
			}
		}
		if len(recs) > 0 {
			out = append(out, st)
		}
	}
	slices.SortFunc(out, func(a, b unionstore.NamespaceStat) int { return strings.Compare(a.Namespace, b.Namespace) })
	return out, nil
}

func (d *mapDriver) Purge(_ context.Context, namespace string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.records, namespace)
	return nil
}

func (d *mapDriver) PurgeTombstones(_ context.Context, namespace string, through int64) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for k, r := range d.records[namespace] {
		if r.Unset() && r.Timestamp <= through {
			delete(d.records[namespace], k)
			n++
		}
	}
	if len(d.records[namespace]) == 0 {
		delete(d.records, namespace)
	}
	return n, nil
}

func (d *mapDriver) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	return nil
}

// corrupt replaces the payload of one stored record.
func (d *mapDriver) corrupt(namespace, kind, id string, payload []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	k := [2]string{kind, id}
	r := d.records[namespace][k]
	r.Payload = payload
	d.records[namespace][k] = r
}

// feedDriver is a mapDriver with a change feed: every record put, in
// order, with its position, and a purge that takes a position of its own
// and expires those before it.
type feedDriver struct {
	*mapDriver
	log   map[string][]backend.Event
	floor map[string]int // positions below it expired
	wake  chan struct{}
}

func newFeedDriver() *feedDriver {
	return &feedDriver{mapDriver: newMapDriver(), log: map[string][]backend.Event{}, floor: map[string]int{}, wake: make(chan struct{})}
}

func (d *feedDriver) Put(ctx context.Context, recs []backend.Record) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return errors.New("driver closed")
	}
	for _, r := range recs {
		if kept, ok := d.put(r); ok {
			pos := strconv.Itoa(len(d.log[r.Namespace]) + 1)
			d.log[r.Namespace] = append(d.log[r.Namespace], backend.Event{Record: kept, Position: pos})
		}
	}
	close(d.wake)
	d.wake = make(chan struct{})
	return nil
}

func (d *feedDriver) Purge(ctx context.Context, namespace string) error {
	d.mu.Lock()
	d.log[namespace] = append(d.log[namespace], backend.Event{}) // the purge's position
	d.floor[namespace] = len(d.log[namespace])
	d.mu.Unlock()
	return d.mapDriver.Purge(ctx, namespace)
}

func (d *feedDriver) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	close(d.wake)
	d.wake = make(chan struct{})
	return nil
}

func (d *feedDriver) Snapshot(ctx context.Context, namespace string) ([]backend.Record, string, error) {
	d.mu.Lock()
	pos := strconv.Itoa(len(d.log[namespace]))
	d.mu.Unlock()
	// Records put between the two reads come again from Watch: harmless.
	return d.sorted(namespace), pos, nil
}

func (d *feedDriver) Watch(ctx context.Context, namespace, after string) iter.Seq2[backend.Event, error] {
	return func(yield func(backend.Event, error) bool) {
		d.mu.Lock()
		pos, err := strconv.Atoi(after)
		if after == "" {
			pos, err = len(d.log[namespace]), nil
		}
		if err != nil || pos > len(d.log[namespace]) || pos < d.floor[namespace] {
			d.mu.Unlock()
			yield(backend.Event{}, fmt.Errorf("%w: position %q", unionstore.ErrCursorExpired, after))
			return
		}
		for {
			if d.closed {
				d.mu.Unlock()
				yield(backend.Event{}, unionstore.ErrClosed)
				return
			}
			evs, wake := slices.Clone(d.log[namespace][pos:]), d.wake
			d.mu.Unlock()
			for _, ev := range evs {
				pos++
				if ev.Position == "" { // a purge, which the watcher cannot follow
					yield(backend.Event{}, fmt.Errorf("%w: the namespace was purged", unionstore.ErrCursorExpired))
					return
				}
				if !yield(ev, nil) {
					return
				}
			}
			if len(evs) == 0 {
				select {
				case <-ctx.Done():
					yield(backend.Event{}, ctx.Err())
					return
				case <-wake:
				}
			}
			d.mu.Lock()
		}
	}
}
