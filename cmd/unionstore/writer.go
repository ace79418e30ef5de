package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/unionstore/unionstore"
)

// writer writes the batches of a source to the stores of put or unset and
// keeps the counts of what it did.
type writer struct {
	e     *env
	flags *writeFlags
	ct    unionstore.ChangeType

	opened *stores
	stdin  bool
	// written counts, per store, the changes written there; kept, those
	// the store held a newer change for, which it kept.
	written, kept []int
	// unchecked marks the stores that cannot read one record, so that
	// the changes they kept are not counted.
	unchecked []bool
	examples  []keptChange
	changes   int
	lastLine  int
	// tracker follows each store's save of the batch being written;
	// partial is the batch that a failed save left written to some
	// stores only, or of unknown outcome.
	tracker saveTracker
	partial *partialBatch
}

// keptChange is a change that a store did not take because it held a
// newer one.
type keptChange struct {
	Namespace string `json:"namespace"`
	Kind      string `json:"kind"`
	ID        string `json:"id"`
	Store     string `json:"store"`
	Given     string `json:"given_timestamp"`
	Stored    string `json:"stored_timestamp"`
	Change    string `json:"stored_change"`
}

// run writes every batch of src. The first batch is read and checked
// before any store is opened, so that bad input creates no store.
func (w *writer) run(ctx context.Context, src source) error {
	w.stdin = src.stdin()
	if w.stdin {
		p := startPrefetch(src)
		defer p.stop()
		src = p.ctx(ctx)
	}
	b, err := src.next()
	if err != nil {
		return w.stopped(err)
	}
	if len(b.changes) == 0 && !w.stdin {
		return nil
	}
	w.opened, err = w.e.openAll(ctx, w.flags.addrs, w.flags.open(readWrite))
	if err != nil {
		return err
	}
	defer w.opened.close()
	n := len(w.opened.list)
	w.written, w.kept, w.unchecked = make([]int, n), make([]int, n), make([]bool, n)
	u := w.opened.union().With(unionstore.WithHook(w.tracker.hook()))
	if len(b.changes) == 0 {
		w.lastLine = b.last // blank lines only
	}
	for len(b.changes) > 0 {
		if err := ctx.Err(); err != nil {
			return w.stopped(err)
		}
		if err := w.writeBatch(ctx, u, b); err != nil {
			return w.stopped(err)
		}
		if b, err = src.next(); err != nil {
			return w.stopped(err)
		}
		if len(b.changes) == 0 {
			w.lastLine = max(w.lastLine, b.last)
		}
	}
	if err := w.opened.close(); err != nil {
		return err
	}
	return w.summary()
}

// writeBatch stamps b, gives its tombstones their bodies, finds the
// changes that a store holds newer, and saves b to every store in one Save
// per store, each written whole or not at all.
func (w *writer) writeBatch(ctx context.Context, u *unionstore.Union[Record], b batch) error {
	b.changes = b.changes.Stamped()
	kept, err := w.lookup(ctx, b)
	if err != nil {
		return err
	}
	w.tracker.start(len(w.opened.list))
	if err := u.Save(ctx, b.changes); err != nil {
		if errors.Is(err, unionstore.ErrInvalidChange) {
			return w.refused(b, err)
		}
		return w.failed(b, kept, err)
	}
	w.count(b, kept)
	return nil
}

// count adds the batch b, saved to every store, to what was written.
func (w *writer) count(b batch, kept []int) {
	w.changes += len(b.changes)
	for j := range w.written {
		w.written[j] += len(b.changes) - kept[j]
		w.kept[j] += kept[j]
	}
	w.lastLine = max(w.lastLine, b.last)
}

// failed returns err, the error of the save of b, having found out which
// stores hold b: the union returns when the command is interrupted while
// a store may still commit the batch, and fails when a store fails while
// others took it. A batch every store took counts as written; one that
// some took, or whose outcome some cannot tell, is kept as w.partial for
// the message.
func (w *writer) failed(b batch, kept []int, err error) error {
	p := &partialBatch{count: len(b.changes)}
	if w.stdin {
		p.first, p.last = b.first, b.last
	}
	for j, o := range w.tracker.settle(settleWait) {
		switch yes, known := o.stored(); {
		case !known:
			p.unknown = append(p.unknown, w.opened.addrs[j])
		case yes:
			p.written = append(p.written, w.opened.addrs[j])
		default:
			p.notWritten = append(p.notWritten, w.opened.addrs[j])
		}
	}
	switch {
	case len(p.written) == len(w.opened.list):
		w.count(b, kept)
	case len(p.written)+len(p.unknown) > 0:
		w.partial = p
	}
	return err
}

// lookup reads, from every store, the change each change of b would
// replace. It fills in the body of each tombstone that has none from the
// latest of them, and returns how many changes each store holds newer.
// Without a body for a tombstone, it returns a usage error listing the
// records, and nothing of b is written.
func (w *writer) lookup(ctx context.Context, b batch) ([]int, error) {
	kept := make([]int, len(w.opened.list))
	stored := make([][]storedChange, len(w.opened.list))
	for j, st := range w.opened.list {
		var err error
		if stored[j], err = w.storedIn(ctx, j, st, b); err != nil {
			return nil, at(fmt.Sprintf("store %q", w.opened.addrs[j]), err)
		}
	}
	var missing []string
	n := 0
	for i := range b.changes {
		c := &b.changes[i]
		needBody := c.ChangeType == unionstore.ChangeTypeUnset && len(c.Entity.Body) == 0
		var latest unionstore.Change[Record]
		found := false
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
	if n == 0 {
		return kept, nil
	}
	const why = "so its tombstone would have no body for applications to decode"
	switch c := b.changes[0]; {
	case !w.stdin:
		return nil, usageErrorf("no store given holds %s %s, %s. Add the --store that holds it, or give its last body as BODY: unset --store ADDR NAMESPACE KIND ID BODY",
			escape(c.Namespace), keyWords(c.Entity.Kind, c.Entity.ID), why)
	case n == 1:
		line, key, _ := strings.Cut(missing[0], ": ")
		return nil, usageErrorf("standard input %s: no store given holds %s, %s. Add the --store that holds it, or give the line its \"body\"", line, key, why)
	}
	return nil, usageErrorf("standard input: no store given holds %d of the records to unset from line %d to %d, so their tombstones would have no body for applications to decode. "+
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
	out := make([]storedChange, len(b.changes))
	if bg, ok := st.(batchGetter); ok {
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
		for i, c := range b.changes {
			out[i].change, out[i].found = found[c.Namespace][recordKey{c.Entity.Kind, c.Entity.ID}]
		}
		return out, nil
	}
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

// scanFor finds one record in a store that has no point reads, by a scan
// that stops at the record's place, or by a Load.
func scanFor(ctx context.Context, st store, namespace, kind, id string) (unionstore.Change[Record], bool, error) {
	if sc, ok := st.(unionstore.Scanner[Record]); ok {
		for c, err := range sc.Scan(ctx, namespace) {
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
	all, err := st.Load(ctx, namespace)
	if err != nil {
		return unionstore.Change[Record]{}, false, err
	}
	for _, c := range all {
		if c.Entity.Kind == kind && c.Entity.ID == id {
			return c, true, nil
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

func (w *writer) example(c *unionstore.Change[Record], addr string, stored unionstore.Change[Record]) {
	if len(w.examples) >= maxReported {
		return
	}
	w.examples = append(w.examples, keptChange{
		Namespace: c.Namespace, Kind: c.Entity.Kind, ID: c.Entity.ID, Store: addr,
		Given: formatTime(c.Timestamp), Stored: formatTime(stored.Timestamp), Change: string(stored.ChangeType),
	})
}

// refused names the change of b that a store refused to hold, found by
// checking the changes one by one, and says that nothing of b was written.
func (w *writer) refused(b batch, err error) error {
	for i, c := range b.changes {
		for j, st := range w.opened.list {
			ch, ok := st.(unionstore.Checker[Record])
			if !ok {
				continue
			}
			if cerr := ch.Check(unionstore.Changes[Record]{c}); cerr != nil {
				where := "the record"
				if w.stdin {
					where = fmt.Sprintf("line %d", b.lines[i])
				}
				return usageErrorf("%s: store %q cannot hold %s %s: %s; nothing of this batch written",
					where, w.opened.addrs[j], escape(c.Namespace), keyWords(c.Entity.Kind, c.Entity.ID), validateWords(cerr))
			}
		}
	}
	return fmt.Errorf("a store refused the batch: %w; nothing of it written", err)
}

func validateWords(err error) string {
	msg := err.Error()
	if _, rest, ok := strings.Cut(msg, "change 0: "); ok {
		return rest
	}
	return msg
}

// stopped returns err with what was written before it: the lines written
// to every store, then the batch written to some only, or of unknown
// outcome, if any.
func (w *writer) stopped(err error) error {
	done := "nothing written"
	switch {
	case w.changes > 0 && w.stdin:
		done = fmt.Sprintf("wrote lines 1 to %d (%d changes) before it", w.lastLine, w.changes)
	case w.changes > 0:
		done = fmt.Sprintf("wrote %d changes before it", w.changes)
	}
	last := w.lastLine
	if p := w.partial; p != nil {
		if w.changes == 0 {
			done = p.words()
		} else {
			done += "; " + p.words()
		}
		last = max(last, p.last)
	}
	if w.stdin && last > 0 && (w.changes > 0 || w.partial != nil) {
		sep := ", and"
		if w.partial != nil {
			sep = ";"
		}
		done += fmt.Sprintf("%s nothing after line %d", sep, last)
	}
	return &progressError{done: done, err: err}
}

// summary says what was written, and which changes stores kept newer
// ones of. That is an error, errDiffer, unless --ignore-older.
func (w *writer) summary() error {
	keptAny := 0
	for _, k := range w.kept {
		keptAny += k
	}
	if w.flags.asJSON {
		type storeSummary struct {
			Store     string `json:"store"`
			Written   int    `json:"written"`
			KeptNewer int    `json:"kept_newer"`
			Checked   bool   `json:"checked"`
		}
		out := struct {
			Command   string         `json:"command"`
			Changes   int            `json:"changes"`
			Lines     int            `json:"lines,omitempty"`
			Stores    []storeSummary `json:"stores"`
			KeptNewer []keptChange   `json:"kept_newer"`
		}{Command: commandOf(w.ct), Changes: w.changes, Lines: w.lastLine, KeptNewer: w.examples}
		for j, addr := range w.opened.addrs {
			out.Stores = append(out.Stores, storeSummary{addr, w.written[j], w.kept[j], !w.unchecked[j]})
		}
		if out.KeptNewer == nil {
			out.KeptNewer = []keptChange{}
		}
		if err := w.e.printJSON(out); err != nil {
			return err
		}
	} else {
		w.sayWords()
	}
	if keptAny > 0 && !w.flags.ignoreOlder {
		fmt.Fprintf(w.e.stderr, "unionstore %s: %s older than what a store holds, not written there (listed above); pass --ignore-older to accept that\n", commandOf(w.ct), plural(keptAny, "change"))
		return errDiffer
	}
	return nil
}

func (w *writer) sayWords() {
	e := w.e
	what := "change"
	if w.ct == unionstore.ChangeTypeUnset {
		what = "tombstone"
	}
	from := ""
	if w.stdin && w.lastLine > 0 {
		from = fmt.Sprintf(" from %d lines", w.lastLine)
	}
	for j, addr := range w.opened.addrs {
		line := fmt.Sprintf("wrote %s%s to %s", plural(w.written[j], what), from, addr)
		if w.kept[j] > 0 {
			line += fmt.Sprintf("; it kept a newer change for %d", w.kept[j])
		}
		if w.unchecked[j] {
			line += " (it cannot read single records, so changes it kept newer are not counted)"
		}
		e.say(false, "%s", line)
	}
	for _, k := range w.examples {
		e.say(false, "  %s %s: %s holds a %s of %s, newer than the %s given", escape(k.Namespace), keyWords(k.Kind, k.ID), k.Store, changeWord(k.Change), k.Stored, k.Given)
	}
	total := 0
	for _, k := range w.kept {
		total += k
	}
	if total > len(w.examples) {
		e.say(false, "  … and %d more", total-len(w.examples))
	}
}

// changeWord names a change type: a set is a change, an unset a tombstone.
func changeWord(ct string) string {
	if ct == string(unionstore.ChangeTypeUnset) {
		return "tombstone"
	}
	return "change"
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func toJSON(c unionstore.Change[Record]) jsonRecord {
	return jsonRecord{
		Namespace: c.Namespace, Kind: c.Entity.Kind, ID: c.Entity.ID,
		Change: string(c.ChangeType), Timestamp: formatTime(c.Timestamp), Body: json.RawMessage(c.Entity.Body),
	}
}
