package boltstore

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
	"github.com/unionstore/unionstore/storetest"
)

// FuzzDecodeRecord feeds hostile keys and values to the decoding of stored
// records: each must give a change that would be stored under the same key,
// or an error wrapping unionstore.ErrDecode (and ErrCorrupt when the key
// or value does not follow the layout), and never a panic.
func FuzzDecodeRecord(f *testing.F) {
	ts := time.Unix(1700000000, 5)
	item := storetest.Item{Kind: "k", ID: "a", Value: strings.Repeat("value ", 30), N: 3}
	for _, c := range []compression{recordPlain, recordCompressed, recordS2} {
		for _, ct := range []unionstore.ChangeType{unionstore.ChangeTypeSet, unionstore.ChangeTypeUnset} {
			payload, err := unionstore.JSONCodec[storetest.Item]().Encode(item)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(encodeKey(nil, item.Kind, item.ID), encodeValue(headerOf(ct, ts), payload, c))
		}
	}
	f.Add([]byte("k\x00\x01a"), []byte{2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x28, 0xb5, 0x2f, 0xfd, 0x20, 0xff})
	f.Add([]byte("k\x00\x01a"), []byte{3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0})
	f.Add([]byte("k\x00\x01a"), []byte(nil))
	f.Add([]byte("k\x00\x02"), []byte{1, 1})
	codec, err := backend.CodecOf[storetest.Item](backend.Codec{})
	if err != nil {
		f.Fatal(err)
	}
	d := &driver{compress: recordCompressed, maxValue: MaxRecordSize}
	f.Fuzz(func(t *testing.T, key, value []byte) {
		var rd reader
		r := rd.record("ns", key, value)
		ch, err := backend.Decode(codec, r)
		if err != nil {
			if !errors.Is(err, unionstore.ErrDecode) {
				t.Fatalf("decode(%q, %x) = %v, want an error wrapping ErrDecode", key, value, err)
			}
			if r.Err != nil && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("decode(%q, %x) = %v, want a damaged record's error wrapping ErrCorrupt", key, value, err)
			}
			return
		}
		// Identities that are not portable may come from files written
		// before Validate refused them, so they are read back as they are.
		if ch.Namespace != "ns" || !ch.ChangeType.Valid() || ch.Timestamp.Before(unionstore.MinTimestamp) || ch.Timestamp.After(unionstore.MaxTimestamp) {
			t.Fatalf("decode(%q, %x) = %+v, an invalid change", key, value, ch)
		}
		kind, id := ch.Entity.CompactionKey()
		if got := encodeKey(nil, kind, id); string(got) != string(key) {
			t.Fatalf("decode(%q, %x) = entity %q/%q, stored under another key", key, value, kind, id)
		}
		// What decodes must encode again to a record that decodes the same.
		payload, err := codec.Encode(ch.Entity)
		if err == nil {
			err = d.CheckRecord(backend.Record{Namespace: ch.Namespace, Kind: kind, ID: id, Type: ch.ChangeType,
				Timestamp: ch.Timestamp.UnixNano(), Payload: payload})
		}
		if err != nil {
			t.Fatalf("decode(%q, %x) = %+v, which does not encode: %v", key, value, ch, err)
		}
	})
}
