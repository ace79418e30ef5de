package backend

import (
	"bufio"
	"bytes"
	"cmp"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"slices"
)

// recordOverhead is what a held record costs in memory beside its kind,
// id and payload, for the threshold's reckoning.
const recordOverhead = 128

// runBuffer is the buffer of the temporary file's writer, and of each
// run's reader during the merge.
const runBuffer = 32 << 10

// Sorter is the sort behind the Scan of an engine that keeps a
// namespace's records in the order they were written (a log, a stream)
// rather than by key: the driver reads the namespace once, adding each
// record in the order the engine holds them, and then walks [Sorter.All],
// which yields the latest record of each identity, sorted by kind then id,
// as Scan must.
//
// Its memory is bounded by a threshold rather than by the namespace:
// whenever the records added since the last run exceed it, they are
// sorted, reduced to the latest of each identity and written as a run to
// a temporary file; All then merges the runs, reading each once in order
// through a 32 KiB buffer. Memory is thus about the threshold plus 32 KiB
// per run, and disk at most what was added. A namespace within the
// threshold never touches the disk. [Sorter.Close] removes the file.
//
// Which record of an identity is the latest is decided by replaces: given
// a record r added after held, it reports whether r is the newer. nil
// means that the record added last always is, as in a stream that keeps
// one message per subject; a log that keeps every version passes a rule
// such as [Record.Newer]. A [Damaged] record takes part like any other:
// when it is the latest, All yields it, with an error that carries its
// error's text (but no longer wraps what that error wrapped, once
// spilled).
//
// A Sorter is for one walk, by one goroutine.
type Sorter struct {
	dir       string
	threshold int
	replaces  func(r, held Record) bool

	recs []Record // added since the last run, in the order added
	idx  []int    // the positions of recs, sorted
	held int      // the memory recs holds, by recordOverhead's reckoning

	file *os.File // nil until the first run is written
	w    *bufio.Writer
	size int64
	runs []run
	buf  []byte
}

// run is where one run stands in the temporary file.
type run struct{ off, n int64 }

// NewSorter returns an empty sorter that writes its runs to a temporary
// file in dir (the system's temporary directory when dir is "") once the
// records it holds exceed threshold bytes. replaces may be nil: see
// [Sorter].
func NewSorter(dir string, threshold int, replaces func(r, held Record) bool) *Sorter {
	if replaces == nil {
		replaces = func(Record, Record) bool { return true }
	}
	return &Sorter{dir: dir, threshold: threshold, replaces: replaces}
}

// Add takes r, read after every record added before it. The sorter keeps
// r's strings and payload, which the caller must not change afterwards.
// An error means a run could not be written; the sorter is then of no
// further use.
func (s *Sorter) Add(r Record) error {
	s.recs = append(s.recs, r)
	s.held += recordOverhead + len(r.Kind) + len(r.ID) + len(r.Payload)
	if s.held > s.threshold {
		return s.flush()
	}
	return nil
}

// Spilled reports whether the sorter has written a run.
func (s *Sorter) Spilled() bool { return s.file != nil }

// All yields the latest record of each identity added, sorted by kind then
// id; an error reading the runs back is its last pair. It is called once,
// after the last Add.
func (s *Sorter) All() iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		if s.file == nil {
			s.latest(func(r *Record) bool { return yield(*r, nil) })
			return
		}
		if len(s.recs) > 0 {
			if err := s.flush(); err != nil {
				yield(Record{}, err)
				return
			}
		}
		if err := s.merge(yield); err != nil {
			yield(Record{}, err)
		}
	}
}

// Close removes the temporary file, if one was written.
func (s *Sorter) Close() error {
	if s.file == nil {
		return nil
	}
	name := s.file.Name()
	err := errors.Join(s.file.Close(), os.Remove(name))
	s.file = nil
	if err != nil {
		return fmt.Errorf("sorter: remove %s: %w", name, err)
	}
	return nil
}

func compareKeys(a, b *Record) int {
	return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.ID, b.ID))
}

// latest passes to fn the latest of the records held of each identity,
// sorted by kind then id, until fn returns false.
func (s *Sorter) latest(fn func(*Record) bool) {
	idx := s.idx[:0]
	for i := range s.recs {
		idx = append(idx, i)
	}
	s.idx = idx
	// Records are large: sort their positions, which also keep the
	// records of an identity in the order they were added.
	slices.SortFunc(idx, func(a, b int) int {
		return cmp.Or(compareKeys(&s.recs[a], &s.recs[b]), cmp.Compare(a, b))
	})
	for k := 0; k < len(idx); {
		best := &s.recs[idx[k]]
		for k++; k < len(idx) && compareKeys(&s.recs[idx[k]], best) == 0; k++ {
			if s.replaces(s.recs[idx[k]], *best) {
				best = &s.recs[idx[k]]
			}
		}
		if !fn(best) {
			return
		}
	}
}

// flush writes the latest of the records held as a run, creating the
// temporary file on first use.
func (s *Sorter) flush() error {
	if s.file == nil {
		f, err := os.CreateTemp(s.dir, "unionstore-scan-*")
		if err != nil {
			return fmt.Errorf("sorter: %w", err)
		}
		s.file, s.w = f, bufio.NewWriterSize(f, runBuffer)
	}
	start := s.size
	var err error
	s.latest(func(r *Record) bool {
		err = s.write(r)
		return err == nil
	})
	if err != nil {
		return err
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("sorter: write %s: %w", s.file.Name(), err)
	}
	s.runs = append(s.runs, run{start, s.size - start})
	clear(s.recs)
	s.recs, s.held = s.recs[:0], 0
	return nil
}

// write appends r to the file as
//
//	namespace, kind, id, type, payload, error text
//
// each a uvarint length and its bytes, the error text empty when r.Err is
// nil, with the 8 bytes of the timestamp, big-endian, after the type.
func (s *Sorter) write(r *Record) error {
	b := appendString(s.buf[:0], r.Namespace)
	b = appendString(b, r.Kind)
	b = appendString(b, r.ID)
	b = appendString(b, string(r.Type))
	b = binary.BigEndian.AppendUint64(b, uint64(r.Timestamp))
	b = binary.AppendUvarint(b, uint64(len(r.Payload)))
	b = append(b, r.Payload...)
	if r.Err != nil {
		b = appendString(b, r.Err.Error())
	} else {
		b = binary.AppendUvarint(b, 0)
	}
	s.buf = b
	n, err := s.w.Write(b)
	s.size += int64(n)
	if err != nil {
		return fmt.Errorf("sorter: write %s: %w", s.file.Name(), err)
	}
	return nil
}

func appendString(b []byte, v string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(v))), v...)
}

// merge yields, in (kind, id) order, the latest record of each identity
// across the runs, which were written in the order their records were
// added: of an identity found in several runs, the record of a later run
// replaces one of an earlier run when replaces says so.
func (s *Sorter) merge(yield func(Record, error) bool) error {
	h := make(runHeap, 0, len(s.runs))
	for i, rn := range s.runs {
		rr := &runReader{index: i, size: rn.n, r: bufio.NewReaderSize(io.NewSectionReader(s.file, rn.off, rn.n), runBuffer)}
		ok, err := rr.next()
		if err != nil {
			return s.readError(err)
		}
		if ok {
			h = append(h, rr)
		}
	}
	heap.Init(&h)
	// advance moves the run at the top of the heap to its next record.
	advance := func() error {
		ok, err := h[0].next()
		if err != nil {
			return s.readError(err)
		}
		if ok {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
		return nil
	}
	for h.Len() > 0 {
		// The heap gives an identity's records in the order of their
		// runs.
		best := h[0].cur
		if err := advance(); err != nil {
			return err
		}
		for h.Len() > 0 && compareKeys(&h[0].cur, &best) == 0 {
			if s.replaces(h[0].cur, best) {
				best = h[0].cur
			}
			if err := advance(); err != nil {
				return err
			}
		}
		if !yield(best, nil) {
			return nil
		}
	}
	return nil
}

func (s *Sorter) readError(err error) error {
	return fmt.Errorf("sorter: read %s: %w", s.file.Name(), err)
}

// runReader reads the records of one run in order.
type runReader struct {
	index int
	size  int64 // the run's length in the file
	r     *bufio.Reader
	cur   Record
	buf   []byte
}

// next reads the run's next record into cur, and reports whether there
// was one. The record's strings share one allocation, its namespace
// another unless it is that of the record before, and its payload a
// third.
func (rr *runReader) next() (bool, error) {
	// The namespace, kind, id, type, payload and error text, one after
	// the other in buf, each ending at end[i]; the timestamp after the
	// type.
	var end [6]int
	rr.buf = rr.buf[:0]
	var ts []byte
	for i := range end {
		n, err := binary.ReadUvarint(rr.r)
		switch {
		case i == 0 && errors.Is(err, io.EOF):
			return false, nil
		case err != nil:
			return false, noEOF(err)
		}
		if n > uint64(rr.size) {
			return false, fmt.Errorf("a field of %d bytes in a run of %d: %w", n, rr.size, errRunDamaged)
		}
		start := len(rr.buf)
		rr.buf = slices.Grow(rr.buf, int(n))[:start+int(n)]
		if _, err := io.ReadFull(rr.r, rr.buf[start:]); err != nil {
			return false, noEOF(err)
		}
		end[i] = len(rr.buf)
		if i == 3 {
			rr.buf = slices.Grow(rr.buf, 8)[:end[3]+8]
			if _, err := io.ReadFull(rr.r, rr.buf[end[3]:]); err != nil {
				return false, noEOF(err)
			}
			ts = rr.buf[end[3]:]
		}
	}
	b := rr.buf
	ns := b[:end[0]]
	if string(ns) != rr.cur.Namespace {
		rr.cur.Namespace = string(ns)
	}
	names := string(b[end[0]:end[2]])
	kindLen := end[1] - end[0]
	rr.cur.Kind, rr.cur.ID = names[:kindLen], names[kindLen:]
	rr.cur.Type = TypeOf(b[end[2]:end[3]])
	rr.cur.Timestamp = int64(binary.BigEndian.Uint64(ts))
	rr.cur.Payload = bytes.Clone(b[end[3]+8 : end[4]])
	rr.cur.Err = nil
	if msg := b[end[4]:end[5]]; len(msg) > 0 {
		rr.cur.Err = errors.New(string(msg))
	}
	return true, nil
}

// errRunDamaged is the error of a run that does not read back as it was
// written.
var errRunDamaged = errors.New("damaged run")

// noEOF turns an end of file inside a record into an error of its own.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// runHeap orders runs by their current record's (kind, id), then by run.
type runHeap []*runReader

func (h runHeap) Len() int { return len(h) }
func (h runHeap) Less(i, j int) bool {
	if c := compareKeys(&h[i].cur, &h[j].cur); c != 0 {
		return c < 0
	}
	return h[i].index < h[j].index
}
func (h runHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)   { *h = append(*h, x.(*runReader)) }
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// DefaultSpillThreshold is the threshold of a driver's [Sorter] unless
// the store is configured with another: 16 MiB.
const DefaultSpillThreshold = 16 << 20

// SetSpillThreshold is the body of the option that sets a [Sorter]'s
// threshold: it sets *field to n, or refuses n below 1 KiB with the error
// "spill threshold n: must be at least 1024 bytes".
func SetSpillThreshold(field *int, n int) error {
	if n < 1<<10 {
		return fmt.Errorf("spill threshold %d: must be at least 1024 bytes", n)
	}
	*field = n
	return nil
}

// SetTempDir is the body of the option that names the directory of a
// [Sorter]'s temporary files: it sets *field to dir, or refuses an empty
// dir with the error "empty temporary directory". The directory is not
// checked until a file is made there.
func SetTempDir(field *string, dir string) error {
	if dir == "" {
		return errors.New("empty temporary directory")
	}
	*field = dir
	return nil
}
