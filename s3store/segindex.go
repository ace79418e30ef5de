package s3store

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math"
	"sort"
)

// A version-2 segment ends with an index, so that a Get reads one block of
// a segment, or none, rather than the segment up to the identity: the
// segment's namespace, as in its header, the offset and first key of each
// records block, and a Bloom filter of the segment's identities. The index
// follows the end block, framed like every block, and a trailer of fixed
// size at the object's end gives its offset:
//
//	index   = 'i' uvarint(len) namespace uvarint(blocks) entry×blocks
//	          uvarint(end block's offset delta) uvarint(hashes) uvarint(len) filter
//	entry   = uvarint(offset delta) uvarint(len) kind uvarint(len) id
//	trailer = offset(uint64 BE) crc32c(uint32 BE, of the offset) "usix"
//
// Offsets count from the object's first byte; each is written as its
// distance from the previous one (the first from 0).
const (
	trailerMagic = "usix"
	trailerLen   = 16 // offset, checksum, magic

	// bloomBitsPerKey sizes the filter: with 7 hashes, about 1% of the
	// identities a segment does not hold pass it.
	bloomBitsPerKey = 10
	// maxBloomBytes bounds the filter of a large segment, whose rate of
	// false positives then grows past about 1.7 million records.
	maxBloomBytes  = 2 << 20
	maxBloomHashes = 16

	// maxIndexEntries bounds the entries of an index: a segment whose
	// blocks' first keys take more (keys of many kilobytes) gets an index
	// of no blocks, and Get reads it as a version-1 segment.
	maxIndexEntries = 8 << 20
)

// indexWriter builds a segment's index as its writer adds records.
type indexWriter struct {
	namespace string
	entries   []byte
	blocks    uint64
	last      int      // offset of the last block added
	hashes    []uint64 // keyHash of every record
}

// addBlock notes a records block that will be written at offset at and
// begin with r.
func (x *indexWriter) addBlock(at int, r *record) {
	x.entries = binary.AppendUvarint(x.entries, uint64(at-x.last))
	x.entries = binary.AppendUvarint(x.entries, uint64(len(r.kind)))
	x.entries = append(x.entries, r.kind...)
	x.entries = binary.AppendUvarint(x.entries, uint64(len(r.id)))
	x.entries = append(x.entries, r.id...)
	x.last = at
	x.blocks++
}

// addKey notes r's identity for the filter.
func (x *indexWriter) addKey(r *record) { x.hashes = append(x.hashes, keyHash(r.kind, r.id)) }

// finish returns the index block's payload, for a segment whose end block
// is at offset end.
func (x *indexWriter) finish(end int) []byte {
	if len(x.entries) > maxIndexEntries {
		x.entries, x.blocks, x.last, x.hashes = nil, 0, 0, nil
	}
	hashes, filter := newBloom(x.hashes)
	p := make([]byte, 0, 1+5*binary.MaxVarintLen64+len(x.namespace)+len(x.entries)+len(filter))
	p = append(p, blockIndex)
	p = binary.AppendUvarint(p, uint64(len(x.namespace)))
	p = append(p, x.namespace...)
	p = binary.AppendUvarint(p, x.blocks)
	p = append(p, x.entries...)
	p = binary.AppendUvarint(p, uint64(end-x.last))
	p = binary.AppendUvarint(p, uint64(hashes))
	p = binary.AppendUvarint(p, uint64(len(filter)))
	return append(p, filter...)
}

// appendTrailer appends the trailer of a segment whose index is at offset
// at.
func appendTrailer(b []byte, at int) []byte {
	var o [8]byte
	binary.BigEndian.PutUint64(o[:], uint64(at))
	b = append(b, o[:]...)
	b = binary.BigEndian.AppendUint32(b, crc32.Checksum(o[:], castagnoli))
	return append(b, trailerMagic...)
}

// parseTrailer returns the offset of the index that t, the last trailerLen
// bytes of object key of size bytes, gives. ok is false when t is not a
// trailer, as at the end of a version-1 segment, whose last bytes never
// spell the trailer's magic: they end an end block ('e' and a uvarint).
func parseTrailer(key string, t []byte, size int64) (at int64, ok bool, err error) {
	if len(t) != trailerLen || string(t[12:]) != trailerMagic {
		return 0, false, nil
	}
	if crc32.Checksum(t[:8], castagnoli) != binary.BigEndian.Uint32(t[8:12]) {
		return 0, false, corruptf(key, "checksum mismatch in the trailer")
	}
	u := binary.BigEndian.Uint64(t[:8])
	// The smallest index block takes 8+6 bytes.
	if u < uint64(len(segmentMagic)) || u > uint64(size)-trailerLen-14 || size < trailerLen+14 {
		return 0, false, corruptf(key, "trailer gives the index offset %d in an object of %d bytes", u, size)
	}
	return int64(u), true, nil
}

// segmentIndex is a decoded index. Its keys point into the payload it was
// decoded from.
type segmentIndex struct {
	namespace []byte
	starts    []int64    // the offset of each records block, then the end block's
	first     []blockKey // the first key of each records block
	hashes    int
	filter    []byte
	bytes     int // the payload's size
}

// blockKey is the first key of a records block.
type blockKey struct{ kind, id []byte }

// indexDecoder reads the fields of an index block's payload p from pos;
// off is the offset the block offsets read so far add up to, which must
// stay before at, the index block's own offset.
type indexDecoder struct {
	p       []byte
	pos     int
	off, at int64
}

// uvarint reads a uvarint, and reports whether there was one.
func (d *indexDecoder) uvarint() (uint64, bool) {
	n, m := binary.Uvarint(d.p[d.pos:])
	if m <= 0 {
		return 0, false
	}
	d.pos += m
	return n, true
}

// field reads a uvarint length and that many bytes.
func (d *indexDecoder) field() ([]byte, bool) {
	n, ok := d.uvarint()
	if !ok || n > uint64(len(d.p)-d.pos) {
		return nil, false
	}
	b := d.p[d.pos : d.pos+int(n)]
	d.pos += int(n)
	return b, true
}

// span moves off by the uvarint delta that follows, which must leave room
// for a block of at least min bytes before it and keep off before the
// index.
func (d *indexDecoder) span(min int64) bool {
	delta, ok := d.uvarint()
	if !ok || delta < uint64(min) || delta > maxBlock+8 || d.off+int64(delta) >= d.at {
		return false
	}
	d.off += int64(delta)
	return true
}

// blockKey reads the first key of a block, which must sort after prev,
// the key of the block before, when there is one.
func (d *indexDecoder) blockKey(prev *blockKey) (blockKey, string) {
	var k blockKey
	var ok1, ok2 bool
	k.kind, ok1 = d.field()
	k.id, ok2 = d.field()
	if !ok1 || !ok2 || len(k.id) == 0 {
		return k, "block key"
	}
	if prev != nil {
		if c := bytes.Compare(prev.kind, k.kind); c > 0 || c == 0 && bytes.Compare(prev.id, k.id) >= 0 {
			return k, "block keys out of order"
		}
	}
	return k, ""
}

// minBlock is the fewest bytes a block takes: its length, checksum and
// type.
const minBlock = 9

// blocks reads the offsets and first keys of n records blocks into ix,
// and returns what is wrong with them, or "".
func (d *indexDecoder) blocks(ix *segmentIndex, n uint64) string {
	for i := range n {
		// The first records block follows the magic and a header block.
		min, prev := int64(minBlock), (*blockKey)(nil)
		if i == 0 {
			min += int64(len(segmentMagic))
		} else {
			prev = &ix.first[i-1]
		}
		if !d.span(min) {
			return "block offset"
		}
		k, fault := d.blockKey(prev)
		if fault != "" {
			return fault
		}
		ix.starts = append(ix.starts, d.off)
		ix.first = append(ix.first, k)
	}
	return ""
}

// decodeIndex decodes p, the payload of the index block at offset at, and
// checks that its offsets and keys are in order and its filter well
// formed.
func decodeIndex(key string, p []byte, at int64) (*segmentIndex, error) {
	bad := func(what string) error { return corruptf(key, "bad index: %s", what) }
	if len(p) == 0 || p[0] != blockIndex {
		return nil, bad("not an index block")
	}
	d := &indexDecoder{p: p, pos: 1, at: at}
	namespace, ok := d.field()
	if !ok {
		return nil, bad("namespace")
	}
	n, ok := d.uvarint()
	if !ok || n > uint64(len(p)) { // an entry takes at least 3 bytes
		return nil, bad("block count")
	}
	ix := &segmentIndex{namespace: namespace, starts: make([]int64, 0, n+1), first: make([]blockKey, 0, n), bytes: len(p)}
	if fault := d.blocks(ix, n); fault != "" {
		return nil, bad(fault)
	}
	if !d.span(minBlock) || n == 0 && d.off < int64(len(segmentMagic))+minBlock {
		return nil, bad("end block offset")
	}
	ix.starts = append(ix.starts, d.off)
	h, ok := d.uvarint()
	if !ok || h > maxBloomHashes {
		return nil, bad("filter hashes")
	}
	ix.hashes = int(h)
	if ix.filter, ok = d.field(); !ok || (len(ix.filter) == 0) != (h == 0) {
		return nil, bad("filter")
	}
	if d.pos != len(p) {
		return nil, bad("stray bytes")
	}
	return ix, nil
}

// blockFor returns the block that holds target if the segment does, or -1
// when the segment cannot hold it: the filter rules it out, or it sorts
// before the first block. h is target's keyHash.
func (ix *segmentIndex) blockFor(target *record, h uint64) int {
	if !bloomHas(ix.filter, ix.hashes, h) {
		return -1
	}
	return sort.Search(len(ix.first), func(i int) bool {
		k := ix.first[i]
		c := bytes.Compare(k.kind, target.kind)
		return c > 0 || c == 0 && bytes.Compare(k.id, target.id) > 0
	}) - 1
}

// keyHash hashes an identity for the filters: FNV-1a over the kind, a NUL
// (which neither holds) and the id, then a finalizer that spreads FNV's
// weak high bits, since the filter's probes use both halves.
func keyHash(kind, id []byte) uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	for _, c := range kind {
		h = (h ^ uint64(c)) * prime
	}
	h *= prime // the NUL: h ^ 0 is h
	for _, c := range id {
		h = (h ^ uint64(c)) * prime
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	return h ^ h>>33
}

// newBloom returns a filter of hashes, bloomBitsPerKey bits for each up to
// maxBloomBytes, and the number of probes it takes per key. No hashes
// make an empty filter.
func newBloom(hashes []uint64) (int, []byte) {
	if len(hashes) == 0 {
		return 0, nil
	}
	filter := make([]byte, min((len(hashes)*bloomBitsPerKey+7)/8, maxBloomBytes))
	bits := float64(len(filter) * 8)
	k := min(max(int(math.Round(bits/float64(len(hashes))*math.Ln2)), 1), maxBloomHashes)
	m := uint64(len(filter) * 8)
	for _, h := range hashes {
		for i := range uint64(k) {
			b := bloomBit(h, i, m)
			filter[b/8] |= 1 << (b % 8)
		}
	}
	return k, filter
}

// bloomBit returns the bit that probe i of the key of hash h sets in a
// filter of m bits: (a + i·b) mod m, a the hash's low 32 bits and b its
// high 32 bits with the lowest set (see the layout in doc.go).
func bloomBit(h, i, m uint64) uint64 {
	return (h&math.MaxUint32 + i*(h>>32|1)) % m
}

// bloomHas reports whether filter, probed k times per key, may hold the
// key of hash h. An empty filter may hold any key.
func bloomHas(filter []byte, k int, h uint64) bool {
	if len(filter) == 0 {
		return true
	}
	m := uint64(len(filter) * 8)
	for i := range uint64(k) {
		if b := bloomBit(h, i, m); filter[b/8]&(1<<(b%8)) == 0 {
			return false
		}
	}
	return true
}
