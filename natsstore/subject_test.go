package natsstore

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

var tokenCases = []string{"", "a", "ab", "abc", "abcd", "\x01", "\xff", "\xff\xff\xff", "with space", "dot.s", "star*", "gt>", "日本語", "emoji 🙂", "tab\tand\nnewline", strings.Repeat("x", 500)}

func TestTokenRoundTrip(t *testing.T) {
	for _, key := range tokenCases {
		tok := string(appendToken(nil, key))
		if len(tok) != encodedLen(len(key)) {
			t.Errorf("len(token(%q)) = %d, want encodedLen %d", key, len(tok), encodedLen(len(key)))
		}
		if tok == "" || strings.ContainsAny(tok, ".*> \t\r\n") {
			t.Errorf("token(%q) = %q, not a legal subject token", key, tok)
		}
		got, err := decodeToken(tok)
		if err != nil || got != key {
			t.Errorf("decodeToken(token(%q)) = %q, %v, want the key", key, got, err)
		}
	}
}

// TestTokensKeepOrder compares the order of random keys with the order of
// their tokens.
func TestTokensKeepOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	keys := slices.Clone(tokenCases)
	for range 2000 {
		b := make([]byte, r.IntN(8))
		for i := range b {
			b[i] = byte(r.IntN(4)) * 85 // few distinct bytes: many shared prefixes
		}
		keys = append(keys, string(b))
	}
	for i := range keys {
		for j := range keys[:i] {
			a, b := keys[i], keys[j]
			ta, tb := string(appendToken(nil, a)), string(appendToken(nil, b))
			if got, want := strings.Compare(ta, tb), strings.Compare(a, b); got != want {
				t.Fatalf("compare(token(%q), token(%q)) = %d, want %d as the keys", a, b, got, want)
			}
		}
	}
}

func TestDecodeTokenRefuses(t *testing.T) {
	for _, tok := range []string{"", "A", "AAAAA", "a.b", "a*", "!!", "AB", "A1"} {
		// "AB" and "A1" leave padding bits set.
		if got, err := decodeToken(tok); err == nil {
			t.Errorf("decodeToken(%q) = %q, nil; want an error", tok, got)
		}
	}
}

func TestParseSubject(t *testing.T) {
	for _, c := range []struct{ ns, kind, id string }{{"ns", "", "a"}, {"name space/ü.*>", "kind.1", "日本語"}} {
		subj := subject("P.Q", c.ns, c.kind, c.id)
		if len(subj) != subjectLen("P.Q", c.ns, c.kind, c.id) {
			t.Errorf("len(subject) = %d, want subjectLen %d", len(subj), subjectLen("P.Q", c.ns, c.kind, c.id))
		}
		ns, kind, id, err := parseSubject("P.Q", subj)
		if err != nil || ns != c.ns || kind != c.kind || id != c.id {
			t.Errorf("parseSubject(subject(%q)) = %q, %q, %q, %v", c, ns, kind, id, err)
		}
	}
	for _, subj := range []string{"P.Q", "P.Q.bmM", "P.Q.bmM.-", "P.Q.bmM.-.YQ.x", "X.Q.bmM.-.YQ", "P.QbmM.-.YQ.-"} {
		if _, _, _, err := parseSubject("P.Q", subj); err == nil {
			t.Errorf("parseSubject(%q) = nil error, want one", subj)
		}
	}
}

// FuzzDecodeRecord feeds hostile subjects, headers and bodies to the
// record reader and the store's decoding of its record: they must return
// an error or a valid change, never panic.
func FuzzDecodeRecord(f *testing.F) {
	f.Add(subject("S", "ns", "k", "a"), "1700000000000000000", "set", []byte(`{"kind":"k","id":"a","value":"v"}`))
	f.Add(subject("S", "ns", "", "a"), "-5", "unset", []byte(`{"kind":"","id":"a"}`))
	f.Add(subject("S", "ns", "k", "a"), "x", "set", []byte(`null`))
	f.Add("S.-.-.-", "1", "maybe", []byte{0xff})
	f.Add("S..", "", "", []byte(nil))
	f.Fuzz(func(t *testing.T, subj, ts, ct string, body []byte) {
		h := newHeader(changeType(ct), 0)
		h.Set(timeHeader, ts)
		c, err := backend.Decode[*item](jsonItemCodec{}, readRecord("S", subj, h, body))
		if err != nil {
			return
		}
		if err := (unionstore.Changes[*item]{c}).Validate(); err != nil {
			t.Fatalf("the record of %q decodes to an invalid change %+v: %v", subj, c, err)
		}
		if got := subject("S", c.Namespace, c.Entity.Kind, c.Entity.ID); got != subj {
			t.Fatalf("the record of %q decodes to an identity whose subject is %q", subj, got)
		}
	})
}
