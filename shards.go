package unionstore

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"sync/atomic"
	"time"

	"github.com/unionstore/unionstore/internal/fanout"
)

// Shards is a [Store] that spreads namespaces over named stores, its
// shards: each namespace lives on the one shard its [Placement] names, so
// that data outgrows no single store. A shard may itself be a [Union] of
// replicas. Every change of a namespace goes to its owner; a batch that
// spans namespaces is split and saved to the owners concurrently.
//
// # Moving namespaces
//
// To add or remove a shard without downtime, roll out the new placement
// with [Previous] set to the old one in every process, then run
// [Shards.Rebalance]. While both are known, a namespace whose owner
// changed is written to its new owner only, and read from both, merged as
// a [Union] of the two in which the new owner wins ties: reads never miss
// what the old owner holds, and a write is never lost. Rebalance copies
// each moved namespace to its new owner, checks that the copy is complete,
// and only then removes it from the old one. Once it has finished, drop
// Previous. A process still writing with the old placement alone while
// Rebalance runs could write to an old owner after its namespace moved:
// finish the rollout first.
//
// Shards is safe for concurrent use if its stores are. It implements
// [Scanner], [Getter], [Checker], [NamespaceLister], [Purger] and
// [TombstonePurger], each over the shards' own implementations where
// they are needed.
type Shards[E Entity] struct {
	placement Placement
	previous  Placement // no shards unless moving
	names     []string  // every shard of both placements, sorted
	stores    map[string]int
	shards    []Store[E] // the store of each shard, in the order of names
	closed    atomic.Bool
	// team is the shards as the fan-out engine sees them: named in
	// errors; no breakers, no observer.
	team *fanout.Members
}

var (
	_ Store[Entity]   = (*Shards[Entity])(nil)
	_ Scanner[Entity] = (*Shards[Entity])(nil)
	_ Getter[Entity]  = (*Shards[Entity])(nil)
	_ NamespaceLister = (*Shards[Entity])(nil)
	_ Purger          = (*Shards[Entity])(nil)
	_ TombstonePurger = (*Shards[Entity])(nil)
	_ Checker[Entity] = (*Shards[Entity])(nil)
)

// ShardsOption configures [NewShards].
type ShardsOption func(*shardsOptions)

type shardsOptions struct {
	previous Placement
}

// Previous declares the placement being replaced while namespaces move
// to the new one: see [Shards]. Every shard of the previous placement
// needs a store, even one the new placement drops, until
// [Shards.Rebalance] has emptied it.
func Previous(p Placement) ShardsOption {
	return func(o *shardsOptions) { o.previous = p }
}

// NewShards returns the shards of placement p over stores, which maps each
// shard's name to its store. It returns an error when a shard of p or of
// [Previous] has no store, or a store has no shard. The stores are used
// as they are and closed by [Shards.Close].
func NewShards[E Entity](p Placement, stores map[string]Store[E], opts ...ShardsOption) (*Shards[E], error) {
	var o shardsOptions
	for _, opt := range opts {
		opt(&o)
	}
	if len(p.shards) == 0 {
		return nil, errors.New("unionstore: shards: the placement has no shards")
	}
	known := map[string]bool{}
	for _, name := range append(p.Shards(), o.previous.shards...) {
		known[name] = true
		if _, ok := stores[name]; !ok {
			return nil, fmt.Errorf("unionstore: shards: no store for shard %q", name)
		}
	}
	names := slices.Sorted(maps.Keys(stores))
	shards := make([]Store[E], len(names))
	index := make(map[string]int, len(names))
	for i, name := range names {
		if !known[name] {
			return nil, fmt.Errorf("unionstore: shards: store %q is in neither placement", name)
		}
		if stores[name] == nil {
			return nil, fmt.Errorf("unionstore: shards: the store of shard %q is nil", name)
		}
		shards[i] = asMember(stores[name]).store
		index[name] = i
	}
	s := &Shards[E]{placement: p, previous: o.previous, names: names, stores: index, shards: shards}
	s.team = &fanout.Members{
		LabelFunc: func(i int) string { return storeLabel(i, names[i]) },
		WrapFunc: func(c fanout.Call, i int, err error) error {
			return &StoreError{Index: i, Name: names[i], Op: Op(c.Op), Err: err}
		},
		PanicFunc: newPanicError,
		Stalled:   ErrStalled,
	}
	return s, nil
}

// Placement returns the placement that owns namespaces now.
func (s *Shards[E]) Placement() Placement { return s.placement }

// Previous returns the placement being replaced, and false when no
// namespace is moving.
func (s *Shards[E]) Previous() (Placement, bool) { return s.previous, len(s.previous.shards) > 0 }

// Owner returns the name of the shard that namespace is written to.
func (s *Shards[E]) Owner(namespace string) string { return s.placement.Owner(namespace) }

// Store returns the store of the named shard, or nil.
func (s *Shards[E]) Store(shard string) Store[E] {
	i, ok := s.stores[shard]
	if !ok {
		return nil
	}
	return s.shards[i]
}

// previousOwner returns the shard that owned namespace before, when it
// differs from its owner now; otherwise "".
func (s *Shards[E]) previousOwner(namespace string) string {
	if len(s.previous.shards) == 0 {
		return ""
	}
	if old := s.previous.Owner(namespace); old != s.placement.Owner(namespace) {
		return old
	}
	return ""
}

// reader returns the store that namespace is read from: its owner, or,
// while it moves, a union of its owner and its previous owner, read-only.
func (s *Shards[E]) reader(namespace string) Store[E] {
	owner := s.Store(s.placement.Owner(namespace))
	old := s.previousOwner(namespace)
	if old == "" {
		return owner
	}
	return s.overlap(s.placement.Owner(namespace), old, true)
}

// overlap returns a union of shard to, listed first, and shard from.
func (s *Shards[E]) overlap(to, from string, fromReadOnly bool) *Union[E] {
	old := Named(from, s.Store(from))
	if fromReadOnly {
		old = ReadOnly(old)
	}
	return New(Named(to, s.Store(to)), old)
}

// Save saves changes to the shards that own their namespaces; see
// [Shards.SaveWithReport].
func (s *Shards[E]) Save(ctx context.Context, changes Changes[E]) error {
	_, err := s.SaveWithReport(ctx, changes)
	return err
}

// SaveWithReport validates the batch, stamps changes that have a zero
// timestamp, splits it by the shard that owns each namespace, and saves
// each part to its shard concurrently. Before writing anything, it asks
// each shard that implements [Checker] whether it can hold its part, and
// refuses the whole batch with an error wrapping [ErrInvalidChange] if
// one cannot.
//
// It tries every shard and does not stop at the first failure. A batch
// spanning shards is not atomic: when some shards fail, the others keep
// their part; the error joins a [*StoreError] per failed shard, named by
// the shard, and the report lists them. Saving the batch again is safe,
// since every store keeps the latest change per entity. When ctx ends
// first, it returns at once with an error wrapping ctx.Err().
func (s *Shards[E]) SaveWithReport(ctx context.Context, changes Changes[E]) (Report, error) {
	if s.closed.Load() {
		return Report{}, fmt.Errorf("unionstore: shards: save: %w", ErrClosed)
	}
	if err := changes.Validate(); err != nil {
		return Report{}, fmt.Errorf("unionstore: shards: save: %w", err)
	}
	changes = changes.Stamped()
	if err := ctx.Err(); err != nil {
		return Report{}, fmt.Errorf("unionstore: shards: save: %w", err)
	}
	parts, targets := s.split(changes)
	if len(targets) == 0 {
		return Report{}, nil
	}
	if err := s.checkParts(parts, targets); err != nil {
		return Report{}, fmt.Errorf("unionstore: shards: save: %w: no shard was written: %w", ErrInvalidChange, err)
	}
	results, err := s.run(ctx, fanout.Call{Op: fanout.Op(OpSave), Namespace: batchNamespace(changes)}, targets, func(ctx context.Context, i int) (Changes[E], int, error) {
		return nil, len(parts[i]), s.shards[i].Save(ctx, parts[i])
	})
	report := Report{Failed: failures(results)}
	if err != nil {
		return report, fmt.Errorf("unionstore: shards: save: %w", err)
	}
	if len(report.Failed) > 0 {
		return report, fmt.Errorf("unionstore: shards: save: %d of %d shards failed, the others kept their part: %w",
			len(report.Failed), len(targets), joinFailures(report.Failed))
	}
	return report, nil
}

// split divides changes by the shard that owns their namespace: parts
// holds one batch per shard of s.names, and targets the shards with a
// non-empty batch.
func (s *Shards[E]) split(changes Changes[E]) (parts []Changes[E], targets []int) {
	parts = make([]Changes[E], len(s.names))
	owners := map[string]int{} // namespace to shard, computed once per namespace
	for _, c := range changes {
		i, ok := owners[c.Namespace]
		if !ok {
			i = s.stores[s.placement.Owner(c.Namespace)]
			owners[c.Namespace] = i
		}
		parts[i] = append(parts[i], c)
	}
	for i, part := range parts {
		if len(part) > 0 {
			targets = append(targets, i)
		}
	}
	return parts, targets
}

// checkParts asks every target shard that implements [Checker] whether it
// can hold its part, and joins the refusals, each a [*StoreError] of
// operation "check".
func (s *Shards[E]) checkParts(parts []Changes[E], targets []int) error {
	var refused []error
	for _, i := range targets {
		if ch, ok := s.shards[i].(Checker[E]); ok {
			if err := ch.Check(parts[i]); err != nil {
				refused = append(refused, &StoreError{Index: i, Name: s.names[i], Op: OpCheck, Err: err})
			}
		}
	}
	return errors.Join(refused...)
}

// Check reports, without writing anything, whether Save would accept the
// batch: nil, or an error wrapping [ErrInvalidChange] for a batch that
// fails [Changes.Validate] or that a shard implementing [Checker] refuses
// its part of, each refusal a [*StoreError] naming the shard. It does not
// modify or keep the batch.
func (s *Shards[E]) Check(changes Changes[E]) error {
	if err := changes.Validate(); err != nil {
		return fmt.Errorf("unionstore: shards: check: %w", err)
	}
	parts, targets := s.split(changes)
	if err := s.checkParts(parts, targets); err != nil {
		return fmt.Errorf("unionstore: shards: check: %w: %w", ErrInvalidChange, err)
	}
	return nil
}

// Load returns the latest change of each entity of namespace from its
// owner, merged with its previous owner's while it moves. Its errors name
// the shard.
func (s *Shards[E]) Load(ctx context.Context, namespace string) (Changes[E], error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	changes, err := s.reader(namespace).Load(ctx, namespace)
	if err != nil {
		return nil, s.shardErr(OpLoad, namespace, err)
	}
	return changes, nil
}

// Scan streams namespace from its owner, merged with its previous owner's
// while it moves; a shard that does not implement [Scanner] is loaded
// whole. The sequence may be walked more than once.
func (s *Shards[E]) Scan(ctx context.Context, namespace string) iter.Seq2[Change[E], error] {
	return func(yield func(Change[E], error) bool) {
		if err := s.checkOpen(); err != nil {
			yield(Change[E]{}, err)
			return
		}
		for c, err := range ScanOf(ctx, s.reader(namespace), namespace) {
			if err != nil {
				yield(Change[E]{}, s.shardErr(OpScan, namespace, err))
				return
			}
			if !yield(c, nil) {
				return
			}
		}
	}
}

// Get returns the latest change of one entity from its namespace's owner,
// merged with its previous owner's while it moves; a shard that does not
// implement [Getter] is loaded and filtered.
func (s *Shards[E]) Get(ctx context.Context, namespace, kind, id string) (Change[E], bool, error) {
	if err := s.checkOpen(); err != nil {
		return Change[E]{}, false, err
	}
	c, ok, err := getFrom(ctx, s.reader(namespace), namespace, kind, id)
	if err != nil {
		return Change[E]{}, false, s.shardErr(OpGet, namespace, err)
	}
	return c, ok, nil
}

// Namespaces lists every shard concurrently and returns the namespaces
// that Load can see, sorted, with their counts: those on their owner, and
// while they move, on their previous owner. A namespace held by both is
// scanned to count its merged entities. A namespace on any other shard is
// left out: see [Shards.Rebalance]. Every shard must implement
// [NamespaceLister]; otherwise the error wraps [errors.ErrUnsupported].
func (s *Shards[E]) Namespaces(ctx context.Context) ([]NamespaceStat, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	lists, err := s.listShards(ctx, s.allShards())
	if err != nil {
		return nil, fmt.Errorf("unionstore: shards: namespaces: %w", err)
	}
	found := map[string][]NamespaceStat{}
	for i, stats := range lists {
		for _, st := range stats {
			ns := st.Namespace
			if s.names[i] == s.placement.Owner(ns) || s.names[i] == s.previousOwner(ns) {
				found[ns] = append(found[ns], st)
			}
		}
	}
	return mergeStats(ctx, s, found, "unionstore: shards: namespaces: count moving namespace")
}

// allShards returns the index of every shard.
func (s *Shards[E]) allShards() []int {
	out := make([]int, len(s.names))
	for i := range out {
		out[i] = i
	}
	return out
}

// listShards lists the namespaces of the shards at indexes concurrently;
// the result holds one list per shard of s.names.
func (s *Shards[E]) listShards(ctx context.Context, indexes []int) ([][]NamespaceStat, error) {
	var unsupported []error
	for _, i := range indexes {
		if _, ok := s.shards[i].(NamespaceLister); !ok {
			unsupported = append(unsupported, &StoreError{Index: i, Name: s.names[i], Op: OpNamespaces, Err: fmt.Errorf("%T cannot list namespaces: %w", s.shards[i], errors.ErrUnsupported)})
		}
	}
	if len(unsupported) > 0 {
		return nil, errors.Join(unsupported...)
	}
	lists := make([][]NamespaceStat, len(s.names)) // written by shard i's goroutine only
	err := allDone(s.run(ctx, fanout.Call{Op: fanout.Op(OpNamespaces)}, indexes, func(ctx context.Context, i int) (Changes[E], int, error) {
		stats, err := s.shards[i].(NamespaceLister).Namespaces(ctx)
		lists[i] = stats
		return nil, len(stats), err
	}))
	if err != nil {
		return nil, err
	}
	return lists, nil
}

// Purge removes namespace from its owner and, while it moves, from its
// previous owner, concurrently, each through its [Purger]: both are tried
// and their failures joined, each a [*StoreError] naming the shard. Before
// touching either, it returns an error wrapping [errors.ErrUnsupported]
// when one does not implement Purger.
func (s *Shards[E]) Purge(ctx context.Context, namespace string) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	targets := []int{s.stores[s.placement.Owner(namespace)]}
	if old := s.previousOwner(namespace); old != "" {
		targets = append(targets, s.stores[old])
	}
	var unsupported []error
	for _, i := range targets {
		if _, ok := s.shards[i].(Purger); !ok {
			unsupported = append(unsupported, &StoreError{Index: i, Name: s.names[i], Op: OpPurge, Err: fmt.Errorf("%T has no Purge: %w", s.shards[i], errors.ErrUnsupported)})
		}
	}
	if len(unsupported) > 0 {
		return fmt.Errorf("unionstore: shards: purge %q: nothing was purged: %w", namespace, errors.Join(unsupported...))
	}
	err := allDone(s.run(ctx, fanout.Call{Op: fanout.Op(OpPurge), Namespace: namespace}, targets, func(ctx context.Context, i int) (Changes[E], int, error) {
		return nil, 0, s.shards[i].(Purger).Purge(ctx, namespace)
	}))
	if err != nil {
		return fmt.Errorf("unionstore: shards: purge %q: %w", namespace, err)
	}
	return nil
}

// PurgeTombstones removes the tombstones of namespace older than before
// from its owner (see [TombstonePurger]) and returns how many. While the
// namespace moves, it purges both owners through a [Union] of the two,
// whose checks apply: it refuses with an error wrapping [ErrPurgeUnsafe]
// while one owner holds an older set of an entity whose tombstone would
// go.
func (s *Shards[E]) PurgeTombstones(ctx context.Context, namespace string, before time.Time) (int, error) {
	if err := s.checkOpen(); err != nil {
		return 0, err
	}
	owner := s.placement.Owner(namespace)
	var target Store[E] = s.Store(owner)
	if old := s.previousOwner(namespace); old != "" {
		target = s.overlap(owner, old, false)
	}
	tp, ok := target.(TombstonePurger)
	if !ok {
		return 0, fmt.Errorf("unionstore: shards: purge tombstones of %q: shard %q: %T has no PurgeTombstones: %w", namespace, owner, target, errors.ErrUnsupported)
	}
	n, err := tp.PurgeTombstones(ctx, namespace, before)
	if err != nil {
		return n, s.shardErr(OpPurgeTombstones, namespace, err)
	}
	return n, nil
}

// Close closes every shard concurrently, even when some fail, and returns
// their errors joined, each a [*StoreError] naming the shard. Later calls
// return nil; afterwards every method returns [ErrClosed].
func (s *Shards[E]) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	results, _ := s.run(context.Background(), fanout.Call{Op: fanout.Op(OpClose), Always: true}, s.allShards(), func(_ context.Context, i int) (Changes[E], int, error) {
		return nil, 0, s.shards[i].Close()
	})
	if f := failures(results); len(f) > 0 {
		return fmt.Errorf("unionstore: shards: %w", joinFailures(f))
	}
	return nil
}

// run calls fn on the shards at indexes concurrently through the engine
// (see [fanout.Run]) and returns their results in the order of indexes,
// each failure a *StoreError naming the shard. A panic in fn becomes the
// shard's [*PanicError].
func (s *Shards[E]) run(ctx context.Context, c fanout.Call, indexes []int, fn func(ctx context.Context, i int) (Changes[E], int, error)) ([]result[E], error) {
	return fanout.Run(ctx, s.team, c, indexes, fn)
}

func (s *Shards[E]) checkOpen() error {
	if s.closed.Load() {
		return fmt.Errorf("unionstore: shards: %w", ErrClosed)
	}
	return nil
}

// shardErr wraps the error of a read or purge of namespace, naming the
// shards it went to.
func (s *Shards[E]) shardErr(op Op, namespace string, err error) error {
	owner := s.placement.Owner(namespace)
	if old := s.previousOwner(namespace); old != "" {
		return fmt.Errorf("unionstore: shards: %s %q on shard %q, moving from shard %q: %w", op, namespace, owner, old, err)
	}
	return fmt.Errorf("unionstore: shards: %s %q on shard %q: %w", op, namespace, owner, err)
}
