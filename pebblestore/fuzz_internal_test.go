package pebblestore

import (
	"bytes"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

type fuzzItem struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
	V    string `json:"v"`
}

func (i fuzzItem) CompactionKey() (string, string) { return i.Kind, i.ID }

// FuzzDecodeRecord hands hostile keys and values to the record decoder: it
// must return an error or a valid change stored under exactly that key,
// never panic.
func FuzzDecodeRecord(f *testing.F) {
	good := encodeValue(headerOf(unionstore.ChangeTypeSet, time.Unix(1700000000, 5)), []byte(`{"kind":"k","id":"a","v":"x"}`))
	f.Add("ns", recordKey(nil, "ns", "k", "a"), good)
	f.Add("ns", recordKey(nil, "ns", "k", "a"), good[:headerSize])
	f.Add("ns", recordKey(nil, "ns", "k", "b"), good)
	f.Add("ns", []byte("\x02ns\x00k"), good)
	f.Add("ns", []byte("\x02ns\x00k\x00a\x00b"), good)
	f.Add("n", []byte("\x02ns\x00k\x00a"), good)
	f.Add("ns", recordKey(nil, "ns", "k", "a"), []byte{2, 1, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add("ns", recordKey(nil, "ns", "k", "a"), []byte{1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 'n', 'u', 'l', 'l'})
	f.Add("ns", recordKey(nil, "ns", "k", "a"), append([]byte{1, 2, 0x80, 0, 0, 0, 0, 0, 0, 0}, "null"...))
	f.Add("ns", recordKey(nil, "ns", "\xff", "a"), append([]byte{1, 1, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, `{"kind":"\xff","id":"a"}`...))
	f.Add("", []byte{}, []byte{})
	codec := unionstore.JSONCodec[fuzzItem]()
	f.Fuzz(func(t *testing.T, ns string, key, value []byte) {
		var a arena
		ch, err := backend.Decode(codec, recordOf(ns, key, value, &a))
		if err != nil {
			return
		}
		if err := (unionstore.Changes[fuzzItem]{ch}).Validate(); err != nil && ns != "" && isPortable(ns) {
			t.Fatalf("decode(%q, %q) = %+v, which is invalid: %v", key, value, ch, err)
		}
		n, kind, id := ch.Key()
		if n != ns || !bytes.Equal(recordKey(nil, n, kind, id), key) {
			t.Fatalf("decode(%q) = identity (%q, %q, %q), stored under another key", key, n, kind, id)
		}
		h, _, err := decodeValue(value)
		if err != nil || !ch.Timestamp.Equal(h.time()) || ch.ChangeType != h.changeType {
			t.Fatalf("decode(%q) = %+v, which does not match its header", value, ch)
		}
	})
}

// isPortable reports whether s could be an identity part of a valid change.
func isPortable(s string) bool {
	return (unionstore.Changes[fuzzItem]{{Namespace: s, ChangeType: unionstore.ChangeTypeSet, Entity: fuzzItem{ID: "x"}}}).Validate() == nil
}
