package redisstore_test

import (
	"bytes"
	"cmp"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
	"github.com/unionstore/unionstore/redisstore"
)

// TestMemberOrder checks that members sort, as bytes, in the order of
// (kind, id), on pairs chosen to trip a plain concatenation: kinds that
// are prefixes of others, and bytes around the separator.
func TestMemberOrder(t *testing.T) {
	alphabet := []string{"", "a", "ab", "b", "\x01", "a\x01", "a\xff", "é", "z"}
	type pair struct{ kind, id string }
	var pairs []pair
	for _, k := range alphabet {
		for _, id := range alphabet[1:] {
			pairs = append(pairs, pair{k, id})
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		pairs = append(pairs, pair{randomString(r), randomString(r) + "x"})
	}
	for _, a := range pairs {
		for _, b := range pairs {
			want := cmp.Or(strings.Compare(a.kind, b.kind), strings.Compare(a.id, b.id))
			if got := strings.Compare(redisstore.Member(a.kind, a.id), redisstore.Member(b.kind, b.id)); got != want {
				t.Fatalf("compare(Member(%q, %q), Member(%q, %q)) = %d, want %d", a.kind, a.id, b.kind, b.id, got, want)
			}
		}
	}
}

// randomString returns a short string of bytes other than NUL, which
// identities cannot hold.
func randomString(r *rand.Rand) string {
	b := make([]byte, r.IntN(4))
	for i := range b {
		b[i] = byte(1 + r.IntN(255))
	}
	return string(b)
}

// TestNamespaceKeys checks that every namespace's keys are inside one hash
// tag made of the prefix and the namespace, and that no two (prefix,
// namespace) pairs share a key.
func TestNamespaceKeys(t *testing.T) {
	cases := []struct{ prefix, namespace, records string }{
		{"p", "ns", "{p:ns}:rec"},
		{"p", "a:b", "{p:a%3Ab}:rec"},
		{"p:a", "b", "{p:a:b}:rec"},
		{"p", "{x}", "{p:%7Bx%7D}:rec"},
		{"p", "%7B", "{p:%257B}:rec"},
		{"p", "}", "{p:%7D}:rec"},
	}
	seen := map[string]string{}
	for _, c := range cases {
		records, ids, counts := redisstore.NamespaceKeys(c.prefix, c.namespace)
		if records != c.records {
			t.Errorf("NamespaceKeys(%q, %q) records = %q, want %q", c.prefix, c.namespace, records, c.records)
		}
		log, feed := redisstore.FeedKeys(c.prefix, c.namespace)
		for _, k := range []string{records, ids, counts, log, feed} {
			tag := k[:strings.IndexByte(k, '}')+1]
			if strings.Count(tag, "{") != 1 || tag[0] != '{' {
				t.Errorf("NamespaceKeys(%q, %q): key %q has no single hash tag first", c.prefix, c.namespace, k)
			}
			if !strings.HasPrefix(records, tag) {
				t.Errorf("NamespaceKeys(%q, %q): key %q not in the tag of %q", c.prefix, c.namespace, k, records)
			}
			who := c.prefix + " / " + c.namespace
			if other, ok := seen[k]; ok {
				t.Errorf("key %q of %s is also the key of %s", k, who, other)
			}
			seen[k] = who
		}
	}
	if index := redisstore.IndexKey("p"); seen[index] != "" {
		t.Errorf("index key %q is also a namespace's key", index)
	}
}

// TestValueRoundTrip checks that a record's value decodes back to it,
// timestamps at the ends of the range included.
func TestValueRoundTrip(t *testing.T) {
	for _, r := range []backend.Record{
		{Type: unionstore.ChangeTypeSet, Timestamp: 0, Payload: []byte(`{}`)},
		{Type: unionstore.ChangeTypeUnset, Timestamp: -1, Payload: []byte{}},
		{Type: unionstore.ChangeTypeSet, Timestamp: math.MinInt64, Payload: []byte{0, 1, 2}},
		{Type: unionstore.ChangeTypeUnset, Timestamp: math.MaxInt64, Payload: []byte("x")},
		{Type: unionstore.ChangeTypeSet, Timestamp: 1<<32 - 1, Payload: nil},
	} {
		r.Namespace, r.Kind, r.ID = "ns", "kind", "id"
		v := redisstore.AppendValue(nil, r)
		got, err := redisstore.DecodeValue("ns", redisstore.Member("kind", "id"), string(v))
		if err != nil {
			t.Fatalf("DecodeValue(AppendValue(%+v)): %v", r, err)
		}
		if got.Namespace != r.Namespace || got.Kind != r.Kind || got.ID != r.ID || got.Type != r.Type ||
			got.Timestamp != r.Timestamp || !bytes.Equal(got.Payload, r.Payload) {
			t.Errorf("DecodeValue(AppendValue(%+v)) = %+v", r, got)
		}
	}
}

// TestDecodeValueRefusesDamage checks that damaged values are errors that
// say what is wrong, and keep the identity.
func TestDecodeValueRefusesDamage(t *testing.T) {
	for _, c := range []struct {
		value, want string
	}{
		{"", "value of 0 bytes"},
		{"\x01\x01\x00\x00", "value of 4 bytes"},
		{"\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00", "layout version 2"},
		{"\x01\x03\x00\x00\x00\x00\x00\x00\x00\x00", "change type 3"},
	} {
		r, err := redisstore.DecodeValue("ns", redisstore.Member("k", "i"), c.value)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("DecodeValue(%q) error = %v, want one containing %q", c.value, err, c.want)
		}
		if r.Namespace != "ns" || r.Kind != "k" || r.ID != "i" {
			t.Errorf("DecodeValue(%q) = %+v, want the identity ns k i", c.value, r)
		}
	}
}

// FuzzDecodeValue checks that no value, however damaged, panics the
// decoder, and that what decodes encodes back to the same bytes.
func FuzzDecodeValue(f *testing.F) {
	f.Add([]byte("\x01\x01\x00\x00\x00\x00\x00\x00\x00\x01{}"), "k\x00i")
	f.Add([]byte("\x01\x02\xff\xff\xff\xff\xff\xff\xff\xff"), "\x00")
	f.Add([]byte{}, "")
	f.Add([]byte("\x01"), "k")
	f.Fuzz(func(t *testing.T, value []byte, member string) {
		r, err := redisstore.DecodeValue("ns", member, string(value))
		if err != nil {
			return
		}
		if back := redisstore.AppendValue(nil, r); !bytes.Equal(back, value) {
			t.Errorf("AppendValue(DecodeValue(%q)) = %q", value, back)
		}
		if m := redisstore.Member(r.Kind, r.ID); !strings.Contains(member, "\x00") && m != member+"\x00" || strings.Contains(member, "\x00") && m != member {
			t.Errorf("DecodeValue(_, %q) identity %q %q does not make the member back", member, r.Kind, r.ID)
		}
	})
}
