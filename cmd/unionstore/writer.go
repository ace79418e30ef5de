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
