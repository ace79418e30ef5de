package kafkastore

import (
	"bytes"
	"math"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

var layoutCases = []struct {
	ns, kind, id string
	t            unionstore.ChangeType
	ts           int64
	payload      []byte
}{
	{"ns", "k", "a", unionstore.ChangeTypeSet, 1, []byte(`{"kind":"k","id":"a"}`)},
	{"name space/ü", "", "id with\nnewline", unionstore.ChangeTypeUnset, -1, nil},
	{"n", "sk", "ab", unionstore.ChangeTypeSet, math.MinInt64, []byte{}},
	{string(make([]byte, 300)), "日本", "🙂", unionstore.ChangeTypeUnset, math.MaxInt64, []byte{0, 1, 2}},
}

func TestLayoutRoundTrip(t *testing.T) {
	for _, tc := range layoutCases {
		key := appendKey(nil, tc.ns, tc.kind, tc.id)
		if !bytes.HasPrefix(key, appendPrefix(nil, tc.ns)) {
			t.Errorf("key %q does not start with the prefix of namespace %q", key, tc.ns)
		}
		ns, kind, id, err := decodeKey(key)
		if err != nil || ns != tc.ns || kind != tc.kind || id != tc.id {
			t.Errorf("decodeKey(appendKey(%q, %q, %q)) = %q, %q, %q, %v", tc.ns, tc.kind, tc.id, ns, kind, id, err)
		}
		value := appendValue(nil, tc.t, tc.ts, tc.payload)
		ct, ts, payload, err := decodeValue(value)
		if err != nil || ct != tc.t || ts != tc.ts || !bytes.Equal(payload, tc.payload) {
			t.Errorf("decodeValue(appendValue(%s, %d, %q)) = %s, %d, %q, %v", tc.t, tc.ts, tc.payload, ct, ts, payload, err)
		}
	}
}

// TestKeysDoNotCollide checks identities whose parts run together: their
// keys differ, and a namespace's prefix starts no key of another.
func TestKeysDoNotCollide(t *testing.T) {
	ids := [][3]string{{"ns", "k", "ab"}, {"ns", "ka", "b"}, {"nsk", "", "ab"}, {"n", "sk", "ab"}, {"ns", "", "kab"}}
	for i, a := range ids {
		for j, b := range ids {
			if i == j {
				continue
			}
			ka, kb := appendKey(nil, a[0], a[1], a[2]), appendKey(nil, b[0], b[1], b[2])
			if bytes.Equal(ka, kb) {
				t.Errorf("%q and %q share the key %q", a, b, ka)
			}
			if a[0] != b[0] && bytes.HasPrefix(kb, appendPrefix(nil, a[0])) {
				t.Errorf("the prefix of namespace %q starts the key of %q", a[0], b)
			}
		}
	}
}

func TestDecodeRefusesDamagedRecords(t *testing.T) {
	good := appendValue(nil, unionstore.ChangeTypeSet, 5, []byte("p"))
	for _, tc := range []struct {
		name  string
		value []byte
	}{
		{"null", nil},
		{"empty", []byte{}},
		{"short", good[:9]},
		{"other version", append([]byte{2}, good[1:]...)},
		{"unknown change type", append([]byte{1, 3}, good[2:]...)},
	} {
		if _, _, _, err := decodeValue(tc.value); err == nil {
			t.Errorf("decodeValue(%s) = nil error", tc.name)
		}
	}
	key := appendKey(nil, "ns", "kind", "id")
	for _, tc := range []struct {
		name string
		key  []byte
	}{
		{"empty", nil},
		{"other version", append([]byte{9}, key[1:]...)},
		{"namespace cut short", key[:3]},
		{"kind cut short", key[:6]},
		{"no id", appendKey(nil, "ns", "kind", "")},
		{"bad length", []byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
	} {
		if _, _, _, err := decodeKey(tc.key); err == nil {
			t.Errorf("decodeKey(%s) = nil error", tc.name)
		}
	}
}

// FuzzDecodeRecord feeds hostile keys and values to the record decoding:
// it must return an error or a change that encodes back to the same bytes,
// never panic.
func FuzzDecodeRecord(f *testing.F) {
	for _, tc := range layoutCases {
		f.Add(appendKey(nil, tc.ns, tc.kind, tc.id), appendValue(nil, tc.t, tc.ts, tc.payload))
	}
	f.Add(appendKey(nil, "ns", "k", "a"), appendValue(nil, unionstore.ChangeTypeSet, 1, []byte(`{"kind":"k","id":"a","value":"v"}`)))
	f.Add(appendKey(nil, "ns", "k", "a"), appendValue(nil, unionstore.ChangeTypeSet, 1, []byte(`null`)))
	f.Add([]byte{1, 0x80}, []byte{1, 1})
	f.Add([]byte{}, []byte(nil))
	f.Add([]byte{1, 2, 'n', 's', 1, 'k'}, []byte(nil))
	f.Add([]byte{1, 2, 'n', 's', 0x81, 1}, []byte(nil))
	f.Add([]byte{1, 2, 'n', 's', 0x81, 0}, []byte(nil))
	f.Add(append([]byte{1, 0, 0x80, 1}, make([]byte, 130)...), []byte(nil))
	codec := unionstore.JSONCodec[storetest.Item]()
	f.Fuzz(func(t *testing.T, key, value []byte) {
		ns, kind, id, kerr := decodeKey(key)
		checkSplit(t, key, ns, kind, id, kerr)
		ct, ts, payload, verr := decodeValue(value)
		if kerr == nil && !bytes.Equal(appendKey(nil, ns, kind, id), key) {
			t.Fatalf("key %q decodes to %q %q %q, which encode otherwise", key, ns, kind, id)
		}
		if verr == nil && !bytes.Equal(appendValue(nil, ct, ts, payload), value) {
			t.Fatalf("value %q decodes to %s %d %q, which encode otherwise", value, ct, ts, payload)
		}
		if kerr != nil || verr != nil {
			return
		}
		e, err := unionstore.DecodeEntity(codec, ns, kind, id, payload)
		if err == nil && (e.Kind != kind || e.ID != id) {
			t.Fatalf("DecodeEntity returned %+v for kind %q id %q", e, kind, id)
		}
	})
}

// checkSplit checks that checkIdentity and identityOf, which read the part
// of a key after its namespace's prefix without allocating, agree with
// decodeKey, which gave ns, kind, id and err for key.
func checkSplit(t *testing.T, key []byte, ns, kind, id string, err error) {
	t.Helper()
	if len(key) == 0 || key[0] != keyVersion {
		return
	}
	w, n, lerr := readLength(key[1:])
	if lerr != nil {
		return // no namespace: no prefix to cut
	}
	rest := key[1+w+n:]
	cerr := checkIdentity(rest)
	if (cerr == nil) != (err == nil) {
		t.Fatalf("key %q: checkIdentity = %v, decodeKey = %v", key, cerr, err)
	}
	if cerr != nil {
		return
	}
	if k, i := identityOf(string(rest)); k != kind || i != id || string(key[1+w:1+w+n]) != ns {
		t.Fatalf("key %q: identityOf = %q %q, decodeKey = %q %q %q", key, k, i, ns, kind, id)
	}
}
