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

// runBuffer is the buffer of the temporary file's writer, and of each
// run's reader during a merge.
const runBuffer = 32 << 10

// Runs is a temporary file of sorted runs of records, each run sorted by
// kind then id and holding each identity once: the disk half of
// [Sorter], for a driver that keeps the records it holds in memory its
// own way (a log whose purge records remove identities already spilled).
// The file is made in dir (the system's temporary directory when dir is
// "") when the first run is written, and removed by [Runs.Close]. Runs
// are read back merged, each once in order through a 32 KiB buffer.
//
// A Runs is for one walk, by one goroutine.
type Runs struct {
	dir  string
	file *os.File // nil until the first run is written
	w    *bufio.Writer
	size int64
	runs []run
	buf  []byte
}

// run is where one run stands in the file.
type run struct{ off, n int64 }

// NewRuns returns an empty Runs whose file will be made in dir.
func NewRuns(dir string) *Runs { return &Runs{dir: dir} }

// Len returns the number of runs.
func (rs *Runs) Len() int { return len(rs.runs) }

// Write appends a run of records, which must come sorted by kind then id,
// each identity once.
func (rs *Runs) Write(records iter.Seq[*Record]) error {
	if rs.file == nil {
		f, err := os.CreateTemp(rs.dir, "unionstore-scan-*")
		if err != nil {
			return fmt.Errorf("sorted runs: %w", err)
		}
		rs.file, rs.w = f, bufio.NewWriterSize(f, runBuffer)
	}
	start := rs.size
	for r := range records {
		if err := rs.write(r); err != nil {
			return err
		}
	}
	if err := rs.w.Flush(); err != nil {
		return fmt.Errorf("sorted runs: write %s: %w", rs.file.Name(), err)
	}
	rs.runs = append(rs.runs, run{start, rs.size - start})
	return nil
}

// Merge yields, in (kind, id) order, the latest record of each identity
// across the runs, which are taken in the order they were written: of an
// identity found in several, the record of a later run replaces that of
// an earlier one when replaces(later, earlier) says so (nil: always). An
// error reading the file is its last pair.
func (rs *Runs) Merge(replaces func(r, held Record) bool) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		if err := rs.merge(orLater(replaces), func(r Record) bool { return yield(r, nil) }); err != nil {
			yield(Record{}, err)
		}
	}
}

// Rewrite merges the runs, as Merge does, into one run that leaves out the
// records drop reports true for: the identities whose latest record it
// drops are gone from the runs. The old runs' bytes stay in the file,
// unused, until Close.
func (rs *Runs) Rewrite(replaces func(r, held Record) bool, drop func(*Record) bool) error {
	if len(rs.runs) == 0 {
		return nil
	}
	start := rs.size
	var werr error
	err := rs.merge(orLater(replaces), func(r Record) bool {
		if drop(&r) {
			return true
		}
		werr = rs.write(&r)
		return werr == nil
	})
	if err = cmp.Or(err, werr); err != nil {
		return err
	}
	if err := rs.w.Flush(); err != nil {
		return fmt.Errorf("sorted runs: write %s: %w", rs.file.Name(), err)
	}
	rs.runs = []run{{start, rs.size - start}}
	return nil
}

// Reset forgets every run, as if none had been written; the file stays
// until Close.
func (rs *Runs) Reset() { rs.runs = nil }

// Close removes the file, if one was made.
func (rs *Runs) Close() error {
	if rs.file == nil {
		return nil
	}
	name := rs.file.Name()
	err := errors.Join(rs.file.Close(), os.Remove(name))
	rs.file = nil
	if err != nil {
		return fmt.Errorf("sorted runs: remove %s: %w", name, err)
	}
	return nil
}

// orLater returns replaces, or for nil the rule that the later record
// always replaces the earlier.
func orLater(replaces func(r, held Record) bool) func(r, held Record) bool {
	if replaces == nil {
		return func(Record, Record) bool { return true }
	}
	return replaces
}

// write appends r to the file as
//
//	namespace, kind, id, type, payload, error text
//
// each a uvarint length and its bytes, the error text empty when r.Err is
// nil, with the 8 bytes of the timestamp, big-endian, after the type.
func (rs *Runs) write(r *Record) error {
	b := appendString(rs.buf[:0], r.Namespace)
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
	rs.buf = b
	n, err := rs.w.Write(b)
	rs.size += int64(n)
	if err != nil {
		return fmt.Errorf("sorted runs: write %s: %w", rs.file.Name(), err)
	}
	return nil
}

func appendString(b []byte, v string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(v))), v...)
}

// merge passes to yield, in (kind, id) order, the latest record of each
// identity across the runs: of an identity found in several runs, the
// record of a later run replaces one of an earlier run when replaces says
// so. It stops when yield returns false.
func (rs *Runs) merge(replaces func(r, held Record) bool, yield func(Record) bool) error {
	h := make(runHeap, 0, len(rs.runs))
	for i, rn := range rs.runs {
		rr := &runReader{index: i, size: rn.n, r: bufio.NewReaderSize(io.NewSectionReader(rs.file, rn.off, rn.n), runBuffer)}
		ok, err := rr.next()
		if err != nil {
			return rs.readError(err)
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
			return rs.readError(err)
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
			if replaces(h[0].cur, best) {
				best = h[0].cur
			}
			if err := advance(); err != nil {
				return err
			}
		}
		if !yield(best) {
			return nil
		}
	}
	return nil
}

func (rs *Runs) readError(err error) error {
	return fmt.Errorf("sorted runs: read %s: %w", rs.file.Name(), err)
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
