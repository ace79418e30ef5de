package boltstore

import (
	"bytes"
	"cmp"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// naiveCompare is the order keys must follow: by kind, then by id, bytewise.
func naiveCompare(kindA, idA, kindB, idB string) int {
	return cmp.Or(strings.Compare(kindA, kindB), strings.Compare(idA, idB))
}

func sign(n int) int { return cmp.Compare(n, 0) }

func checkKeys(t *testing.T, kindA, idA, kindB, idB string) {
	t.Helper()
	ka, kb := encodeKey(nil, kindA, idA), encodeKey(nil, kindB, idB)
	if got, want := sign(bytes.Compare(ka, kb)), naiveCompare(kindA, idA, kindB, idB); got != want {
		t.Fatalf("compare key(%q, %q) with key(%q, %q) = %d, want %d", kindA, idA, kindB, idB, got, want)
	}
	for _, c := range []struct{ kind, id string }{{kindA, idA}, {kindB, idB}} {
		k := encodeKey(nil, c.kind, c.id)
		if len(k) != keySize(c.kind, c.id) {
			t.Fatalf("keySize(%q, %q) = %d, want %d", c.kind, c.id, keySize(c.kind, c.id), len(k))
		}
		kind, id, err := decodeKey(k)
		if err != nil || kind != c.kind || id != c.id {
			t.Fatalf("decodeKey(encodeKey(%q, %q)) = %q, %q, %v", c.kind, c.id, kind, id, err)
		}
	}
}

func TestKeyOrder(t *testing.T) {
	tests := []struct{ kindA, idA, kindB, idB string }{
		{"a", "bx", "ab", "x"},
		{"b", "", "ab", "zzz"},
		{"", "z", "a", ""},
		{"a\x00", "", "a", "\xff"},
		{"a\x00b", "1", "a\x00", "1"},
		{"a", "\x00", "a", ""},
		{"k\x01", "x", "k", "\x00\x01x"},
		{"k", "\x00\xff", "k\x00", ""},
	}
	for _, tt := range tests {
		checkKeys(t, tt.kindA, tt.idA, tt.kindB, tt.idB)
		checkKeys(t, tt.kindB, tt.idB, tt.kindA, tt.idA)
	}
	// Random strings over a small alphabet with the bytes that matter.
	alphabet := []byte{0, 1, 0xFF, 'a', 'b'}
	r := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		b := make([]byte, r.IntN(4))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	}
	for range 20000 {
		checkKeys(t, word(), word(), word(), word())
	}
}

func FuzzKeyOrder(f *testing.F) {
	f.Add("a", "bx", "ab", "x")
	f.Add("\x00", "\x01", "", "\x00\xff")
	f.Fuzz(func(t *testing.T, kindA, idA, kindB, idB string) {
		checkKeys(t, kindA, idA, kindB, idB)
	})
}

func TestDecodeKeyRejectsMalformed(t *testing.T) {
	for _, k := range []string{"", "abc", "a\x00", "a\x00\x02b"} {
		if kind, id, err := decodeKey([]byte(k)); err == nil {
			t.Errorf("decodeKey(%q) = %q, %q, nil; want an error", k, kind, id)
		}
	}
}

func TestValueRoundTrip(t *testing.T) {
	times := []time.Time{
		time.Unix(0, 0), time.Unix(-1, 999999999), time.Unix(1700000000, 1),
		unionstore.MinTimestamp, unionstore.MaxTimestamp,
	}
	payloads := []struct {
		name    string
		payload string
		version byte // recordCompressed when compression pays, else recordPlain
	}{
		{"short", `{"x":1}`, recordPlain},
		{"compressible", `{"value":"` + strings.Repeat("abc ", 100) + `"}`, recordCompressed},
		{"incompressible", string(randomBytes(500)), recordPlain},
		{"just over the compressed limit", `"` + strings.Repeat("a", maxCompressed-1) + `"`, recordPlain},
		{"at the compressed limit", `"` + strings.Repeat("a", maxCompressed-2) + `"`, recordCompressed},
	}
	for _, ts := range times {
		for _, ct := range []unionstore.ChangeType{unionstore.ChangeTypeSet, unionstore.ChangeTypeUnset} {
			for _, p := range payloads {
				for _, c := range []compression{recordPlain, recordCompressed, recordS2} {
					v := encodeValue(headerOf(ct, ts), []byte(p.payload), c)
					want := byte(recordPlain | revisionFlag)
					if c != recordPlain && p.version != recordPlain {
						want = c | revisionFlag
					}
					if v[0] != want {
						t.Errorf("encodeValue(%s payload, compression %d) wrote record version %d, want %d", p.name, c, v[0], want)
					}
					setRevision(v, 1<<40+7)
					h, payload, _, err := decodeValue(v, nil)
					if err != nil || h.changeType != ct || !h.time().Equal(ts) || string(payload) != p.payload || h.rev != 1<<40+7 {
						t.Errorf("decodeValue(encodeValue(%s, %v, %s payload)) = %+v at %v, %d bytes, %v", ct, ts, p.name, h, h.time(), len(payload), err)
					}
				}
			}
		}
	}
	for _, v := range [][]byte{nil, {1, 1}, append([]byte{3, 1}, make([]byte, 12)...), append([]byte{1, 3}, make([]byte, 12)...), append([]byte{2, 1}, make([]byte, 20)...), append([]byte{1, 1, 0x7f}, make([]byte, 11)...), append([]byte{0x81, 1}, make([]byte, 19)...)} {
		if _, _, _, err := decodeValue(v, nil); err == nil {
			t.Errorf("decodeValue(%x) = nil error, want one", v)
		}
	}
}

func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(5, 6))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestHeaderNewer(t *testing.T) {
	base := time.Unix(100, 500)
	tests := []struct {
		a, b time.Time
		want bool
	}{
		{base.Add(1), base, true},
		{base, base, false},
		{base, base.Add(1), false},
		{base.Add(time.Second - 1), base, true},
		{time.Unix(-1, 999999999), time.Unix(0, 0), false},
	}
	for _, tt := range tests {
		a, b := headerOf(unionstore.ChangeTypeSet, tt.a), headerOf(unionstore.ChangeTypeSet, tt.b)
		if got := a.newer(b); got != tt.want {
			t.Errorf("newer(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
