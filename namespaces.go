package unionstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/unionstore/unionstore/internal/fanout"
)

var _ NamespaceLister = (*Union[Entity])(nil)

// Namespaces lists every member concurrently, read-only ones included,
// and returns every namespace that any member holds, sorted, with the
// counts of its merged view: what Load returns. Every member must
// implement [NamespaceLister]; otherwise the error wraps
// [errors.ErrUnsupported] and names the members. It is strict: a member
// that fails fails the call, and the error joins a [*StoreError] per
// failed member.
//
// Cost: one listing per member, plus, for each namespace held by more
// than one member, a [Union.Scan] to count its merged entities, since
// members that each hold n entities may together hold up to n times the
// number of members.
func (u *Union[E]) Namespaces(ctx context.Context) ([]NamespaceStat, error) {
	if err := u.checkRead(ctx); err != nil {
		return nil, fmt.Errorf("unionstore: namespaces: %w", err)
	}
	all := u.indexes(func(member[E]) bool { return true })
	var unsupported []error
	for _, i := range all {
		if _, ok := u.members[i].store.(NamespaceLister); !ok {
			m := u.members[i]
			unsupported = append(unsupported, &StoreError{Index: i, Name: m.name, Op: OpNamespaces, Err: fmt.Errorf("%T cannot list namespaces: %w", m.store, errors.ErrUnsupported)})
		}
	}
	if len(unsupported) > 0 {
		return nil, fmt.Errorf("unionstore: namespaces: %w", errors.Join(unsupported...))
	}
	lists := make([][]NamespaceStat, len(u.members)) // written by member i's goroutine only
	err := allDone(u.run(ctx, fanout.Call{Op: fanout.Op(OpNamespaces)}, all, func(ctx context.Context, i int) (Changes[E], int, error) {
		stats, err := u.members[i].store.(NamespaceLister).Namespaces(ctx)
		lists[i] = stats
		return nil, len(stats), err
	}))
	if err != nil {
		return nil, fmt.Errorf("unionstore: namespaces: %w", err)
	}
	found := map[string][]NamespaceStat{}
	for _, stats := range lists {
		for _, st := range stats {
			found[st.Namespace] = append(found[st.Namespace], st)
		}
	}
	return mergeStats(ctx, u, found, "unionstore: namespaces: count")
}

// mergeStats returns the namespaces of found, sorted by name, each with the
// counts its stores listed. A namespace that one store lists keeps that
// store's counts; one that several list is counted again over s's merged
// stream, and left out when that holds nothing. A count's error is wrapped
// as "counting namespace: error".
func mergeStats[E Entity](ctx context.Context, s Scanner[E], found map[string][]NamespaceStat, counting string) ([]NamespaceStat, error) {
	out := make([]NamespaceStat, 0, len(found))
	for ns, stats := range found {
		if len(stats) == 1 {
			out = append(out, stats[0])
			continue
		}
		st, err := countMerged(ctx, s, ns)
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", counting, ns, err)
		}
		if st.Entities+st.Tombstones > 0 {
			out = append(out, st)
		}
	}
	slices.SortFunc(out, func(a, b NamespaceStat) int { return strings.Compare(a.Namespace, b.Namespace) })
	return out, nil
}

// countMerged counts the sets and tombstones that s streams for
// namespace.
func countMerged[E Entity](ctx context.Context, s Scanner[E], namespace string) (NamespaceStat, error) {
	st := NamespaceStat{Namespace: namespace}
	for c, err := range s.Scan(ctx, namespace) {
		if err != nil {
			return st, err
		}
		if c.ChangeType == ChangeTypeSet {
			st.Entities++
		} else {
			st.Tombstones++
		}
	}
	return st, nil
}
