package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/unionstore/unionstore"
)

// lookup reads, from every store, the change each change of b would
// replace. It fills in the body of each tombstone that has none from the
// latest of them, and returns how many changes each store holds newer.
// Without a body for a tombstone, it returns a usage error listing the
// records, and nothing of b is written.
func (w *writer) lookup(ctx context.Context, b batch) ([]int, error) {
	stored := make([][]storedChange, len(w.opened.list))
	for j, st := range w.opened.list {
		var err error
		if stored[j], err = w.storedIn(ctx, j, st, b); err != nil {
			return nil, at(fmt.Sprintf("store %q", w.opened.addrs[j]), err)
		}
	}
	kept := make([]int, len(w.opened.list))
	var missing []string
	n := 0
	for i := range b.changes {
		c := &b.changes[i]
		needBody := c.ChangeType == unionstore.ChangeTypeUnset && len(c.Entity.Body) == 0
		latest, found := w.newest(c, stored, i, kept)
		if !needBody {
			continue
		}
		if found && len(latest.Entity.Body) > 0 && !isNull(latest.Entity.Body) {
			c.Entity.Body = latest.Entity.Body
			continue
		}
		if n++; len(missing) < maxReported {
			missing = append(missing, fmt.Sprintf("line %d: %s %s", b.lines[i], escape(c.Namespace), keyWords(c.Entity.Kind, c.Entity.ID)))
		}
	}
	if n > 0 {
		return nil, w.noBody(b, missing, n)
	}
	return kept, nil
}

// newest returns the latest change that a store holds of the record of c,
// the change at i in the batch whose stored changes, store by store, are
// stored. It counts in kept, and keeps as an example, each store that
// holds a change newer than c.
func (w *writer) newest(c *unionstore.Change[Record], stored [][]storedChange, i int, kept []int) (latest unionstore.Change[Record], found bool) {
	for j := range w.opened.list {
		s := stored[j][i]
		if !s.found {
			continue
		}
		if s.change.Timestamp.After(c.Timestamp) {
			kept[j]++
			w.example(c, w.opened.addrs[j], s.change)
		}
		if !found || s.change.Timestamp.After(latest.Timestamp) {
			latest, found = s.change, true
		}
	}
	return latest, found
}

// noBody returns the usage error for the n tombstones of b that no store
// gives a body, listed in missing up to maxReported, each as "line N: KEY".
func (w *writer) noBody(b batch, missing []string, n int) error {
	const why = "so its tombstone would have no body for applications to decode"
	switch c := b.changes[0]; {
	case !w.stdin:
		return usageErrorf("no store given holds %s %s, %s. Add the --store that holds it, or give its last body as BODY: unset --store ADDR NAMESPACE KIND ID BODY",
			escape(c.Namespace), keyWords(c.Entity.Kind, c.Entity.ID), why)
	case n == 1:
		line, key, _ := strings.Cut(missing[0], ": ")
		return usageErrorf("standard input %s: no store given holds %s, %s. Add the --store that holds it, or give the line its \"body\"", line, key, why)
	}
	return usageErrorf("standard input: no store given holds %d of the records to unset from line %d to %d, so their tombstones would have no body for applications to decode. "+
		"Add the --store that holds them, or give those lines their \"body\":%s", n, b.first, b.last, indented(missing, n))
}

// storedChange is what a store holds of one record.
type storedChange struct {
	change unionstore.Change[Record]
	found  bool
}

// batchGetter is a store that reads many records of a namespace in one
// call, as pgstore does in one round trip.
type batchGetter interface {
	getMany(ctx context.Context, namespace string, keys []recordKey) (unionstore.Changes[Record], error)
}

// recordKey is a record's kind and id.
type recordKey struct{ kind, id string }

// storedIn returns what store j holds of each record of b, in the order of
// b. A store that cannot read single records is read by a scan only for
// changes given as arguments, or for tombstones that need their body, and
// is marked unchecked otherwise.
func (w *writer) storedIn(ctx context.Context, j int, st store, b batch) ([]storedChange, error) {
	if bg, ok := st.(batchGetter); ok {
		return storedInBatches(ctx, bg, b)
	}
	out := make([]storedChange, len(b.changes))
	g, isGetter := st.(unionstore.Getter[Record])
	for i, c := range b.changes {
		var err error
		switch needBody := c.ChangeType == unionstore.ChangeTypeUnset && len(c.Entity.Body) == 0; {
		case isGetter:
			out[i].change, out[i].found, err = g.Get(ctx, c.Namespace, c.Entity.Kind, c.Entity.ID)
		case w.stdin && !needBody:
			w.unchecked[j] = true
		default:
			out[i].change, out[i].found, err = scanFor(ctx, st, c.Namespace, c.Entity.Kind, c.Entity.ID)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// storedInBatches returns what bg holds of each record of b, in the order
// of b, read in one call per namespace.
func storedInBatches(ctx context.Context, bg batchGetter, b batch) ([]storedChange, error) {
	byNamespace := make(map[string][]recordKey)
	for _, c := range b.changes {
		byNamespace[c.Namespace] = append(byNamespace[c.Namespace], recordKey{c.Entity.Kind, c.Entity.ID})
	}
	found := make(map[string]map[recordKey]unionstore.Change[Record], len(byNamespace))
	for ns, keys := range byNamespace {
		got, err := bg.getMany(ctx, ns, keys)
		if err != nil {
			return nil, err
		}
		m := make(map[recordKey]unionstore.Change[Record], len(got))
		for _, g := range got {
			m[recordKey{g.Entity.Kind, g.Entity.ID}] = g
		}
		found[ns] = m
	}
	out := make([]storedChange, len(b.changes))
	for i, c := range b.changes {
		out[i].change, out[i].found = found[c.Namespace][recordKey{c.Entity.Kind, c.Entity.ID}]
	}
	return out, nil
}

// scanFor finds one record in a store that has no point reads, by a scan
// that stops at the record's place (a store that cannot scan is loaded).
func scanFor(ctx context.Context, st store, namespace, kind, id string) (unionstore.Change[Record], bool, error) {
	for c, err := range unionstore.ScanOf(ctx, st, namespace) {
		if err != nil {
			return c, false, err
		}
		switch cmp := compareKey(c.Entity.Kind, c.Entity.ID, kind, id); {
		case cmp == 0:
			return c, true, nil
		case cmp > 0:
			return unionstore.Change[Record]{}, false, nil
		}
	}
	return unionstore.Change[Record]{}, false, nil
}

func compareKey(kindA, idA, kindB, idB string) int {
	if c := strings.Compare(kindA, kindB); c != 0 {
		return c
	}
	return strings.Compare(idA, idB)
}
