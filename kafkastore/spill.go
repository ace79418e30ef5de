package kafkastore

import (
	"bufio"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// runBuffer is the read buffer of each run during a merge.
const runBuffer = 32 << 10

// spill is the temporary file of a scan: runs of entries, each sorted by
// (kind, id), written one after the other. An entry is written as
//
//	uvarint length, kind, uvarint length, id,
//	8 bytes big-endian timestamp, 1 byte change type,
//	uvarint length, payload
//
// Runs are numbered in the order they were written, which is the order of
// the offsets they were read from.
type spill struct {
	f    *os.File
	w    *bufio.Writer
	size int64
	runs []section
}

type section struct{ off, n int64 }

func newSpill(dir string) (*spill, error) {
	f, err := os.CreateTemp(dir, "kafkastore-scan-*")
	if err != nil {
		return nil, fmt.Errorf("spill: %w", err)
	}
	return &spill{f: f, w: bufio.NewWriterSize(f, runBuffer)}, nil
}

// remove closes and deletes the file.
func (sp *spill) remove() {
	_ = sp.f.Close()
	_ = os.Remove(sp.f.Name())
}

// writeRun appends a run of sorted entries.
func (sp *spill) writeRun(entries []*entry) error {
	start := sp.size
	var buf []byte
	for _, e := range entries {
		var err error
		if buf, err = sp.writeEntry(buf, e); err != nil {
			return err
		}
	}
	if err := sp.w.Flush(); err != nil {
		return fmt.Errorf("spill: write %s: %w", sp.f.Name(), err)
	}
	sp.runs = append(sp.runs, section{start, sp.size - start})
	return nil
}

// writeEntry appends one entry to the file, through buf, which it returns
// for the next call.
func (sp *spill) writeEntry(buf []byte, e *entry) ([]byte, error) {
	buf = binary.AppendUvarint(buf[:0], uint64(len(e.kind)))
	buf = append(buf, e.kind...)
	buf = binary.AppendUvarint(buf, uint64(len(e.id)))
	buf = append(buf, e.id...)
	buf = binary.BigEndian.AppendUint64(buf, uint64(e.ts))
	buf = append(buf, backend.TypeCode(e.t))
	buf = binary.AppendUvarint(buf, uint64(len(e.payload)))
	n1, err := sp.w.Write(buf)
	if err != nil {
		return buf, fmt.Errorf("spill: write %s: %w", sp.f.Name(), err)
	}
	n2, err := sp.w.Write(e.payload)
	if err != nil {
		return buf, fmt.Errorf("spill: write %s: %w", sp.f.Name(), err)
	}
	sp.size += int64(n1 + n2)
	return buf, nil
}

// merge passes to yield, in (kind, id) order, the latest entry of each
// identity across the runs: the later timestamp, or on equal timestamps the
// entry of the later run. It stops when yield returns false, and reports
// whether it went to the end.
func (sp *spill) merge(yield func(*entry) bool) (bool, error) {
	h := make(runHeap, 0, len(sp.runs))
	for i, r := range sp.runs {
		rr := &runReader{index: i, r: bufio.NewReaderSize(io.NewSectionReader(sp.f, r.off, r.n), runBuffer)}
		ok, err := rr.next()
		if err != nil {
			return false, fmt.Errorf("spill: read %s: %w", sp.f.Name(), err)
		}
		if ok {
			h = append(h, rr)
		}
	}
	heap.Init(&h)
	for h.Len() > 0 {
		best := h[0].cur
		bestRun := h[0].index
		// Take every run's entry of this identity, keeping the latest.
		for h.Len() > 0 && h[0].cur.kind == best.kind && h[0].cur.id == best.id {
			rr := h[0]
			if e := rr.cur; e.ts > best.ts || (e.ts == best.ts && rr.index > bestRun) {
				best, bestRun = e, rr.index
			}
			ok, err := rr.next()
			if err != nil {
				return false, fmt.Errorf("spill: read %s: %w", sp.f.Name(), err)
			}
			if ok {
				heap.Fix(&h, 0)
			} else {
				heap.Pop(&h)
			}
		}
		if !yield(best) {
			return false, nil
		}
	}
	return true, nil
}

// runReader reads the entries of one run in order.
type runReader struct {
	index int
	r     *bufio.Reader
	cur   *entry
}

// next reads the run's next entry into cur, and reports whether there was
// one.
func (rr *runReader) next() (bool, error) {
	kind, err := rr.bytes()
	if errors.Is(err, io.EOF) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	id, err := rr.bytes()
	if err != nil {
		return false, noEOF(err)
	}
	var fixed [9]byte
	if _, err := io.ReadFull(rr.r, fixed[:]); err != nil {
		return false, noEOF(err)
	}
	payload, err := rr.bytes()
	if err != nil {
		return false, noEOF(err)
	}
	t := unionstore.ChangeTypeSet
	if fixed[8] == backend.CodeUnset {
		t = unionstore.ChangeTypeUnset
	}
	rr.cur = &entry{kind: string(kind), id: string(id), ts: int64(binary.BigEndian.Uint64(fixed[:8])), t: t, payload: payload}
	return true, nil
}

// bytes reads a uvarint length and that many bytes.
func (rr *runReader) bytes() ([]byte, error) {
	n, err := binary.ReadUvarint(rr.r)
	if err != nil {
		return nil, err
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(rr.r, b); err != nil {
		return nil, noEOF(err)
	}
	return b, nil
}

// noEOF turns an end of file inside an entry into an error of its own.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// runHeap orders runs by their current entry's (kind, id), then by run.
type runHeap []*runReader

func (h runHeap) Len() int { return len(h) }
func (h runHeap) Less(i, j int) bool {
	if c := compareEntries(h[i].cur, h[j].cur); c != 0 {
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
