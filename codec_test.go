package unionstore_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unionstore/unionstore"
)

func TestJSONCodecRoundTrip(t *testing.T) {
	c := unionstore.JSONCodec[Item]()
	in := Item{Kind: "k", ID: "a", Value: "ü\x00\"", N: -3}
	data, err := c.Encode(in)
	require.NoError(t, err)
	out, err := c.Decode("k", "a", data)
	require.NoError(t, err)
	assert.Equal(t, in, out)

	p := unionstore.JSONCodec[*pointerItem]()
	got, err := p.Decode("p", "x", []byte(`{"ID":"x"}`))
	require.NoError(t, err)
	assert.Equal(t, "x", got.ID)

	_, err = c.Decode("k", "a", []byte(`{"n": "not a number"}`))
	assert.Error(t, err)

	_, err = unionstore.JSONCodec[Shape]().Decode("circle", "c", []byte(`{}`))
	assert.ErrorContains(t, err, "use a KindCodec")
}

func TestKindCodec(t *testing.T) {
	c := unionstore.NewKindCodec[Shape]().Register("circle", func() Shape { return new(Circle) })
	data, err := c.Encode(&Circle{ID: "c1", Radius: 2})
	require.NoError(t, err)
	s, err := c.Decode("circle", "c1", data)
	require.NoError(t, err)
	assert.Equal(t, &Circle{ID: "c1", Radius: 2}, s)

	_, err = c.Encode(&Square{ID: "s"})
	assert.True(t, errors.Is(err, unionstore.ErrUnknownKind), "Encode of an unregistered kind = %v", err)
	_, err = c.Decode("circle", "c1", []byte("not json"))
	assert.Error(t, err)

	for name, register := range map[string]func(){
		"twice":       func() { c.Register("circle", func() Shape { return new(Circle) }) },
		"nil func":    func() { c.Register("x", nil) },
		"nil pointer": func() { c.Register("y", func() Shape { return (*Circle)(nil) }) },
	} {
		assert.Panics(t, register, name)
	}
}

func TestDecodeErrorNamesTheRecord(t *testing.T) {
	cause := errors.New("bad payload")
	err := error(&unionstore.DecodeError{Namespace: "ns", Kind: "k", ID: "a", Err: cause})
	assert.ErrorIs(t, err, unionstore.ErrDecode)
	assert.ErrorIs(t, err, cause)
	assert.Equal(t, `unionstore: decode namespace "ns" kind "k" id "a": bad payload`, err.Error())
}

func TestDecodeEntity(t *testing.T) {
	items := unionstore.JSONCodec[Item]()
	pointers := unionstore.JSONCodec[*pointerItem]()
	for _, tc := range []struct {
		name    string
		decode  func() error
		wantMsg string
	}{
		{"a payload that does not parse", func() error {
			_, err := unionstore.DecodeEntity(items, "ns", "k", "a", []byte(`{"id":`))
			return err
		}, "unexpected end"},
		{"another id", func() error {
			_, err := unionstore.DecodeEntity(items, "ns", "k", "a", []byte(`{"kind":"k","id":"b"}`))
			return err
		}, `decodes with kind "k" id "b"`},
		{"no id at all", func() error {
			_, err := unionstore.DecodeEntity(items, "ns", "k", "a", []byte(`{}`))
			return err
		}, `decodes with kind "" id ""`},
		{"null into a pointer entity", func() error {
			_, err := unionstore.DecodeEntity(pointers, "ns", "p", "a", []byte(`null`))
			return err
		}, "nil entity"},
		{"a CompactionKey that panics", func() error {
			_, err := unionstore.DecodeEntity[*pointerItem](panicking{}, "ns", "p", "a", []byte(`{}`))
			return err
		}, "CompactionKey panicked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.decode()
			var de *unionstore.DecodeError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, [3]string{"ns", de.Kind, "a"}, [3]string{de.Namespace, de.Kind, de.ID})
			assert.ErrorIs(t, err, unionstore.ErrDecode)
			assert.ErrorContains(t, err, tc.wantMsg)
		})
	}
	got, err := unionstore.DecodeEntity(items, "ns", "k", "a", []byte(`{"kind":"k","id":"a","n":3}`))
	require.NoError(t, err)
	assert.Equal(t, Item{Kind: "k", ID: "a", N: 3}, got)
}

func TestDecodeErrorsKeepsTenAndCountsTheRest(t *testing.T) {
	var d unionstore.DecodeErrors
	assert.NoError(t, d.Err(), "no error added")
	for i := range 13 {
		d.Add(&unionstore.DecodeError{Namespace: "ns", Kind: "k", ID: fmt.Sprint(i), Err: errors.New("bad")})
	}
	err := d.Err()
	assert.ErrorIs(t, err, unionstore.ErrDecode)
	var de *unionstore.DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "0", de.ID)
	msg := err.Error()
	assert.Contains(t, msg, "13 records could not be decoded")
	assert.Contains(t, msg, "3 more records")
	assert.Contains(t, msg, `id "9"`)
	assert.NotContains(t, msg, `id "10"`)
}

func TestDecodeErrorsSaysOneRecordInTheSingular(t *testing.T) {
	var d unionstore.DecodeErrors
	d.Add(&unionstore.DecodeError{Namespace: "ns", Kind: "k", ID: "a", Err: errors.New("bad")})
	assert.Contains(t, d.Err().Error(), "1 record could not be decoded and was left out")
}

// panicking decodes every payload into an entity whose CompactionKey panics.
type panicking struct{}

func (panicking) Encode(*pointerItem) ([]byte, error) { return []byte(`{}`), nil }

func (panicking) Decode(kind, id string, data []byte) (*pointerItem, error) {
	return &pointerItem{ID: id, panics: true}, nil
}
