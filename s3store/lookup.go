package s3store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// tailBytes is how much of a segment's end Get reads when it does not have
// the segment's index yet: the trailer and, for segments of up to about
// 50,000 records, the whole index. A segment no larger is read whole by
// that one request.
const tailBytes = 64 << 10

// span is bytes of an object that a lookup has read, from offset from.
type span struct {
	from int64
	b    []byte
}

// slice returns the bytes from from to to (exclusive), if s holds them.
func (s span) slice(from, to int64) ([]byte, bool) {
	if from < s.from || to > s.from+int64(len(s.b)) {
		return nil, false
	}
	return s.b[from-s.from : to-s.from], true
}

// fetchFunc returns the bytes from from to to (exclusive) of an object.
type fetchFunc func(from, to int64) ([]byte, error)

// find returns a reader on target's record in seg, or nil when seg does not
// hold target; h is target's keyHash. With the segment's index it reads
// the one block that can hold target, or nothing when the filter rules the
// segment out; it reads a segment without an index (version 1) up to the
// identity. A reader it returns may hold the object's body: close it.
func (d *driver) find(ctx context.Context, namespace string, seg segmentObject, target *record, h uint64) (*segmentReader, error) {
	fetch := func(from, to int64) ([]byte, error) { return d.getRange(ctx, seg.key, from, to) }
	ix, known := d.indexes.get(seg.key)
	var have span
	if !known {
		var err error
		if ix, have, err = readIndex(seg, namespace, fetch); err != nil {
			return nil, err
		}
		d.indexes.add(seg.key, ix)
	}
	if ix == nil {
		return d.findByScan(ctx, namespace, seg, have, target)
	}
	return findIndexed(seg.key, namespace, ix, have, fetch, target, h)
}

// findIndexed returns a reader on target's record in the segment of index
// ix, or nil when the segment does not hold it. It fetches the block that
// can hold target unless have holds it.
func findIndexed(key, namespace string, ix *segmentIndex, have span, fetch fetchFunc, target *record, h uint64) (*segmentReader, error) {
	b := ix.blockFor(target, h)
	if b < 0 {
		return nil, nil
	}
	from, to := ix.starts[b], ix.starts[b+1]
	frame, ok := have.slice(from, to)
	if !ok {
		var err error
		if frame, err = fetch(from, to); err != nil {
			return nil, err
		}
	}
	return seekBlock(key, namespace, from, frame, ix.first[b], target)
}

// readIndex fetches the end of seg (its last tailBytes, or all of it) and
// returns the index it finds there, which must be of namespace, nil for a
// segment without one, and the bytes it fetched. An index longer than that
// end takes a second fetch.
func readIndex(seg segmentObject, namespace string, fetch fetchFunc) (*segmentIndex, span, error) {
	if seg.size < int64(len(segmentMagic))+trailerLen {
		return nil, span{}, nil // too short for an index: the whole read says what is wrong
	}
	// A range from the listed size rather than a suffix (bytes=-N), which
	// some S3-compatible servers (gofakes3 among them) refuse when it is
	// longer than the object, where S3 sends the whole object.
	from := max(0, seg.size-tailBytes)
	tail, err := fetch(from, seg.size)
	if err != nil {
		return nil, span{}, err
	}
	have := span{from, tail}
	if from == 0 && string(tail[:len(segmentMagic)]) != segmentMagic {
		return nil, have, nil // version 1, or not a segment: read whole
	}
	at, ok, err := parseTrailer(seg.key, tail[len(tail)-trailerLen:], seg.size)
	if err != nil || !ok {
		return nil, have, err
	}
	if n := seg.size - trailerLen - at; n > maxBlock+8 {
		return nil, have, corruptf(seg.key, "the trailer gives an index of %d bytes", n)
	}
	frame, ok := have.slice(at, seg.size-trailerLen)
	if !ok {
		if frame, err = fetch(at, seg.size-trailerLen); err != nil {
			return nil, have, err
		}
	}
	p, err := checkFrame(seg.key, at, frame)
	if err != nil {
		return nil, have, err
	}
	// The index keeps slices of its payload: a copy, not the tail.
	ix, err := decodeIndex(seg.key, bytes.Clone(p), at)
	switch {
	case err != nil:
		return nil, have, err
	case string(ix.namespace) != namespace:
		return nil, have, corruptf(seg.key, "index holds namespace %q, not %q", ix.namespace, namespace)
	case len(ix.first) == 0:
		return nil, have, nil
	}
	return ix, have, nil
}

// findByScan reads seg from its start up to target, from have if it holds
// the whole object.
func (d *driver) findByScan(ctx context.Context, namespace string, seg segmentObject, have span, target *record) (*segmentReader, error) {
	var body io.ReadCloser
	if b, ok := have.slice(0, seg.size); ok {
		body = io.NopCloser(bytes.NewReader(b))
	} else {
		out, err := d.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(d.bucket), Key: aws.String(seg.key)})
		if err != nil {
			return nil, getError(seg.key, err)
		}
		body = out.Body
	}
	sr, err := openSegment(seg.key, namespace, body)
	if err != nil {
		return nil, err
	}
	found, err := sr.seek(target)
	if err != nil || !found {
		sr.close()
		return nil, err
	}
	return sr, nil
}

// getRange returns the bytes from from to to (exclusive) of object key,
// with a ranged GET. From a server that ignores the range and sends the
// whole object, it reads past the bytes before from.
func (d *driver) getRange(ctx context.Context, key string, from, to int64) ([]byte, error) {
	out, err := d.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(d.bucket),
		Key:    aws.String(key),
		Range:  aws.String(fmt.Sprintf("bytes=%d-%d", from, to-1)),
	})
	if err != nil {
		return nil, getError(key, err)
	}
	defer out.Body.Close()
	if aws.ToString(out.ContentRange) == "" && from > 0 {
		if _, err := io.CopyN(io.Discard, out.Body, from); err != nil {
			return nil, readError(key, err)
		}
	}
	b := make([]byte, to-from)
	if _, err := io.ReadFull(out.Body, b); err != nil {
		return nil, readError(key, err)
	}
	return b, nil
}

// checkFrame returns the payload of the block framed in b, read at offset
// at of object key, after checking that the frame spans b exactly and
// that the payload matches its checksum.
func checkFrame(key string, at int64, b []byte) ([]byte, error) {
	if len(b) < 9 || int(binary.BigEndian.Uint32(b)) != len(b)-8 {
		return nil, corruptf(key, "the index gives a block of %d bytes at %d, not what is there", len(b), at)
	}
	p := b[8:]
	if crc32.Checksum(p, castagnoli) != binary.BigEndian.Uint32(b[4:]) {
		return nil, corruptf(key, "checksum mismatch in a block of %d bytes at %d", len(p), at)
	}
	return p, nil
}

// seekBlock looks for target in frame, the records block at offset at
// whose first key the index gives as first, and returns a reader on its
// record, or nil if the block does not hold it.
func seekBlock(key, namespace string, at int64, frame []byte, first blockKey, target *record) (*segmentReader, error) {
	p, err := checkFrame(key, at, frame)
	if err != nil {
		return nil, err
	}
	sr := &segmentReader{key: key, namespace: namespace, version: segmentVersion}
	if p[0] != blockRecord {
		return nil, sr.corrupt("the index points to a block of type %q at %d", p[0], at)
	}
	if err := sr.useBlock(p); err != nil {
		return nil, err
	}
	for sr.pos < len(sr.block) {
		if err := sr.decodeRecord(); err != nil {
			return nil, err
		}
		if sr.count == 1 && (!bytes.Equal(sr.rec.kind, first.kind) || !bytes.Equal(sr.rec.id, first.id)) {
			return nil, sr.corrupt("the block at %d begins with %q/%q, the index says %q/%q", at, sr.rec.kind, sr.rec.id, first.kind, first.id)
		}
		switch c := compareRecordKeys(&sr.rec, target); {
		case c == 0:
			return sr, nil
		case c > 0:
			return nil, nil
		}
	}
	return nil, nil
}
