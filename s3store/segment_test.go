package s3store

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// sampleSegment encodes n records of namespace "ns", with two origins, a
// tombstone and empty kinds and payloads among them.
func sampleSegment(n int) ([]byte, []record) {
	o1, o2 := newOrigin(), newOrigin()
	w := newSegmentWriter("ns", segmentVersion)
	var recs []record
	for i := range n {
		r := record{kind: []byte(fmt.Sprint("k", i%2)), id: []byte(fmt.Sprintf("%06d", i)), changeType: changeSet, ts: int64(i) - 3, origin: o1, payload: bytes.Repeat([]byte{'x'}, i%50)}
		if i%2 == 0 {
			r.kind = nil
		}
		if i%7 == 0 {
			r.changeType, r.origin = changeUnset, o2
		}
		recs = append(recs, r)
	}
	// Sorted by (kind, id): the empty kind first.
	var sorted []record
	for _, k := range []string{"", "k1"} {
		for _, r := range recs {
			if string(r.kind) == k {
				sorted = append(sorted, r)
			}
		}
	}
	for i := range sorted {
		w.add(&sorted[i])
	}
	return w.finish(), sorted
}

// readAll decodes a whole segment.
func readAll(data []byte) ([]record, error) {
	sr, err := openSegment("seg", "ns", io.NopCloser(bytes.NewReader(data)))
	if err != nil {
		return nil, err
	}
	defer sr.close()
	var out []record
	for {
		ok, err := sr.next()
		if err != nil {
			return out, err
		}
		if !ok {
			return out, nil
		}
		r := sr.rec
		r.kind, r.id, r.payload = bytes.Clone(r.kind), bytes.Clone(r.id), bytes.Clone(r.payload)
		out = append(out, r)
	}
}

func sameRecord(a, b record) bool {
	return bytes.Equal(a.kind, b.kind) && bytes.Equal(a.id, b.id) && a.changeType == b.changeType &&
		a.ts == b.ts && a.origin == b.origin && bytes.Equal(a.payload, b.payload)
}

func TestSegmentRoundTrip(t *testing.T) {
	for _, n := range []int{1, 2, 100, 5000} { // 5000 records span several blocks
		data, want := sampleSegment(n)
		got, err := readAll(data)
		if err != nil {
			t.Fatalf("%d records: %v", n, err)
		}
		if len(got) != len(want) {
			t.Fatalf("%d records: read %d", n, len(got))
		}
		for i := range got {
			if !sameRecord(got[i], want[i]) {
				t.Fatalf("%d records: record %d = %+v, want %+v", n, i, got[i], want[i])
			}
		}
	}
}

func TestDamagedSegmentsAreErrorsNamingTheObject(t *testing.T) {
	data, _ := sampleSegment(3000)
	damage := map[string][]byte{
		"empty":           nil,
		"magic":           append([]byte("USS3SEG\x01"), data[8:]...),
		"future version":  append([]byte("uss3seg\x03"), data[8:]...),
		"trailing byte":   append(bytes.Clone(data), 0),
		"no end block":    data[:len(data)-13],
		"other namespace": func() []byte { d, _ := segmentFor("other"); return d }(),
	}
	for _, cut := range []int{7, 8, 12, 20, len(data) / 2, len(data) - 1} {
		damage[fmt.Sprintf("cut at %d", cut)] = data[:cut]
	}
	for _, at := range []int{9, 30, len(data) / 3, len(data) - 3} {
		d := bytes.Clone(data)
		d[at] ^= 0x40
		damage[fmt.Sprintf("bit flipped at %d", at)] = d
	}
	for name, d := range damage {
		_, err := readAll(d)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "seg") {
			t.Errorf("%s: read = %v, want ErrCorrupt naming the object", name, err)
		}
	}
}

// TestSegmentsBreakingRecordRulesAreCorrupt writes well-formed segments
// whose records break the layout's rules, and checks that reading them
// fails with ErrCorrupt naming the rule.
func TestSegmentsBreakingRecordRulesAreCorrupt(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys [][2]string // kind, id
		ct   byte        // change type; 0 for a set
		want string
	}{
		{"out of order", [][2]string{{"k", "b"}, {"k", "a"}}, 0, "out of order"},
		{"kinds out of order", [][2]string{{"l", "a"}, {"k", "b"}}, 0, "out of order"},
		{"an identity twice", [][2]string{{"k", "a"}, {"k", "a"}}, 0, "out of order"},
		{"NUL in an id", [][2]string{{"k", "a\x00b"}}, 0, "not UTF-8 without NUL"},
		{"NUL in a kind", [][2]string{{"k\x00", "a"}}, 0, "not UTF-8 without NUL"},
		{"a kind that is not UTF-8", [][2]string{{"\xff", "a"}}, 0, "not UTF-8 without NUL"},
		{"an unknown change type", [][2]string{{"k", "a"}}, 7, "change type 7"},
	} {
		w := newSegmentWriter("ns", segmentVersion)
		o := newOrigin()
		for _, k := range tc.keys {
			ct := byte(changeSet)
			if tc.ct != 0 {
				ct = tc.ct
			}
			w.add(&record{kind: []byte(k[0]), id: []byte(k[1]), changeType: ct, origin: o})
		}
		_, err := readAll(w.finish())
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: read = %v, want ErrCorrupt saying %q", tc.name, err, tc.want)
		}
	}
}

func segmentFor(ns string) ([]byte, error) {
	w := newSegmentWriter(ns, segmentVersion)
	w.add(&record{id: []byte("a"), changeType: changeSet, origin: newOrigin()})
	return w.finish(), nil
}

// FuzzReadSegment feeds hostile bytes to the segment reader: it must return
// an error or records that make valid changes, in strictly increasing
// order, and never panic.
func FuzzReadSegment(f *testing.F) {
	for _, n := range []int{1, 3, 40} {
		data, _ := sampleSegment(n)
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Add([]byte(segmentMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := readAll(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		for i, r := range recs {
			if len(r.id) == 0 || !utf8.Valid(r.kind) || !utf8.Valid(r.id) || bytes.IndexByte(r.kind, 0) >= 0 || bytes.IndexByte(r.id, 0) >= 0 {
				t.Fatalf("record %d has an invalid identity %q/%q", i, r.kind, r.id)
			}
			if r.changeType != changeSet && r.changeType != changeUnset {
				t.Fatalf("record %d has change type %d", i, r.changeType)
			}
			if i > 0 && compareRecordKeys(&recs[i-1], &r) >= 0 {
				t.Fatalf("record %d out of order", i)
			}
		}
	})
}

func TestNamespaceEscaping(t *testing.T) {
	for _, ns := range []string{"a", "tenant-1", "one/two", ".", "..", "%", "name space/ü.*>", "日本", "\x7f~_"} {
		esc := escapeNamespace(ns)
		if strings.ContainsAny(esc, "/.") {
			t.Errorf("escapeNamespace(%q) = %q, holds a slash or dot", ns, esc)
		}
		if n := escapedLen(ns); n != len(esc) {
			t.Errorf("escapedLen(%q) = %d, want len(%q) = %d", ns, n, esc, len(esc))
		}
		back, err := unescapeNamespace(esc)
		if err != nil || back != ns {
			t.Errorf("unescapeNamespace(%q) = %q, %v, want %q", esc, back, err, ns)
		}
	}
	for _, bad := range []string{"", "%", "%4", "%zz", "%2f", "a.b", "a b"} {
		if ns, err := unescapeNamespace(bad); err == nil {
			t.Errorf("unescapeNamespace(%q) = %q, want an error", bad, ns)
		}
	}
}
