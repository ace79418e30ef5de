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

// loadPresize is the most records a pass of Load makes room for at once,
// and the most subjects Namespaces' map does, from the count of messages
// the first message says are left.
const loadPresize = 1 << 20

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

// Scan yields what Load returns, in the same (kind, id) order, in memory
// bounded by the spill threshold (see [WithSpillThreshold]) rather than by
// the size of the namespace.
//
// A stream keeps its messages in the order they were published, not by
// key: the latest change of the identity that sorts first may be the
// stream's last message, so nothing can be yielded before the namespace
// has been read. Scan reads it once, through one consumer, as Load does,
// and hands the records to a [backend.Sorter]: within the threshold it
// sorts them in memory and yields them, in about Load's time; beyond it,
// it writes them as sorted runs to a temporary file (see [WithTempDir]),
// removed when the scan ends, and yields a merge of the runs. Memory is
// thus about the threshold plus 32 KiB per run; the consumer is deleted
// before the first record is yielded, so no server resource is held while
// the loop body runs. The pass sees the stream as Load does.
func (d *driver) Scan(ctx context.Context, namespace string) iter.Seq2[backend.Record, error] {
	return func(yield func(backend.Record, error) bool) {
		// The stream holds one message per subject: of two read for an
		// identity, which a republication during the read causes, the
		// later is the newer.
		s := backend.NewSorter(d.tempDir, d.spillThreshold, nil)
		defer s.Close()
		err := d.consume(ctx, namespaceFilter(d.prefix, namespace), false, 0, func(m jetstream.Msg, _ *jetstream.MsgMetadata) error {
			if isMarker(d.prefix, m.Subject()) {
				return nil
			}
			return s.Add(readRecord(d.prefix, m.Subject(), m.Headers(), m.Data()))
		})
		if err != nil {
			yield(backend.Record{}, err)
			return
		}
		if s.Spilled() && spilledScan != nil {
			spilledScan()
		}
		for r, err := range s.All() {
			if err == nil {
				err = cmp.Or(ctx.Err(), d.closed())
			}
			if err != nil {
				yield(backend.Record{}, err)
				return
			}
			if !yield(r, nil) {
				return
			}
		}
	}
}

// spilledScan, when set, is called when a Scan has written runs to its
// temporary file, for the test that each way is taken.
var spilledScan func()

// Namespaces returns every namespace of the stream that holds at least one
// change, sorted by name bytewise, with its counts of sets and tombstones.
// It reads the headers of every message of the stream in one pass, so its
// time grows with the stream, and holds each subject once, so its memory
// does too. A message whose subject or headers do not decode is left out
// of the counts and named in an error wrapping [unionstore.ErrDecode],
// returned with the counts of the others.
func (d *driver) Namespaces(ctx context.Context) ([]unionstore.NamespaceStat, error) {
	// The latest change type of each subject: a subject republished
	// during the pass comes twice, the newer last. The first message
	// sizes the map for the messages left after it, as a pass of Load is
	// sized, so that a large stream is not rehashed as the map grows.
	var types map[string]unionstore.ChangeType
	err := d.consume(ctx, d.prefix+".>", true, 0, func(m jetstream.Msg, md *jetstream.MsgMetadata) error {
		if types == nil {
			types = make(map[string]unionstore.ChangeType, min(md.NumPending+1, loadPresize))
		}
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
