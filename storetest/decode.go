package storetest

import (
	"errors"
	"math"
	"testing"

	"github.com/unionstore/unionstore"
)

// Row is a row of a backend's table or a record of its keys as another
// program or damage could leave it: any keys, change type, timestamp and
// payload, for a fuzz test of the backend's decoding.
type Row struct {
	Kind, ID, ChangeType string
	Timestamp            int64 // nanoseconds since the Unix epoch
	Payload              string
}

// HostileRows returns the seeds of a fuzz test of decoding: rows of a
// valid change, of extreme timestamps, of change types other than set and
// unset, of payloads that are empty, null, of another identity or not
// JSON, and of keys that are empty or not valid UTF-8. Each call returns a
// new slice, which a backend may extend with rows of its own.
func HostileRows() []Row {
	return []Row{
		{"k", "a", "set", 1, `{"kind":"k","id":"a","value":"v"}`},
		{"k", "a", "unset", -1, `{"kind":"k","id":"a"}`},
		{"k", "a", "set", math.MaxInt64, `{"kind":"k","id":"a"}`},
		{"k", "a", "set", math.MinInt64, `{"kind":"k","id":"a"}`},
		{"k", "a", "SET", 0, `{"kind":"k","id":"a"}`},
		{"k", "a", "", 0, ``},
		{"k", "a", "set", 0, `null`},
		{"k", "a", "set", 0, `{"kind":"k","id":"b"}`},
		{"k", "a", "set", 0, `{"kind":"k","id":"a","n":1e400}`},
		{"k", "a", "set", 0, `[{"kind":"k"}]`},
		{"k", "a", "set", 0, `{"kind":"k","id":"a"`},
		{"", "a", "set", 0, `{"id":"a"}`},
		{"k", "", "set", 0, `{"kind":"k"}`},
		{"k\x00", "a\xff", "set\x00", 0, "{\"kind\":\"k\\u0000\",\"id\":\"a\\ufffd\"}"},
		{"k", "a", "set", 0, "\xff\xfe\x00"},
	}
}

// CheckDecoded checks what the read op returned for the stored row
// (ns, kind, id) whose timestamp is ts: either an error that wraps
// [unionstore.ErrDecode] in a [unionstore.DecodeError] naming the row, or a
// change that is the row's, with its namespace, kind, id and timestamp and
// a valid change type. It fails tb at the first difference.
func CheckDecoded[E unionstore.Entity](tb testing.TB, op string, c unionstore.Change[E], err error, ns, kind, id string, ts int64) {
	tb.Helper()
	if err != nil {
		var de *unionstore.DecodeError
		if !errors.Is(err, unionstore.ErrDecode) || !errors.As(err, &de) || de.Namespace != ns || de.Kind != kind || de.ID != id {
			tb.Fatalf("%s: error %v does not wrap ErrDecode in a DecodeError naming %q/%q/%q", op, err, ns, kind, id)
		}
		return
	}
	gotNS, gotKind, gotID := c.Key()
	if gotNS != ns || gotKind != kind || gotID != id {
		tb.Fatalf("%s: change has identity %q/%q/%q, want %q/%q/%q", op, gotNS, gotKind, gotID, ns, kind, id)
	}
	if got := c.Timestamp.UnixNano(); got != ts {
		tb.Fatalf("%s: timestamp = %d ns, want %d", op, got, ts)
	}
	if !c.ChangeType.Valid() {
		tb.Fatalf("%s: change type %q is not valid", op, c.ChangeType)
	}
}

// DecodeErrors returns every [unionstore.DecodeError] in err's tree, in
// the order of a depth-first walk, for a test that checks which records a
// read could not decode. A DecodeError's own cause is not searched.
func DecodeErrors(err error) []*unionstore.DecodeError {
	if de, ok := err.(*unionstore.DecodeError); ok {
		return []*unionstore.DecodeError{de}
	}
	var out []*unionstore.DecodeError
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			out = append(out, DecodeErrors(e)...)
		}
	case interface{ Unwrap() error }:
		out = DecodeErrors(u.Unwrap())
	}
	return out
}
