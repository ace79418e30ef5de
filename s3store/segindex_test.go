package s3store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// memFetch fetches from data, as a ranged GET would, and counts the
// fetches and the bytes they return.
type memFetch struct {
	data         []byte
	calls, bytes int
}

func (m *memFetch) fetch(from, to int64) ([]byte, error) {
	if from < 0 || to > int64(len(m.data)) || from >= to {
		return nil, fmt.Errorf("range %d-%d of %d bytes", from, to, len(m.data))
	}
	m.calls++
	m.bytes += int(to - from)
	return bytes.Clone(m.data[from:to]), nil
}

// lookup finds target in the segment data as Get does with a cold cache:
// reads its index, then the block that can hold target, or the whole
// segment when it has no index. It returns the record found, if any, and
// whether the segment had an index.
func lookup(data []byte, target *record) (*record, bool, error) {
	m := &memFetch{data: data}
	seg := segmentObject{key: "seg", size: int64(len(data))}
	ix, have, err := readIndex(seg, "ns", m.fetch)
	if err != nil {
		return nil, false, err
	}
	var sr *segmentReader
	if ix == nil {
		sr, err = openSegment("seg", "ns", nopCloser{bytes.NewReader(data)})
		if err != nil {
			return nil, false, err
		}
		var found bool
		if found, err = sr.seek(target); !found {
			sr = nil
		}
	} else {
		sr, err = findIndexed("seg", "ns", ix, have, m.fetch, target, keyHash(target.kind, target.id))
	}
	if err != nil || sr == nil {
		return nil, ix != nil, err
	}
	return &sr.rec, ix != nil, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// asVersion1 returns the version-1 segment that holds what the version-2
// segment data holds: data without its index and trailer, and with
// version 1 in its magic.
func asVersion1(tb testing.TB, data []byte) []byte {
	tb.Helper()
	at, ok, err := parseTrailer("seg", data[len(data)-trailerLen:], int64(len(data)))
	if err != nil || !ok {
		tb.Fatalf("no trailer: %v", err)
	}
	v1 := bytes.Clone(data[:at])
	v1[len(segmentMagic)-1] = 1
	return v1
}

// absentKeys returns keys of records that sampleSegment(n) does not hold:
// before, between and after its records.
func absentKeys(n int) []record {
	out := []record{{kind: []byte(""), id: []byte("!")}, {kind: []byte("k0"), id: []byte("000000")}, {kind: []byte("zz"), id: []byte("a")}}
	for i := 0; i < n; i += max(1, n/50) {
		out = append(out, record{kind: []byte(fmt.Sprint("k", i%2)), id: []byte(fmt.Sprintf("%06d-", i))})
	}
	return out
}

func TestIndexFindsEveryRecordInOneFetch(t *testing.T) {
	// 5000 records span several blocks; the index of 60000 is longer than
	// tailBytes.
	for _, n := range []int{1, 2, 100, 5000, 60000} {
		data, want := sampleSegment(n)
		seg := segmentObject{key: "seg", size: int64(len(data))}
		m := &memFetch{data: data}
		ix, have, err := readIndex(seg, "ns", m.fetch)
		if err != nil || ix == nil {
			t.Fatalf("%d records: readIndex = %v, %v", n, ix, err)
		}
		if wantCalls := 1 + btoi(ix.bytes+8+trailerLen > tailBytes); m.calls != wantCalls {
			t.Errorf("%d records: readIndex fetched %d times, want %d", n, m.calls, wantCalls)
		}
		if wantBlocks := len(data)/blockTarget + 1; len(ix.first) < wantBlocks-1 || len(ix.first) > wantBlocks {
			t.Errorf("%d records in %d bytes: %d blocks indexed, want about %d", n, len(data), len(ix.first), wantBlocks)
		}
		for i := 0; i < len(want); i += max(1, n/3000) {
			r := &want[i]
			m.calls, m.bytes = 0, 0
			sr, err := findIndexed("seg", "ns", ix, span{}, m.fetch, r, keyHash(r.kind, r.id))
			if err != nil || sr == nil {
				t.Fatalf("%d records: find %q/%q = %v, %v", n, r.kind, r.id, sr, err)
			}
			if !sameRecord(sr.rec, *r) {
				t.Fatalf("%d records: find %q/%q = %+v, want %+v", n, r.kind, r.id, sr.rec, *r)
			}
			if m.calls != 1 || m.bytes > blockTarget+1024 {
				t.Fatalf("%d records: find %q/%q fetched %d bytes in %d calls, want one block", n, r.kind, r.id, m.bytes, m.calls)
			}
			// From the bytes the index was read with, as Get's first look does.
			if sr, err := findIndexed("seg", "ns", ix, have, m.fetch, r, keyHash(r.kind, r.id)); err != nil || sr == nil || !sameRecord(sr.rec, *r) {
				t.Fatalf("%d records: find %q/%q after the index = %v, %v", n, r.kind, r.id, sr, err)
			}
		}
		passed := 0
		absent := absentKeys(n)
		for i := range absent {
			r := &absent[i]
			m.calls = 0
			sr, err := findIndexed("seg", "ns", ix, span{}, m.fetch, r, keyHash(r.kind, r.id))
			if err != nil || sr != nil {
				t.Fatalf("%d records: find absent %q/%q = %v, %v; want nothing", n, r.kind, r.id, sr, err)
			}
			passed += m.calls
		}
		if passed > len(absent)/10 {
			t.Errorf("%d records: %d of %d absent keys passed the filter", n, passed, len(absent))
		}
	}
}

func TestIndexOfSmallSegmentTakesOneFetch(t *testing.T) {
	data, want := sampleSegment(100)
	if len(data) > tailBytes {
		t.Fatalf("sample of %d bytes is not small", len(data))
	}
	m := &memFetch{data: data}
	ix, have, err := readIndex(segmentObject{key: "seg", size: int64(len(data))}, "ns", m.fetch)
	if err != nil || ix == nil {
		t.Fatalf("readIndex = %v, %v", ix, err)
	}
	r := &want[len(want)/2]
	if sr, err := findIndexed("seg", "ns", ix, have, m.fetch, r, keyHash(r.kind, r.id)); err != nil || sr == nil || !sameRecord(sr.rec, *r) {
		t.Fatalf("find = %v, %v", sr, err)
	}
	if m.calls != 1 || m.bytes != len(data) {
		t.Errorf("index and find fetched %d bytes in %d calls, want the segment's %d in one", m.bytes, m.calls, len(data))
	}
}

// TestVersion1Segments reads a segment written by the version-1 writer of
// the previous release (testdata/v1.seg: 1,500 records of namespace "v1",
// every 97th a tombstone, over two blocks), and version-2 segments
// stripped to version 1: whole, and by lookup, which finds no index and
// reads them whole.
func TestVersion1Segments(t *testing.T) {
	old, err := os.ReadFile("testdata/v1.seg")
	if err != nil {
		t.Fatal(err)
	}
	sr, err := openSegment("v1.seg", "v1", nopCloser{bytes.NewReader(old)})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		ok, err := sr.next()
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if !ok {
			if i != 1500 {
				t.Fatalf("read %d records, want 1500", i)
			}
			break
		}
		id := fmt.Sprintf("%06d", i)
		wantType, wantPayload := byte(changeSet), fmt.Sprintf(`{"kind":"k","id":%q,"value":"version one","n":%d}`, id, i)
		if i%97 == 0 {
			wantType, wantPayload = changeUnset, fmt.Sprintf(`{"kind":"k","id":%q,"value":"","n":0}`, id)
		}
		if r := sr.rec; string(r.kind) != "k" || string(r.id) != id || r.changeType != wantType || string(r.payload) != wantPayload || r.ts != 1_700_000_000_000_000_000+int64(i) {
			t.Fatalf("record %d = %q/%q type %d at %d %q", i, r.kind, r.id, r.changeType, r.ts, r.payload)
		}
	}
	if sr.block != nil || sr.version != 1 {
		t.Fatalf("after the end: version %d, block of %d bytes", sr.version, len(sr.block))
	}

	for _, n := range []int{1, 100, 5000} {
		data, want := sampleSegment(n)
		v1 := asVersion1(t, data)
		got, err := readAll(v1)
		if err != nil || len(got) != len(want) {
			t.Fatalf("%d records as version 1: read %d, %v", n, len(got), err)
		}
		for _, i := range []int{0, n / 2, n - 1} {
			r, indexed, err := lookup(v1, &want[i])
			if err != nil || r == nil || indexed || !sameRecord(*r, want[i]) {
				t.Fatalf("%d records as version 1: lookup of record %d = %v, indexed %v, %v", n, i, r, indexed, err)
			}
		}
		if r, _, err := lookup(v1, &absentKeys(n)[0]); err != nil || r != nil {
			t.Fatalf("%d records as version 1: lookup of an absent key = %v, %v", n, r, err)
		}
	}
}

// TestDamagedIndexes damages the index and the trailer of a segment: a
// whole read fails with ErrCorrupt naming the object, and a lookup fails
// so too or, when the trailer's magic is gone, reads the segment whole,
// which fails at the damage if it reaches it; never a wrong record.
func TestDamagedIndexes(t *testing.T) {
	data, want := sampleSegment(5000)
	at, _, _ := parseTrailer("seg", data[len(data)-trailerLen:], int64(len(data)))
	damage := map[string][]byte{
		"index cut":       append(bytes.Clone(data[:at+20]), data[len(data)-trailerLen:]...),
		"no trailer":      data[:len(data)-trailerLen],
		"trailer cut":     data[:len(data)-3],
		"trailer too far": append(bytes.Clone(data[:len(data)-trailerLen]), appendTrailer(nil, len(data))...),
		"trailer at 0":    append(bytes.Clone(data[:len(data)-trailerLen]), appendTrailer(nil, 0)...),
		"trailer off by one": append(bytes.Clone(data[:len(data)-trailerLen]),
			appendTrailer(nil, int(at)+1)...),
	}
	for _, off := range []int64{at, at + 4, at + 8, at + 9, at + 12, at + 40, int64(len(data)) - trailerLen - 1,
		int64(len(data)) - trailerLen, int64(len(data)) - 6, int64(len(data)) - 1} {
		d := bytes.Clone(data)
		d[off] ^= 0x10
		damage[fmt.Sprintf("bit flipped at %d of %d", off, len(data))] = d
	}
	for name, d := range damage {
		if _, err := readAll(d); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "seg") {
			t.Errorf("%s: read = %v, want ErrCorrupt naming the object", name, err)
		}
		for _, i := range []int{0, len(want) / 2, len(want) - 1} {
			r, indexed, err := lookup(d, &want[i])
			switch {
			case err != nil && !errors.Is(err, ErrCorrupt):
				t.Errorf("%s: lookup of record %d = %v, want ErrCorrupt", name, i, err)
			case err == nil && indexed:
				t.Errorf("%s: lookup of record %d used a damaged index", name, i)
			case err == nil && (r == nil || !sameRecord(*r, want[i])):
				t.Errorf("%s: lookup of record %d = %v, want it or ErrCorrupt", name, i, r)
			}
		}
	}
}

// TestTrailerGivingAHugeIndex checks that a lookup does not fetch an
// index longer than a block may be, whatever the trailer says.
func TestTrailerGivingAHugeIndex(t *testing.T) {
	data := append([]byte(segmentMagic), make([]byte, maxBlock+64)...)
	data = appendTrailer(data, len(segmentMagic))
	m := &memFetch{data: data}
	_, _, err := readIndex(segmentObject{key: "seg", size: int64(len(data))}, "ns", m.fetch)
	if !errors.Is(err, ErrCorrupt) || m.bytes > tailBytes {
		t.Errorf("readIndex = %v after fetching %d bytes, want ErrCorrupt after the tail's %d", err, m.bytes, tailBytes)
	}
}

func TestBloomFilter(t *testing.T) {
	for _, n := range []int{1, 10, 10_000} {
		var hashes []uint64
		for i := range n {
			hashes = append(hashes, keyHash([]byte("k"), fmt.Appendf(nil, "%09d", i)))
		}
		k, filter := newBloom(hashes)
		for i, h := range hashes {
			if !bloomHas(filter, k, h) {
				t.Fatalf("%d keys: filter lacks key %d", n, i)
			}
		}
		passed := 0
		const tries = 20_000
		for i := range tries {
			if bloomHas(filter, k, keyHash([]byte("k"), fmt.Appendf(nil, "%09d-", i))) {
				passed++
			}
		}
		if rate := float64(passed) / tries; rate > 0.02 {
			t.Errorf("%d keys: %.2f%% of absent keys pass the filter, want about 1%%", n, rate*100)
		}
	}
	// The NUL between kind and id keeps apart the keys their concatenation joins.
	if keyHash([]byte("ab"), []byte("c")) == keyHash([]byte("a"), []byte("bc")) {
		t.Error("keyHash(ab, c) == keyHash(a, bc)")
	}
}

func TestIndexCacheKeepsTheMostRecentlyUsed(t *testing.T) {
	ix := func(n int) *segmentIndex { return &segmentIndex{bytes: n} }
	cost := (&indexEntry{key: "a", ix: ix(1000)}).cost()
	c := newIndexCache(3 * cost)
	c.add("a", ix(1000))
	c.add("b", ix(1000))
	c.add("c", ix(1000))
	if _, ok := c.get("a"); !ok { // a is now the most recently used
		t.Fatal("a evicted from a cache with room for it")
	}
	c.add("d", ix(1000)) // evicts b
	for key, want := range map[string]bool{"a": true, "b": false, "c": true, "d": true} {
		if _, ok := c.get(key); ok != want {
			t.Errorf("after adding d: get(%q) kept = %v, want %v", key, ok, want)
		}
	}
	c.add("huge", ix(4*cost))
	if _, ok := c.get("huge"); ok || c.len() != 3 {
		t.Errorf("an index over the bound: kept %v, %d entries; want not kept, 3", ok, c.len())
	}
	c.remove([]string{"a", "zz"})
	if _, ok := c.get("a"); ok || c.len() != 2 {
		t.Errorf("after remove(a): a kept %v, %d entries", ok, c.len())
	}
	if c.size > c.max {
		t.Errorf("size %d over the bound %d", c.size, c.max)
	}
}

// FuzzFindInSegment looks up a key in hostile bytes, as Get does: it must
// return ErrCorrupt or a result that a whole read of valid bytes agrees
// with, and never panic.
func FuzzFindInSegment(f *testing.F) {
	for _, n := range []int{1, 3, 40, 3000} {
		data, recs := sampleSegment(n)
		f.Add(data, string(recs[len(recs)/2].kind), string(recs[len(recs)/2].id))
		f.Add(asVersion1(f, data), string(recs[0].kind), string(recs[0].id))
		f.Add(data[:len(data)-5], "k1", "000001")
	}
	f.Fuzz(func(t *testing.T, data []byte, kind, id string) {
		target := record{kind: []byte(kind), id: []byte(id)}
		r, _, err := lookup(data, &target)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		all, err := readAll(data)
		if err != nil {
			return // damage past what the lookup read
		}
		var want *record
		for i := range all {
			if compareRecordKeys(&all[i], &target) == 0 {
				want = &all[i]
			}
		}
		if (r == nil) != (want == nil) || r != nil && !sameRecord(*r, *want) {
			t.Fatalf("lookup of %q/%q = %+v, a whole read has %+v", kind, id, r, want)
		}
	})
}

// reindexed returns data, a version-2 segment, with its index replaced by
// ix re-encoded, checksums and trailer right: an index that lies about
// its segment without being damaged.
func reindexed(tb testing.TB, data []byte, edit func(ix *segmentIndex)) []byte {
	tb.Helper()
	at, _, err := parseTrailer("seg", data[len(data)-trailerLen:], int64(len(data)))
	if err != nil {
		tb.Fatal(err)
	}
	p, err := checkFrame("seg", at, data[at:len(data)-trailerLen])
	if err != nil {
		tb.Fatal(err)
	}
	ix, err := decodeIndex("seg", bytes.Clone(p), at)
	if err != nil {
		tb.Fatal(err)
	}
	edit(ix)
	q := binary.AppendUvarint([]byte{blockIndex}, uint64(len(ix.namespace)))
	q = append(q, ix.namespace...)
	q = binary.AppendUvarint(q, uint64(len(ix.first)))
	last := int64(0)
	for i, k := range ix.first {
		q = binary.AppendUvarint(q, uint64(ix.starts[i]-last))
		q = binary.AppendUvarint(q, uint64(len(k.kind)))
		q = append(q, k.kind...)
		q = binary.AppendUvarint(q, uint64(len(k.id)))
		q = append(q, k.id...)
		last = ix.starts[i]
	}
	q = binary.AppendUvarint(q, uint64(ix.starts[len(ix.starts)-1]-last))
	q = binary.AppendUvarint(q, uint64(ix.hashes))
	q = binary.AppendUvarint(q, uint64(len(ix.filter)))
	q = append(q, ix.filter...)
	w := &segmentWriter{out: bytes.Clone(data[:at])}
	w.writeBlock(q)
	return appendTrailer(w.out, int(at))
}

// TestIndexesThatLie checks indexes whose checksums hold but which break
// the index's rules or disagree with their segment: a whole read fails
// with ErrCorrupt where the keys are out of order or the end block's place
// is wrong, and a lookup fails with ErrCorrupt on the keys' order and when
// the block it reads does not begin with the key the index gives.
func TestIndexesThatLie(t *testing.T) {
	data, want := sampleSegment(5000)
	r := &want[len(want)/2]
	if got, _, err := lookup(reindexed(t, data, func(*segmentIndex) {}), r); err != nil || got == nil || !sameRecord(*got, *r) {
		t.Fatalf("lookup in a segment with its own index re-encoded = %v, %v", got, err)
	}
	var b int
	lie := reindexed(t, data, func(ix *segmentIndex) {
		// The block that holds r says it begins at r, not before.
		b = ix.blockFor(r, keyHash(r.kind, r.id))
		ix.first[b] = blockKey{kind: r.kind, id: r.id}
	})
	if b < 0 || bytes.Equal(want[0].id, r.id) {
		t.Fatal("record not placed in a block past its first")
	}
	if _, _, err := lookup(lie, r); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "the index says") {
		t.Errorf("lookup where the index gives a block's first key wrong = %v, want ErrCorrupt", err)
	}
	unordered := reindexed(t, data, func(ix *segmentIndex) { ix.first[0], ix.first[1] = ix.first[1], ix.first[0] })
	if _, err := readAll(unordered); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "bad index") {
		t.Errorf("read where the index's keys are out of order = %v, want ErrCorrupt", err)
	}
	if _, _, err := lookup(unordered, r); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "bad index") {
		t.Errorf("lookup where the index's keys are out of order = %v, want ErrCorrupt", err)
	}
	other := reindexed(t, data, func(ix *segmentIndex) { ix.namespace = []byte("other") })
	if _, err := readAll(other); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), `index holds namespace "other"`) {
		t.Errorf("read where the index names another namespace = %v, want ErrCorrupt", err)
	}
	for _, d := range [][]byte{other, func() []byte { d, _ := segmentFor("other"); return d }()} {
		if _, _, err := lookup(d, r); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), `holds namespace "other"`) {
			t.Errorf("lookup in a segment of another namespace = %v, want ErrCorrupt", err)
		}
	}
	end := reindexed(t, data, func(ix *segmentIndex) { ix.starts[len(ix.starts)-1] -= 3 })
	if _, err := readAll(end); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "end block at") {
		t.Errorf("read where the index puts the end block wrong = %v, want ErrCorrupt", err)
	}
}
