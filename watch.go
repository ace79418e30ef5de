package unionstore

import (
	"context"
	"errors"
	"fmt"
	"iter"
)

// Cursor is a position in a store's history of one namespace: opaque,
// printable, safe to keep as text; "" means "now". Each store makes its
// own cursors and takes back only those.
type Cursor string

// WatchEvent is one change committed to a watched namespace.
type WatchEvent[E Entity] struct {
	Change Change[E]
	Cursor Cursor // Watch(ctx, ns, Cursor) resumes right after this change
}

// Watcher is implemented by stores that offer a live feed of a
// namespace's changes: the list-then-watch of Kubernetes' informers, or
// etcd's watch from a revision.
//
// The promise, the same on every store:
//
//   - Convergence: applying a snapshot and then every event after its
//     cursor with last-write-wins (as [Memory.Save] does) gives what Load
//     gives once writers stop. A store may skip a superseded change of an
//     entity (a compacted log does), never the latest. Events may repeat,
//     after a resume or from several members of a union: applying them
//     with last-write-wins makes repeats harmless.
//   - No gap on resume: Watch from an event's Cursor continues right after
//     that event. A cursor older than the history the store keeps gives
//     an error wrapping [ErrCursorExpired], never a silent gap; so does a
//     cursor the store did not make. [Follow] takes a new snapshot then.
//   - Clean ends: the sequence ends when ctx ends (its last pair holds
//     ctx's error) or the store is closed ([ErrClosed]), and no goroutine
//     outlives it. Breaking out of the loop stops the watch.
//
// Each store's doc says how far back its history goes and what watchers
// see of Purge and PurgeTombstones.
type Watcher[E Entity] interface {
	// Snapshot returns what Load returns and the cursor of that state.
	Snapshot(ctx context.Context, namespace string) (Changes[E], Cursor, error)
	// Watch yields the changes committed to namespace after the cursor,
	// until ctx ends or the store is closed.
	Watch(ctx context.Context, namespace string, after Cursor) iter.Seq2[WatchEvent[E], error]
}

// ErrCursorExpired is wrapped by the error of a Watch whose cursor the
// store no longer holds history back to, or did not make.
var ErrCursorExpired = errors.New("cursor expired: the store no longer holds history back to it")

// Follow keeps dst equal to src's namespace: it saves src's snapshot to
// dst, then every change src commits to the namespace, and takes a new
// snapshot whenever its cursor expires, until ctx ends; it then returns
// ctx's error. It returns any other error of src or dst.
//
// Follow applies changes with dst's last-write-wins, so dst may be shared
// with other writers of other namespaces, and a repeated change is
// harmless. When dst holds entities of the namespace that a snapshot
// lacks (src purged them, or dst held them before), Follow purges the
// namespace from dst before saving the snapshot, if dst is a [Purger]:
// a reader of dst sees it empty for that moment. A dst that is not a
// Purger keeps them.
func Follow[E Entity](ctx context.Context, src Watcher[E], namespace string, dst Store[E]) error {
	for {
		cursor, err := followSnapshot(ctx, src, namespace, dst)
		if err != nil {
			return err
		}
		err = followFeed(ctx, src, namespace, cursor, dst)
		if !errors.Is(err, ErrCursorExpired) {
			return err
		}
	}
}

// followSnapshot brings dst to src's snapshot of namespace and returns
// the snapshot's cursor.
func followSnapshot[E Entity](ctx context.Context, src Watcher[E], namespace string, dst Store[E]) (Cursor, error) {
	changes, cursor, err := src.Snapshot(ctx, namespace)
	if err != nil {
		return "", fmt.Errorf("unionstore: follow %q: snapshot: %w", namespace, err)
	}
	if p, ok := dst.(Purger); ok {
		held, err := dst.Load(ctx, namespace)
		if err != nil {
			return "", fmt.Errorf("unionstore: follow %q: load the copy: %w", namespace, err)
		}
		if holdsOthers(held, changes) {
			if err := p.Purge(ctx, namespace); err != nil {
				return "", fmt.Errorf("unionstore: follow %q: purge the copy: %w", namespace, err)
			}
		}
	}
	if len(changes) > 0 {
		if err := dst.Save(ctx, changes); err != nil {
			return "", fmt.Errorf("unionstore: follow %q: save the snapshot: %w", namespace, err)
		}
	}
	return cursor, nil
}

// holdsOthers reports whether held, sorted by key, has an identity that
// snap, sorted by key, lacks.
func holdsOthers[E Entity](held, snap Changes[E]) bool {
	j := 0
	for _, h := range held {
		hk, hi := h.Entity.CompactionKey()
		for ; j < len(snap); j++ {
			sk, si := snap[j].Entity.CompactionKey()
			if c := compareKeys(sk, si, hk, hi); c == 0 {
				break
			} else if c > 0 {
				return true
			}
		}
		if j == len(snap) {
			return true
		}
	}
	return false
}

// followFeed saves to dst every change src commits after cursor, until
// ctx ends or the feed fails.
func followFeed[E Entity](ctx context.Context, src Watcher[E], namespace string, cursor Cursor, dst Store[E]) error {
	for ev, err := range src.Watch(ctx, namespace, cursor) {
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("unionstore: follow %q: %w", namespace, err)
		}
		if err := dst.Save(ctx, Changes[E]{ev.Change}); err != nil {
			return fmt.Errorf("unionstore: follow %q: save a change: %w", namespace, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return fmt.Errorf("unionstore: follow %q: the feed ended without an error", namespace)
}
