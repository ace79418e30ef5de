package unionstore_test

import (
	"errors"
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
