package s3store

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"unicode/utf8"
)

// The segment format, version 2; doc.go describes it for users. Version 1
// is version 2 without the index block and the trailer.
const (
	// segmentVersion is the version a store writes unless
	// WithSegmentVersion says 1.
	segmentVersion = 2

	segmentPrefix = "uss3seg"                                    // the magic's 7 bytes
	segmentMagic  = segmentPrefix + string(rune(segmentVersion)) // then the version

	blockHeader = 'h'
	blockRecord = 'r'
	blockEnd    = 'e'
	blockIndex  = 'i' // version 2

	changeSet   = 1
	changeUnset = 2

	// blockTarget is the size at which the writer closes a block of records.
	blockTarget = 64 << 10

	// MaxRecordBytes bounds a record: its kind, id and encoded entity
	// together. It bounds the memory a reader needs for one block, whatever
	// bytes it is given.
	MaxRecordBytes = 16 << 20

	// maxBlock bounds a block's payload: one record that reaches the limit
	// with its framing and the origin it needs, or a header with the
	// longest namespace a key can hold.
	maxBlock = MaxRecordBytes + 128
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// record is one change as a segment stores it. The byte slices of a record
// read from a segment belong to the reader and change at its next call.
type record struct {
	kind, id   []byte
	changeType byte
	ts         int64 // Unix nanoseconds
	origin     origin
	payload    []byte
}

// newer reports whether r wins over o: a later timestamp, or the same
// timestamp from a later origin.
func (r *record) newer(o *record) bool {
	if r.ts != o.ts {
		return r.ts > o.ts
	}
	return bytes.Compare(r.origin[:], o.origin[:]) > 0
}

// compareRecordKeys orders records by kind, then id, bytewise.
func compareRecordKeys(a, b *record) int {
	if c := bytes.Compare(a.kind, b.kind); c != 0 {
		return c
	}
	return bytes.Compare(a.id, b.id)
}

// segmentWriter encodes a segment in memory. Records must be added sorted
// by (kind, id), each identity once.
type segmentWriter struct {
	out     []byte
	recs    []byte // records of the open block
	origins []origin
	index   map[origin]uint64 // position of each origin in origins
	count   uint64
	version byte
	blocks  indexWriter // version 2
}

// newSegmentWriter returns the writer of a segment of namespace in format
// version, 1 or 2: a version-1 segment has no index and no trailer.
func newSegmentWriter(namespace string, version byte) *segmentWriter {
	out := append(make([]byte, 0, 4096), segmentPrefix...)
	w := &segmentWriter{out: append(out, version), index: map[origin]uint64{}, version: version}
	w.blocks.namespace = namespace
	h := append([]byte{blockHeader}, binary.AppendUvarint(nil, uint64(len(namespace)))...)
	w.writeBlock(append(h, namespace...))
	return w
}

// writeBlock frames payload: its length, its CRC-32C, the payload.
func (w *segmentWriter) writeBlock(payload []byte) {
	w.out = binary.BigEndian.AppendUint32(w.out, uint32(len(payload)))
	w.out = binary.BigEndian.AppendUint32(w.out, crc32.Checksum(payload, castagnoli))
	w.out = append(w.out, payload...)
}

// add appends r. Its bytes are copied.
func (w *segmentWriter) add(r *record) {
	i, ok := w.index[r.origin]
	if !ok {
		i = uint64(len(w.origins))
		w.origins = append(w.origins, r.origin)
		w.index[r.origin] = i
	}
	if w.version >= 2 {
		if len(w.recs) == 0 {
			// The open block is written next, where the output ends now.
			w.blocks.addBlock(len(w.out), r)
		}
		w.blocks.addKey(r)
	}
	b := w.recs
	b = binary.AppendUvarint(b, uint64(len(r.kind)))
	b = append(b, r.kind...)
	b = binary.AppendUvarint(b, uint64(len(r.id)))
	b = append(b, r.id...)
	b = append(b, r.changeType)
	b = binary.BigEndian.AppendUint64(b, uint64(r.ts))
	b = binary.AppendUvarint(b, i)
	b = binary.AppendUvarint(b, uint64(len(r.payload)))
	b = append(b, r.payload...)
	w.recs = b
	w.count++
	if len(w.recs) >= blockTarget {
		w.flush()
	}
}

// flush closes the open block: its origin table, then its records.
func (w *segmentWriter) flush() {
	if len(w.recs) == 0 {
		return
	}
	p := binary.AppendUvarint([]byte{blockRecord}, uint64(len(w.origins)))
	p = slicesGrow(p, len(w.origins)*len(origin{})+len(w.recs))
	for _, o := range w.origins {
		p = append(p, o[:]...)
	}
	w.writeBlock(append(p, w.recs...))
	w.recs = w.recs[:0]
	w.origins = w.origins[:0]
	clear(w.index)
}

// finish returns the encoded segment.
func (w *segmentWriter) finish() []byte {
	w.flush()
	end := len(w.out)
	w.writeBlock(binary.AppendUvarint([]byte{blockEnd}, w.count))
	if w.version < 2 {
		return w.out
	}
	at := len(w.out)
	w.writeBlock(w.blocks.finish(end))
	w.out = appendTrailer(w.out, at)
	return w.out
}

func slicesGrow(b []byte, n int) []byte {
	if cap(b)-len(b) < n {
		nb := make([]byte, len(b), len(b)+n)
		copy(nb, b)
		return nb
	}
	return b
}

// segmentReader decodes a segment as a stream, one block in memory at a
// time, checking every block's checksum before using it.
type segmentReader struct {
	key       string // the object's key, for errors
	namespace string
	r         *bufio.Reader
	closer    io.Closer

	version byte
	off     int64  // bytes read from the object so far
	block   []byte // payload of the current records block
	pos     int    // next record in block
	origins []origin
	count   uint64 // records read
	done    bool

	rec      record // the current record
	prevKind []byte // the previous record's key, to check the order
	prevID   []byte
	started  bool

	heapIndex int // position in a merger's heap
}

// openSegment reads the magic and the header of the segment in body, which
// must be stored for namespace. The reader closes body when it is closed.
func openSegment(key, namespace string, body io.ReadCloser) (*segmentReader, error) {
	sr := &segmentReader{key: key, namespace: namespace, r: bufio.NewReaderSize(body, 32<<10), closer: body}
	magic := make([]byte, len(segmentMagic))
	if _, err := io.ReadFull(sr.r, magic); err != nil {
		sr.close()
		return nil, sr.readError(err)
	}
	switch {
	case string(magic[:7]) != segmentPrefix:
		sr.close()
		return nil, sr.corrupt("not a segment: magic %q", magic[:7])
	case magic[7] != 1 && magic[7] != segmentVersion:
		sr.close()
		return nil, sr.corrupt("format version %d, this package reads versions 1 to %d", magic[7], segmentVersion)
	}
	sr.version, sr.off = magic[7], int64(len(magic))
	p, err := sr.readBlock()
	if err == nil && p[0] != blockHeader {
		err = sr.corrupt("first block has type %q, want a header", p[0])
	}
	if err == nil {
		n, m := binary.Uvarint(p[1:])
		switch {
		case m <= 0 || n > uint64(len(p)-1-m):
			err = sr.corrupt("bad namespace length in header")
		case string(p[1+m:1+m+int(n)]) != namespace:
			err = sr.corrupt("holds namespace %q, not %q", p[1+m:1+m+int(n)], namespace)
		case 1+m+int(n) != len(p):
			err = sr.corrupt("%d stray bytes after the header", len(p)-1-m-int(n))
		}
	}
	if err != nil {
		sr.close()
		return nil, err
	}
	sr.block = sr.block[:0] // no records read yet
	return sr, nil
}

func (sr *segmentReader) corrupt(format string, args ...any) error {
	return corruptf(sr.key, format, args...)
}

// corruptf returns an error wrapping [ErrCorrupt] that names the object
// key and says what is wrong with it.
func corruptf(key, format string, args ...any) error {
	return fmt.Errorf("%w %s: %s", ErrCorrupt, key, fmt.Sprintf(format, args...))
}

// readError names the object in err; a segment that ends early is corrupt.
func (sr *segmentReader) readError(err error) error {
	return readError(sr.key, err)
}

// readError names object key in err; an object that ends early is a
// corrupt segment.
func readError(key string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return corruptf(key, "truncated")
	}
	return fmt.Errorf("read %s: %w", key, err)
}

// readBlock returns the next block's payload, checked and non-empty. The
// payload is valid until the next call.
func (sr *segmentReader) readBlock() ([]byte, error) {
	var h [8]byte
	if _, err := io.ReadFull(sr.r, h[:]); err != nil {
		return nil, sr.readError(err)
	}
	n := binary.BigEndian.Uint32(h[:4])
	if n == 0 || n > maxBlock {
		return nil, sr.corrupt("block of %d bytes", n)
	}
	if cap(sr.block) < int(n) {
		sr.block = make([]byte, n)
	}
	p := sr.block[:n]
	if _, err := io.ReadFull(sr.r, p); err != nil {
		return nil, sr.readError(err)
	}
	if crc32.Checksum(p, castagnoli) != binary.BigEndian.Uint32(h[4:]) {
		return nil, sr.corrupt("checksum mismatch in a block of %d bytes", n)
	}
	sr.off += int64(len(h)) + int64(n)
	return p, nil
}

// next moves to the next record: it returns false at the end of the
// segment, after checking that nothing follows the end block.
func (sr *segmentReader) next() (bool, error) {
	for !sr.done && sr.pos >= len(sr.block) {
		if err := sr.nextBlock(); err != nil {
			return false, err
		}
	}
	if sr.done {
		return false, nil
	}
	if err := sr.decodeRecord(); err != nil {
		return false, err
	}
	return true, nil
}

// nextBlock loads the next records block, or checks the end block.
func (sr *segmentReader) nextBlock() error {
	if sr.started {
		// rec points into the block about to be overwritten.
		sr.prevKind = append(sr.prevKind[:0], sr.rec.kind...)
		sr.prevID = append(sr.prevID[:0], sr.rec.id...)
		sr.rec.kind, sr.rec.id = sr.prevKind, sr.prevID
	}
	p, err := sr.readBlock()
	if err != nil {
		return err
	}
	switch p[0] {
	case blockEnd:
		n, m := binary.Uvarint(p[1:])
		switch {
		case m <= 0 || 1+m != len(p):
			return sr.corrupt("bad end block")
		case n != sr.count:
			return sr.corrupt("end block counts %d records, %d read", n, sr.count)
		}
		if sr.version >= 2 {
			if err := sr.checkIndex(sr.off - 8 - int64(len(p))); err != nil {
				return err
			}
		}
		if _, err := sr.r.ReadByte(); err != io.EOF {
			if err != nil {
				return sr.readError(err)
			}
			return sr.corrupt("bytes after the end block")
		}
		sr.done, sr.block, sr.pos = true, nil, 0
		return nil
	case blockRecord:
	default:
		return sr.corrupt("block of unknown type %q", p[0])
	}
	return sr.useBlock(p)
}

// useBlock makes p, the payload of a records block, the current block:
// it reads its origin table and leaves the block at its first record.
func (sr *segmentReader) useBlock(p []byte) error {
	n, m := binary.Uvarint(p[1:])
	if m <= 0 || n == 0 || n > uint64(len(p)-1-m)/uint64(len(origin{})) {
		return sr.corrupt("bad origin table")
	}
	pos := 1 + m
	sr.origins = sr.origins[:0]
	for range n {
		sr.origins = append(sr.origins, origin(p[pos:pos+len(origin{})]))
		pos += len(origin{})
	}
	if pos == len(p) {
		return sr.corrupt("records block without records")
	}
	sr.block, sr.pos = p, pos
	return nil
}

// checkIndex reads what follows the end block of a version-2 segment, at
// offset end: the index block, which must decode and agree on where the
// end block is, and the trailer, which must give the index's offset.
func (sr *segmentReader) checkIndex(end int64) error {
	at := sr.off
	p, err := sr.readBlock()
	if err != nil {
		return err
	}
	if p[0] != blockIndex {
		return sr.corrupt("block of type %q after the end block, want the index", p[0])
	}
	ix, err := decodeIndex(sr.key, p, at)
	if err != nil {
		return err
	}
	if string(ix.namespace) != sr.namespace {
		return sr.corrupt("index holds namespace %q, not %q", ix.namespace, sr.namespace)
	}
	if got := ix.starts[len(ix.starts)-1]; got != end {
		return sr.corrupt("index puts the end block at %d, not %d", got, end)
	}
	var t [trailerLen]byte
	if _, err := io.ReadFull(sr.r, t[:]); err != nil {
		return sr.readError(err)
	}
	got, ok, err := parseTrailer(sr.key, t[:], sr.off+trailerLen)
	switch {
	case err != nil:
		return err
	case !ok:
		return sr.corrupt("no trailer after the index")
	case got != at:
		return sr.corrupt("trailer gives the index offset %d, not %d", got, at)
	}
	return nil
}

// decodeRecord decodes the record at sr.pos and checks it.
func (sr *segmentReader) decodeRecord() error {
	p := sr.block
	pos := sr.pos
	// A closure rather than a function: the compiler inlines it, as it
	// does validChangeType and inOrder, so that no call is added per
	// record.
	field := func() ([]byte, bool) {
		n, m := binary.Uvarint(p[pos:])
		if m <= 0 || n > uint64(len(p)-pos-m) {
			return nil, false
		}
		b := p[pos+m : pos+m+int(n)]
		pos += m + int(n)
		return b, true
	}
	var r record
	var ok bool
	if r.kind, ok = field(); !ok {
		return sr.corrupt("bad kind in record %d", sr.count)
	}
	if r.id, ok = field(); !ok || len(r.id) == 0 {
		return sr.corrupt("bad id in record %d", sr.count)
	}
	if len(p)-pos < 9 {
		return sr.corrupt("record %d truncated", sr.count)
	}
	r.changeType = p[pos]
	if !validChangeType(r.changeType) {
		return sr.corrupt("record %d has change type %d", sr.count, r.changeType)
	}
	r.ts = int64(binary.BigEndian.Uint64(p[pos+1:]))
	pos += 9
	i, m := binary.Uvarint(p[pos:])
	if m <= 0 || i >= uint64(len(sr.origins)) {
		return sr.corrupt("record %d has a bad origin", sr.count)
	}
	r.origin = sr.origins[i]
	pos += m
	if r.payload, ok = field(); !ok {
		return sr.corrupt("bad payload in record %d", sr.count)
	}
	for _, part := range [2][]byte{r.kind, r.id} {
		if !utf8.Valid(part) || bytes.IndexByte(part, 0) >= 0 {
			return sr.corrupt("record %d has a kind or id that is not UTF-8 without NUL: %q", sr.count, part)
		}
	}
	if !sr.inOrder(&r) {
		return sr.corrupt("record %d (%q/%q) out of order", sr.count, r.kind, r.id)
	}
	sr.rec, sr.pos, sr.started = r, pos, true
	sr.count++
	return nil
}

// validChangeType reports whether t is the change type of a record.
func validChangeType(t byte) bool { return t == changeSet || t == changeUnset }

// inOrder reports whether r, the record read after sr.rec, comes after it
// in (kind, id) order, as every record but a segment's first must.
func (sr *segmentReader) inOrder(r *record) bool {
	return !sr.started || compareRecordKeys(&sr.rec, r) < 0
}

func (sr *segmentReader) close() {
	if sr.closer != nil {
		_ = sr.closer.Close()
		sr.closer = nil
	}
}
