package unionstore_test

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/unionstore/unionstore"
)

// customer hides its fields from encoding/json: it encodes as {}.
type customer struct{ id, name string }

func (c customer) CompactionKey() (kind, id string) { return "customer", c.id }

// hiddenShape is a Shape whose fields encoding/json cannot see.
type hiddenShape struct{ id string }

func (s *hiddenShape) CompactionKey() (string, string) { return "hidden", s.id }
func (s *hiddenShape) Area() float64                   { return 0 }

// idLosing stores items without their ids and reads them back without.
type idLosing struct{}

func (idLosing) Encode(i Item) ([]byte, error) { return []byte(i.Kind), nil }

func (idLosing) Decode(kind, id string, data []byte) (Item, error) {
	return Item{Kind: string(data)}, nil
}

// decodeCounting counts the decodes of a JSON codec.
type decodeCounting struct {
	unionstore.Codec[Item]
	decodes atomic.Int64
}

func (c *decodeCounting) Decode(kind, id string, data []byte) (Item, error) {
	c.decodes.Add(1)
	return c.Codec.Decode(kind, id, data)
}

func TestCodecForRefusesWhatItCannotReadBack(t *testing.T) {
	encode := func(codec any, e unionstore.Entity) func() error {
		return func() error {
			var err error
			switch e := e.(type) {
			case customer:
				var c unionstore.Codec[customer]
				if c, err = unionstore.CodecFor[customer](codec); err == nil {
					_, err = c.Encode(e)
				}
			case Item:
				var c unionstore.Codec[Item]
				if c, err = unionstore.CodecFor[Item](codec); err == nil {
					_, err = c.Encode(e)
				}
			case Shape:
				var c unionstore.Codec[Shape]
				if c, err = unionstore.CodecFor[Shape](codec); err == nil {
					_, err = c.Encode(e)
				}
			default:
				panic(fmt.Sprintf("no codec for %T", e))
			}
			return err
		}
	}
	shapes := unionstore.NewKindCodec[Shape]().
		Register("hidden", func() Shape { return new(hiddenShape) }).
		Register("circle", func() Shape { return new(Circle) })
	for _, tc := range []struct {
		name   string
		encode func() error
		want   string // "" for no error
	}{
		{"unexported fields, JSON codec", encode(nil, customer{id: "c1", name: "Ann"}),
			`kind "customer" cannot be stored, as the codec does not read them back: encoding/json sees no exported fields in unionstore_test.customer, so the entity decodes with kind "customer" id ""`},
		{"unexported fields, kind codec", encode(shapes, Shape(&hiddenShape{id: "h1"})),
			`kind "hidden" cannot be stored, as the codec does not read them back: encoding/json sees no exported fields in *unionstore_test.hiddenShape`},
		{"a codec that loses the id", encode(idLosing{}, Item{Kind: "k", ID: "a"}),
			`kind "k" cannot be stored, as the codec does not read them back: the entity decodes with kind "k" id "", not the kind and id it was stored under`},
		{"an interface type with the JSON codec", encode(nil, Shape(&Circle{ID: "c"})),
			`kind "circle" cannot be stored, as the codec does not read them back: its payload does not decode: JSON codec cannot decode into interface type`},
		{"exported fields, JSON codec", encode(nil, Item{Kind: "k", ID: "a"}), ""},
		{"a registered kind", encode(shapes, Shape(&Circle{ID: "c"})), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.encode()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Encode = %v, want no error", err)
				}
				return
			}
			if !errors.Is(err, unionstore.ErrInvalidChange) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Encode = %v, want ErrInvalidChange and %q", err, tc.want)
			}
		})
	}
}

func TestCodecForDecodesOncePerKind(t *testing.T) {
	counting := &decodeCounting{Codec: unionstore.JSONCodec[Item]()}
	c, err := unionstore.CodecFor[Item](counting)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := unionstore.CodecFor[Item](c); err != nil || again != c {
		t.Fatalf("CodecFor(its own result) = %v, %v; want the same codec", again, err)
	}
	for i := range 100 {
		for _, kind := range []string{"a", "b"} {
			if _, err := c.Encode(Item{Kind: kind, ID: fmt.Sprint(i)}); err != nil {
				t.Fatalf("Encode: %v", err)
			}
		}
	}
	if n := counting.decodes.Load(); n != 2 {
		t.Fatalf("200 encodes of 2 kinds decoded %d times, want 2", n)
	}
}

// BenchmarkCodecForEncode measures what the check adds to an encode once
// the kind has passed it: the codec CodecFor returns against the JSON
// codec it wraps.
func BenchmarkCodecForEncode(b *testing.B) {
	checked, err := unionstore.CodecFor[Item](nil)
	if err != nil {
		b.Fatal(err)
	}
	item := Item{Kind: "k", ID: "a", Value: "some value", N: 42}
	for _, bc := range []struct {
		name  string
		codec unionstore.Codec[Item]
	}{
		{"JSONCodec", unionstore.JSONCodec[Item]()},
		{"CodecFor", checked},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.codec.Encode(item); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
