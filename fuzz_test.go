package unionstore_test

import (
	"errors"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// fuzzPayloads seeds the codec fuzz targets with payloads a store may hold
// after damage or tampering.
var fuzzPayloads = []string{
	`{"kind":"k","id":"a","value":"v","n":1}`,
	`null`, `{}`, `[]`, `"x"`, `{"id":`, `{"n":1e400}`, `{"kind":1}`,
	"\xff\xfe", `{"id":"a","radius":"NaN"}`, `{"radius":-0}`,
}

// FuzzJSONCodecDecode decodes hostile bytes through the JSON codec and
// DecodeEntity, as every durable store does: the result is an error or an
// entity with the identity it was stored under, never a panic.
func FuzzJSONCodecDecode(f *testing.F) {
	for _, p := range fuzzPayloads {
		f.Add("k", "a", []byte(p))
	}
	codec := unionstore.JSONCodec[storetest.Item]()
	ptrCodec := unionstore.JSONCodec[*storetest.Item]()
	f.Fuzz(func(t *testing.T, kind, id string, data []byte) {
		e, err := unionstore.DecodeEntity(codec, "ns", kind, id, data)
		checkDecoded(t, kind, id, e, err)
		p, err := unionstore.DecodeEntity(ptrCodec, "ns", kind, id, data)
		if err == nil && p == nil {
			t.Fatal("DecodeEntity returned a nil pointer without an error")
		}
		if err == nil {
			checkDecoded(t, kind, id, *p, nil)
		} else {
			checkDecoded(t, kind, id, storetest.Item{}, err)
		}
	})
}

// FuzzKindCodecDecode does the same through a KindCodec of an interface
// entity type.
func FuzzKindCodecDecode(f *testing.F) {
	for _, p := range fuzzPayloads {
		f.Add("circle", "a", []byte(p))
		f.Add("square", "a", []byte(p))
	}
	codec := unionstore.NewKindCodec[Shape]().Register("circle", func() Shape { return new(Circle) })
	f.Fuzz(func(t *testing.T, kind, id string, data []byte) {
		e, err := unionstore.DecodeEntity[Shape](codec, "ns", kind, id, data)
		if err != nil {
			var de *unionstore.DecodeError
			if !errors.As(err, &de) || !errors.Is(err, unionstore.ErrDecode) {
				t.Fatalf("error %v is not a DecodeError wrapping ErrDecode", err)
			}
			return
		}
		if k, i := e.CompactionKey(); k != kind || i != id {
			t.Fatalf("decoded %q/%q, stored under %q/%q", k, i, kind, id)
		}
	})
}

func checkDecoded(t *testing.T, kind, id string, e storetest.Item, err error) {
	t.Helper()
	if err != nil {
		var de *unionstore.DecodeError
		if !errors.As(err, &de) || !errors.Is(err, unionstore.ErrDecode) || de.Kind != kind || de.ID != id {
			t.Fatalf("error %v is not a DecodeError naming %q/%q", err, kind, id)
		}
		return
	}
	if e.Kind != kind || e.ID != id {
		t.Fatalf("decoded %q/%q, stored under %q/%q", e.Kind, e.ID, kind, id)
	}
}
