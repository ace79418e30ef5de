package unionstore

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strings"
)

var _ Watcher[Entity] = (*Shards[Entity])(nil)

// feedOf returns the store that namespace's feed comes from, as Load reads
// it (its owner, or while it moves a union of its owner and previous
// owner), and the name of that reader, which the cursors carry.
func (s *Shards[E]) feedOf(namespace string) (Watcher[E], string, error) {
	r := s.reader(namespace)
	name := url.PathEscape(s.placement.Owner(namespace))
	if old := s.previousOwner(namespace); old != "" {
		name += "+" + url.PathEscape(old)
	}
	w, ok := r.(Watcher[E])
	if !ok {
		return nil, "", fmt.Errorf("shard %q: %T has no change feed: %w", s.placement.Owner(namespace), r, errors.ErrUnsupported)
	}
	return w, name, nil
}

// Snapshot returns namespace's snapshot from the shard that owns it,
// merged with its previous owner's while it moves, and a cursor that
// names them.
func (s *Shards[E]) Snapshot(ctx context.Context, namespace string) (Changes[E], Cursor, error) {
	if err := s.checkOpen(); err != nil {
		return nil, "", err
	}
	w, name, err := s.feedOf(namespace)
	if err != nil {
		return nil, "", s.shardErr(OpSnapshot, namespace, err)
	}
	changes, c, err := w.Snapshot(ctx, namespace)
	if err != nil {
		return nil, "", s.shardErr(OpSnapshot, namespace, err)
	}
	return changes, Cursor("s1." + name + "." + string(c)), nil
}

// Watch follows namespace on the shard that owns it, merged with its
// previous owner's while it moves. A cursor taken while the namespace had
// other owners (before or during a [Shards.Rebalance], or before a new
// placement) expires, so that a follower takes a new snapshot from the
// new owner: a move ends with the purge of the old owner's copy, which
// its watchers could not tell from deletions.
func (s *Shards[E]) Watch(ctx context.Context, namespace string, after Cursor) iter.Seq2[WatchEvent[E], error] {
	return func(yield func(WatchEvent[E], error) bool) {
		if err := s.checkOpen(); err != nil {
			yield(WatchEvent[E]{}, err)
			return
		}
		w, name, err := s.feedOf(namespace)
		if err != nil {
			yield(WatchEvent[E]{}, s.shardErr(OpWatch, namespace, err))
			return
		}
		inner := Cursor("")
		if after != "" {
			rest, ok := strings.CutPrefix(string(after), "s1."+name+".")
			if !ok {
				yield(WatchEvent[E]{}, s.shardErr(OpWatch, namespace, fmt.Errorf("%w: %q is not a cursor of the namespace's owner now", ErrCursorExpired, after)))
				return
			}
			inner = Cursor(rest)
		}
		for ev, err := range w.Watch(ctx, namespace, inner) {
			if err != nil {
				yield(WatchEvent[E]{}, s.shardErr(OpWatch, namespace, err))
				return
			}
			ev.Cursor = Cursor("s1." + name + "." + string(ev.Cursor))
			if !yield(ev, nil) {
				return
			}
		}
	}
}
