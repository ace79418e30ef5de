package natsstore

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"
	"sort"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// scanPage is the number of records Scan reads ahead of the loop when it
// reads them by point reads.
const scanPage = 256

// scanBudget is the most payload bytes of a namespace that Scan reads in
// one pass and holds, as Load does, rather than reading each record by a
// point read.
var scanBudget int64 = 16 << 20

// Load reads namespace's messages in one pass of one consumer, then sorts
// them: its memory and time grow with the namespace. The pass sees the
// stream as it is when the pass starts, and maybe changes saved during
// it; each identity is returned once, with the last message read for it.
func (d *driver) Load(ctx context.Context, namespace string) ([]backend.Record, error) {
	p := pass{presize: loadPresize}
	err := d.consume(ctx, namespaceFilter(d.prefix, namespace), false, 0, func(m jetstream.Msg, md *jetstream.MsgMetadata) error {
		return p.add(d.prefix, m, md)
	})
	if err != nil {
		return nil, err
	}
	return p.latest(), nil
}

// pass is what a read through a consumer collected: the records of the
// messages in stream order, with their sequences, which sort.Sort keeps
// together.
type pass struct {
	recs    []backend.Record
	seqs    []uint64
	presize int // the most records the first message makes room for
}

// loadPresize and scanPresize are the most records a pass of Load and
// of Scan make room for at once, from the count of messages the pass's
// first message says are left: Scan's pass may have to drop what it
// holds, and holds at most its budget.
const (
	loadPresize = 1 << 20
	scanPresize = 1 << 14
)

// add collects the record of m, whose metadata is md, unless m is a floor
// marker. The first message sizes the pass for the messages left after
// it, so that a large namespace is not copied as the pass grows.
func (p *pass) add(prefix string, m jetstream.Msg, md *jetstream.MsgMetadata) error {
	if p.recs == nil {
		n := int(min(md.NumPending+1, uint64(p.presize)))
		p.recs, p.seqs = make([]backend.Record, 0, n), make([]uint64, 0, n)
	}
	if isMarker(prefix, m.Subject()) {
		return nil
	}
	p.recs = append(p.recs, readRecord(prefix, m.Subject(), m.Headers(), m.Data()))
	p.seqs = append(p.seqs, md.Sequence.Stream)
	return nil
}

func (p *pass) Len() int { return len(p.recs) }

// Less orders by kind, id, then sequence: the last of each identity's run
// is the newest.
func (p *pass) Less(i, j int) bool {
	a, b := &p.recs[i], &p.recs[j]
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	if a.ID != b.ID {
		return a.ID < b.ID
	}
	return p.seqs[i] < p.seqs[j]
}

func (p *pass) Swap(i, j int) {
	p.recs[i], p.recs[j] = p.recs[j], p.recs[i]
	p.seqs[i], p.seqs[j] = p.seqs[j], p.seqs[i]
}

// latest sorts the records and returns the last read of each identity, in
// the order of Scan; it reuses the records' array.
func (p *pass) latest() []backend.Record {
	sort.Sort(p)
	out := p.recs[:0]
	for i := range p.recs {
		if i+1 < len(p.recs) && p.recs[i].Kind == p.recs[i+1].Kind && p.recs[i].ID == p.recs[i+1].ID {
			continue
		}
		out = append(out, p.recs[i])
	}
	return out
}

// Get is one direct get of the subject's last message, which any replica
// of the stream may answer. An identity whose subject would exceed the
// store's limit cannot be stored, and Get finds nothing for it without
// asking.
func (d *driver) Get(ctx context.Context, namespace, kind, id string) (backend.Record, bool, error) {
	if namespace == "" || id == "" || subjectLen(d.prefix, namespace, kind, id) > maxSubject {
		return backend.Record{}, false, nil
	}
	msgs, err := d.lastMsgs(ctx, []string{subject(d.prefix, namespace, kind, id)})
	if err != nil {
		return backend.Record{}, false, err
	}
	m := msgs[0]
	if m == nil {
		return backend.Record{}, false, nil
	}
	return readRecord(d.prefix, m.Subject, m.Header, m.Data), true, nil
}

// Scan holds the namespace's keys but not more than a fixed budget of its
// records. It reads the namespace in one consumer pass, as Load does, and
// keeps the records while their bodies add up to at most 16 MiB: then it
// sorts and yields them, in about Load's time. Beyond, it drops them and
// keeps the subjects only, sorts the subjects' tokens, which compare as
// the keys they encode, and reads the latest message of each subject in
// order, up to 256 ahead of the loop, 32 point reads in flight. No server
// resource is held while the loop body runs.
//
// Within the budget the pass sees the stream as Load does. Beyond it, an
// identity saved after the pass began may be missed, and one saved during
// the point reads is seen at its latest.
func (d *driver) Scan(ctx context.Context, namespace string) iter.Seq2[backend.Record, error] {
	return func(yield func(backend.Record, error) bool) {
		var (
			// The subjects' kind and id tokens; a subject that does not
			// split into tokens is kept whole, and reported when it is
			// read.
			keys  []scanKey
			p     = pass{presize: scanPresize}
			bytes int64
		)
		budget := scanBudget
		err := d.consume(ctx, namespaceFilter(d.prefix, namespace), false, 0, func(m jetstream.Msg, md *jetstream.MsgMetadata) error {
			if isMarker(d.prefix, m.Subject()) {
				return nil
			}
			if _, kind, id, err := subjectTokens(d.prefix, m.Subject()); err != nil {
				keys = append(keys, scanKey{raw: m.Subject()})
			} else {
				keys = append(keys, scanKey{kind: kind, id: id})
			}
			if bytes > budget {
				return nil
			}
			if bytes += int64(len(m.Data())); bytes > budget {
				// The point reads read every record again.
				p = pass{}
				return nil
			}
			return p.add(d.prefix, m, md)
		})
		if err != nil {
			yield(backend.Record{}, err)
			return
		}
		if bytes <= budget {
			for _, r := range p.latest() {
				if !yield(r, nil) {
					return
				}
			}
			return
		}
		d.scanByPointReads(ctx, namespace, keys, yield)
	}
}

// scanByPointReads yields the latest record of each of keys, sorted, by
// point reads; a read error ends it, yielded as the last pair.
func (d *driver) scanByPointReads(ctx context.Context, namespace string, keys []scanKey, yield func(backend.Record, error) bool) {
	if pointReadScan != nil {
		pointReadScan()
	}
	// Tokens compare as the keys they encode.
	slices.SortFunc(keys, func(a, b scanKey) int {
		return cmp.Or(strings.Compare(a.kind, b.kind), strings.Compare(a.id, b.id), strings.Compare(a.raw, b.raw))
	})
	keys = slices.Compact(keys)
	base := namespaceFilter(d.prefix, namespace)
	base = base[:len(base)-1] // without the final ">"
	subjects := make([]string, 0, scanPage)
	for start := 0; start < len(keys); start += scanPage {
		if err := cmp.Or(ctx.Err(), d.closed()); err != nil {
			yield(backend.Record{}, err)
			return
		}
		subjects = subjects[:0]
		for _, k := range keys[start:min(start+scanPage, len(keys))] {
			if k.raw != "" {
				subjects = append(subjects, k.raw)
			} else {
				subjects = append(subjects, base+k.kind+"."+k.id)
			}
		}
		msgs, err := d.lastMsgs(ctx, subjects)
		if err != nil {
			yield(backend.Record{}, err)
			return
		}
		for _, m := range msgs {
			if m == nil {
				continue // removed since the pass
			}
			if !yield(readRecord(d.prefix, m.Subject, m.Header, m.Data), nil) {
				return
			}
		}
	}
}

// pointReadScan, when set, is called when a Scan turns to point reads,
// for the test that each way is taken.
var pointReadScan func()

// scanKey is a subject that Scan reads: its kind and id tokens, or the
// whole subject when it does not split into tokens.
type scanKey struct{ kind, id, raw string }

// Namespaces returns every namespace of the stream that holds at least one
// change, sorted by name bytewise, with its counts of sets and tombstones.
// It reads the headers of every message of the stream in one pass, so its
// time grows with the stream, and holds each subject once, so its memory
// does too. A message whose subject or headers do not decode is left out
// of the counts and named in an error wrapping [unionstore.ErrDecode],
// returned with the counts of the others.
func (d *driver) Namespaces(ctx context.Context) ([]unionstore.NamespaceStat, error) {
	// The latest change type of each subject: a subject republished
	// during the pass comes twice, the newer last.
	types := map[string]unionstore.ChangeType{}
	err := d.consume(ctx, d.prefix+".>", true, 0, func(m jetstream.Msg, _ *jetstream.MsgMetadata) error {
		if isMarker(d.prefix, m.Subject()) {
			return nil
		}
		ct, _, err := recordStamp(m.Headers())
		if err != nil {
			ct = ""
		}
		types[m.Subject()] = ct
		return nil
	})
	if err != nil {
		return nil, err
	}
	var bad unionstore.DecodeErrors
	stats := map[string]*unionstore.NamespaceStat{}
	for subj, ct := range types {
		ns, kind, id, err := parseSubject(d.prefix, subj)
		if err != nil {
			bad.Add(&unionstore.DecodeError{ID: subj, Err: err})
			continue
		}
		if !ct.Valid() {
			bad.Add(&unionstore.DecodeError{Namespace: ns, Kind: kind, ID: id, Err: fmt.Errorf("header %s missing or unknown", changeHeader)})
			continue
		}
		st := stats[ns]
		if st == nil {
			st = &unionstore.NamespaceStat{Namespace: ns}
			stats[ns] = st
		}
		if ct == unionstore.ChangeTypeSet {
			st.Entities++
		} else {
			st.Tombstones++
		}
	}
	out := make([]unionstore.NamespaceStat, 0, len(stats))
	for _, st := range stats {
		out = append(out, *st)
	}
	slices.SortFunc(out, func(a, b unionstore.NamespaceStat) int { return strings.Compare(a.Namespace, b.Namespace) })
	return out, bad.Err()
}
