package backend

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/unionstore/unionstore"
)

// Store is a [unionstore.Store] over a [Driver]: it implements Store,
// [unionstore.Checker], [unionstore.Getter], [unionstore.Scanner],
// [unionstore.NamespaceLister], [unionstore.Purger] and
// [unionstore.TombstonePurger]. A backend's exported store type embeds a
// *Store and adds what is its own (its path, its table, its client).
//
// Each method checks that ctx is not done and the store not closed; Save
// validates and stamps the batch, keeps the latest change of each
// identity (the later one on a tie), encodes it and checks it against the
// driver's [Limits] before the driver sees it; reads decode each record,
// check that it holds the entity it was stored under, and leave out the
// records that do not decode, reporting them in an error wrapping
// [unionstore.ErrDecode] with the changes that did. Errors begin with the
// backend's package name and name the operation and the driver.
type Store[E unionstore.Entity] struct {
	pkg    string
	driver Driver
	// The driver's optional interfaces, nil when it lacks them.
	visitor    LoadVisitor
	sizer      LoadSizer
	loader     Loader
	check      RecordChecker
	checkBatch BatchChecker
	codec      unionstore.Codec[E]
	limits     Limits
	life       unionstore.Lifecycle
}

// Complete is every interface of unionstore that a [Store] implements.
// A backend's store type, which embeds one, asserts that it still does:
//
//	var _ backend.Complete[unionstore.Entity] = (*Store[unionstore.Entity])(nil)
type Complete[E unionstore.Entity] interface {
	unionstore.Store[E]
	unionstore.Checker[E]
	unionstore.Getter[E]
	unionstore.Scanner[E]
	unionstore.NamespaceLister
	unionstore.Purger
	unionstore.TombstonePurger
	unionstore.Watcher[E]
}

var _ Complete[unionstore.Entity] = (*Store[unionstore.Entity])(nil)

// NewStore returns a store over d that encodes entities with the codec in
// slot (see [CodecOf]). pkg begins every error, such as "mysqlstore". The
// store owns d from then on and closes it in Close; on error, NewStore
// closes nothing.
func NewStore[E unionstore.Entity](pkg string, d Driver, slot Codec) (*Store[E], error) {
	codec, err := CodecOf[E](slot)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pkg, err)
	}
	s := &Store[E]{pkg: pkg, driver: d, codec: codec, limits: d.Limits()}
	s.visitor, _ = d.(LoadVisitor)
	s.sizer, _ = d.(LoadSizer)
	s.loader, _ = d.(Loader)
	s.checkBatch, _ = d.(BatchChecker)
	s.check, _ = d.(RecordChecker)
	return s, nil
}

// Driver returns the driver the store runs on.
func (s *Store[E]) Driver() Driver { return s.driver }

// Do runs fn, an operation of the backend's own beyond the interfaces
// Store implements (a compaction, a schema change, a read of many keys),
// as Store runs its methods: it checks first that ctx is not done and the
// store not closed, and names op and the driver in fn's error, which
// wraps ctx.Err() or [unionstore.ErrClosed] when either explains it. op
// reads as a verb phrase before the driver's name, such as
// `compact "ns" of`.
func (s *Store[E]) Do(ctx context.Context, op string, fn func() error) error {
	if err := s.life.Check(ctx); err != nil {
		return s.fail(ctx, op, err)
	}
	if err := fn(); err != nil {
		return s.fail(ctx, op, err)
	}
	return nil
}

// Closed reports whether Close was called.
func (s *Store[E]) Closed() bool { return s.life.Closed() }

// fail names the operation and the store in err, and makes it wrap
// ctx.Err() or [unionstore.ErrClosed] when either explains it.
func (s *Store[E]) fail(ctx context.Context, op string, err error) error {
	return fmt.Errorf("%s: %s %s: %w", s.pkg, op, s.driver, s.life.Wrap(ctx, err))
}

// Save writes the batch: see [unionstore.Store]. A batch that fails
// validation, or holds a change the codec cannot encode or the driver
// cannot hold, is refused whole before anything is written, with an error
// wrapping [unionstore.ErrInvalidChange]. Otherwise it is written as the
// driver's Put says.
func (s *Store[E]) Save(ctx context.Context, changes unionstore.Changes[E]) error {
	if err := s.life.Check(ctx); err != nil {
		return s.fail(ctx, "save to", err)
	}
	if err := changes.Validate(); err != nil {
		return s.fail(ctx, "save to", err)
	}
	if len(changes) == 0 {
		return nil
	}
	stamped := changes.Stamped()
	compacted := unionstore.Compact(stamped)
	recs, bad, err := s.records(compacted)
	if err != nil {
		return s.fail(ctx, "save to", refused(origin(stamped, compacted[bad]), compacted[bad], err))
	}
	if err := s.batchFits(recs); err != nil {
		return s.fail(ctx, "save to", err)
	}
	if err := s.driver.Put(ctx, recs); err != nil {
		return s.fail(ctx, fmt.Sprintf("save %d changes to", len(recs)), err)
	}
	return nil
}

// Check reports whether Save would accept the batch as far as the codec
// and the driver's limits go, writing nothing: nil, or an error wrapping
// [unionstore.ErrInvalidChange] that names the first change refused. It
// encodes every entity, as Save does, and does not repeat
// [unionstore.Changes.Validate].
func (s *Store[E]) Check(changes unionstore.Changes[E]) error {
	recs, bad, err := s.records(changes)
	if err == nil {
		err = s.batchFits(recs)
	} else {
		err = refused(bad, changes[bad], err)
	}
	if err != nil {
		return fmt.Errorf("%s: check for %s: %w", s.pkg, s.driver, err)
	}
	return nil
}

// batchFits returns why the driver refuses the batch as a whole, wrapping
// [unionstore.ErrInvalidChange], or nil.
func (s *Store[E]) batchFits(recs []Record) error {
	if s.checkBatch == nil {
		return nil
	}
	if err := s.checkBatch.CheckBatch(recs); err != nil {
		return fmt.Errorf("%w: the batch of %d changes: %w", unionstore.ErrInvalidChange, len(recs), err)
	}
	return nil
}

// records encodes changes and checks each against the driver's limits,
// or returns the index of the first it refuses and why.
func (s *Store[E]) records(changes unionstore.Changes[E]) ([]Record, int, error) {
	recs := make([]Record, len(changes))
	for i := range changes {
		r, err := encode(s.codec, changes[i])
		if err == nil {
			err = s.limits.check(r)
		}
		if err == nil && s.check != nil {
			err = s.check.CheckRecord(r)
		}
		if err != nil {
			return nil, i, err
		}
		recs[i] = r
	}
	return recs, 0, nil
}

// refused names change i of a batch, c, as the one refused because of err.
func refused[E unionstore.Entity](i int, c unionstore.Change[E], err error) error {
	ns, kind, id := c.Key()
	return fmt.Errorf("%w: change %d (%s %s %s): %w", unionstore.ErrInvalidChange, i, Quote(ns), Quote(kind), Quote(id), err)
}

// Quote returns s quoted with [strconv.Quote] for an error message, every
// character that is not printable escaped; a string of more than 64 bytes
// is cut at a character boundary within its first 64 and followed by its
// length, so that an error about a huge key stays readable.
func Quote(s string) string {
	const most = 64
	if len(s) <= most {
		return strconv.Quote(s)
	}
	cut := most
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", strconv.Quote(s[:cut]), len(s))
}

// origin returns the index in the batch of the change that compaction
// kept as c: the last with its identity, type and timestamp.
func origin[E unionstore.Entity](batch unionstore.Changes[E], c unionstore.Change[E]) int {
	ns, kind, id := c.Key()
	for i := len(batch) - 1; i >= 0; i-- {
		n, k, d := batch[i].Key()
		if n == ns && k == kind && d == id && batch[i].ChangeType == c.ChangeType && batch[i].Timestamp.Equal(c.Timestamp) {
			return i
		}
	}
	return 0
}

// check returns why r is beyond the limits, or nil.
func (l Limits) check(r Record) error {
	if l.MaxKey > 0 {
		for _, k := range [...]struct{ what, v string }{{"namespace", r.Namespace}, {"kind", r.Kind}, {"id", r.ID}} {
			if len(k.v) > l.MaxKey {
				return fmt.Errorf("%w: %s of %d bytes, more than %d", ErrKeyTooLong, k.what, len(k.v), l.MaxKey)
			}
		}
	}
	if l.MaxPayload > 0 && len(r.Payload) > l.MaxPayload {
		return fmt.Errorf("%w: %q %q encodes to %d bytes, more than %d", ErrPayloadTooLarge, r.Kind, r.ID, len(r.Payload), l.MaxPayload)
	}
	return nil
}

// maxLoadHint caps the capacity Load reserves from a [LoadSizer]'s hint,
// so that a damaged count cannot make it allocate without bound.
const maxLoadHint = 1 << 16

// Load returns the latest change of each identity of namespace: see
// [unionstore.Store]. Records that do not decode are left out and
// reported in an error wrapping [unionstore.ErrDecode], returned with the
// changes that did decode.
func (s *Store[E]) Load(ctx context.Context, namespace string) (unionstore.Changes[E], error) {
	if err := s.life.Check(ctx); err != nil {
		return nil, s.fail(ctx, fmt.Sprintf("load %q from", namespace), err)
	}
	var out unionstore.Changes[E]
	var bad unionstore.DecodeErrors
	add := func(r Record) {
		c, err := Decode(s.codec, r)
		if err != nil {
			bad.Add(err)
			return
		}
		out = append(out, c)
	}
	switch {
	case s.visitor != nil:
		if s.sizer != nil {
			out = make(unionstore.Changes[E], 0, min(max(s.sizer.LoadSize(namespace), 0), maxLoadHint))
		}
		if err := s.visitor.LoadVisit(ctx, namespace, add); err != nil {
			return nil, s.fail(ctx, fmt.Sprintf("load %q from", namespace), err)
		}
	case s.loader != nil:
		recs, err := s.loader.Load(ctx, namespace)
		if err != nil {
			return nil, s.fail(ctx, fmt.Sprintf("load %q from", namespace), err)
		}
		out = make(unionstore.Changes[E], 0, len(recs))
		for _, r := range recs {
			add(r)
		}
	default:
		for r, err := range s.driver.Scan(ctx, namespace) {
			if err != nil {
				return nil, s.fail(ctx, fmt.Sprintf("load %q from", namespace), err)
			}
			add(r)
		}
	}
	if err := bad.Err(); err != nil {
		return out, fmt.Errorf("%s: load %q from %s: %w", s.pkg, namespace, s.driver, err)
	}
	return out, nil
}

// Scan yields the changes Load returns, in the same order, as the driver
// reads them: see [unionstore.Scanner]. Records that do not decode are
// skipped and reported at the end, as Load does.
func (s *Store[E]) Scan(ctx context.Context, namespace string) iter.Seq2[unionstore.Change[E], error] {
	return func(yield func(unionstore.Change[E], error) bool) {
		op := fmt.Sprintf("scan %q from", namespace)
		if err := s.life.Check(ctx); err != nil {
			yield(unionstore.Change[E]{}, s.fail(ctx, op, err))
			return
		}
		var bad unionstore.DecodeErrors
		for r, err := range s.driver.Scan(ctx, namespace) {
			if err != nil {
				yield(unionstore.Change[E]{}, s.fail(ctx, op, err))
				return
			}
			c, err := Decode(s.codec, r)
			if err != nil {
				bad.Add(err)
				continue
			}
			if !yield(c, nil) {
				return
			}
		}
		if err := bad.Err(); err != nil {
			yield(unionstore.Change[E]{}, fmt.Errorf("%s: %s %s: %w", s.pkg, op, s.driver, err))
		}
	}
}

// Get returns the latest change of one identity: see [unionstore.Getter].
func (s *Store[E]) Get(ctx context.Context, namespace, kind, id string) (unionstore.Change[E], bool, error) {
	op := fmt.Sprintf("get %q %q %q from", namespace, kind, id)
	if err := s.life.Check(ctx); err != nil {
		return unionstore.Change[E]{}, false, s.fail(ctx, op, err)
	}
	r, ok, err := s.driver.Get(ctx, namespace, kind, id)
	if err != nil {
		return unionstore.Change[E]{}, false, s.fail(ctx, op, err)
	}
	if !ok {
		return unionstore.Change[E]{}, false, nil
	}
	c, err := Decode(s.codec, r)
	if err != nil {
		return unionstore.Change[E]{}, false, fmt.Errorf("%s: %s %s: %w", s.pkg, op, s.driver, err)
	}
	return c, true, nil
}

// Namespaces lists the namespaces that hold a change, sorted by name,
// with their counts: see [unionstore.NamespaceLister]. When the driver
// reports records it could not read (an error wrapping
// [unionstore.ErrDecode]), the counts it made are returned with the error.
func (s *Store[E]) Namespaces(ctx context.Context) ([]unionstore.NamespaceStat, error) {
	if err := s.life.Check(ctx); err != nil {
		return nil, s.fail(ctx, "list namespaces of", err)
	}
	stats, err := s.driver.Namespaces(ctx)
	switch {
	case err == nil:
		return stats, nil
	case errors.Is(err, unionstore.ErrDecode):
		return stats, s.fail(ctx, "list namespaces of", err)
	}
	return nil, s.fail(ctx, "list namespaces of", err)
}

// Purge removes namespace: see [unionstore.Purger].
func (s *Store[E]) Purge(ctx context.Context, namespace string) error {
	op := fmt.Sprintf("purge %q from", namespace)
	if err := s.life.Check(ctx); err != nil {
		return s.fail(ctx, op, err)
	}
	if namespace == "" {
		return nil // Save refuses an empty namespace: there is none
	}
	if err := s.driver.Purge(ctx, namespace); err != nil {
		return s.fail(ctx, op, err)
	}
	return nil
}

// PurgeTombstones removes the tombstones of namespace with a timestamp
// before before, and returns how many it removed: see
// [unionstore.TombstonePurger].
func (s *Store[E]) PurgeTombstones(ctx context.Context, namespace string, before time.Time) (int, error) {
	op := fmt.Sprintf("purge tombstones of %q from", namespace)
	if err := s.life.Check(ctx); err != nil {
		return 0, s.fail(ctx, op, err)
	}
	through, ok := tombstoneCut(before)
	if !ok || namespace == "" {
		return 0, nil
	}
	n, err := s.driver.PurgeTombstones(ctx, namespace, through)
	if err != nil {
		return n, s.fail(ctx, op, err)
	}
	return n, nil
}

// tombstoneCut returns the latest timestamp, in nanoseconds, of the
// tombstones to purge before before, or false when no timestamp is before
// it.
func tombstoneCut(before time.Time) (int64, bool) {
	switch {
	case !before.After(unionstore.MinTimestamp):
		return 0, false
	case before.After(unionstore.MaxTimestamp):
		return math.MaxInt64, true
	}
	return before.UnixNano() - 1, true
}

// Close closes the driver, once; later calls return nil. Afterwards every
// method returns an error wrapping [unionstore.ErrClosed].
func (s *Store[E]) Close() error {
	if !s.life.Close() {
		return nil
	}
	if err := s.driver.Close(); err != nil {
		return fmt.Errorf("%s: close %s: %w", s.pkg, s.driver, err)
	}
	return nil
}
