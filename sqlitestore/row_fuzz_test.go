package sqlitestore

import (
	"bytes"
	"errors"
	"testing"

	"github.com/unionstore/unionstore"
)

// fuzzValue makes a column value of the storage class that tag picks,
// from b or n: what a damaged page can hand database/sql.
func fuzzValue(tag byte, b []byte, n int64) any {
	switch tag % 6 {
	case 0:
		return string(b)
	case 1:
		return b
	case 2:
		return n
	case 3:
		return nil
	case 4:
		return float64(n)
	}
	return true // no storage class of SQLite
}

// FuzzRowRecord turns rows of any column types and values into records:
// row.record must never panic, must return an error wrapping ErrCorrupt
// for a row the layout cannot hold, and must otherwise return exactly the
// row's values, which write back as the same columns.
func FuzzRowRecord(f *testing.F) {
	f.Add(byte(0), []byte("k"), byte(0), []byte("id"), byte(2), int64(1), byte(2), int64(1_700_000_000_000_000_000), byte(1), []byte(`{"kind":"k","id":"id"}`))
	f.Add(byte(0), []byte(""), byte(0), []byte("é"), byte(2), int64(2), byte(2), int64(-1), byte(3), []byte(nil))
	f.Add(byte(1), []byte("k"), byte(0), []byte("id"), byte(2), int64(3), byte(0), int64(0), byte(0), []byte("text payload"))
	f.Add(byte(0), []byte("k"), byte(0), []byte("id"), byte(4), int64(1), byte(4), int64(5), byte(2), []byte{})
	f.Fuzz(func(t *testing.T, kt byte, kind []byte, it byte, id []byte, tt byte, typ int64, st byte, ts int64, pt byte, payload []byte) {
		r := row{
			kind:    fuzzValue(kt, kind, 0),
			id:      fuzzValue(it, id, 0),
			typ:     fuzzValue(tt, nil, typ),
			ts:      fuzzValue(st, nil, ts),
			payload: fuzzValue(pt, payload, 0),
		}
		rec, err := r.record("ns")
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("record(%#v) = %v, want an error wrapping ErrCorrupt", r, err)
			}
			return
		}
		switch {
		case rec.Namespace != "ns" || rec.Kind != r.kind || rec.ID != r.id:
			t.Fatalf("record(%#v) has identity %q %q %q", r, rec.Namespace, rec.Kind, rec.ID)
		case !rec.Type.Valid() || typeCode(rec.Type) != r.typ:
			t.Fatalf("record(%#v) has type %q, which writes back as %d", r, rec.Type, typeCode(rec.Type))
		case rec.Timestamp != r.ts:
			t.Fatalf("record(%#v) has timestamp %d", r, rec.Timestamp)
		case rec.Payload == nil:
			t.Fatalf("record(%#v) has a nil payload", r)
		case r.payload != nil && !bytes.Equal(rec.Payload, r.payload.([]byte)):
			t.Fatalf("record(%#v) has payload %q", r, rec.Payload)
		case r.payload == nil && len(rec.Payload) != 0:
			t.Fatalf("record(%#v) of a NULL payload has payload %q", r, rec.Payload)
		}
		if rec.Unset() != (rec.Type == unionstore.ChangeTypeUnset) {
			t.Fatal("Unset disagrees with the type")
		}
	})
}
