package backend

import (
	"errors"
	"fmt"

	"github.com/unionstore/unionstore"
)

// Apply applies opts to c in order and returns the first error, so that a
// constructor refuses an invalid option before it connects to anything.
// A nil option is skipped. Every backend's options have this shape:
//
//	type Option func(*config) error
//
//	c := config{table: DefaultTable}
//	if err := backend.Apply(&c, opts); err != nil { ... }
func Apply[C any, O ~func(*C) error](c *C, opts []O) error {
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(c); err != nil {
			return err
		}
	}
	return nil
}

// Configure applies opts to c as [Apply] does, then checks that the codec
// in slot, a field of c, is for entities of type E: what a generic
// constructor does first, so that an invalid option or a codec of another
// entity type is refused before anything connects.
//
//	c := config{table: DefaultTable}
//	if err := backend.Configure[E](&c, opts, &c.codec); err != nil { ... }
func Configure[E unionstore.Entity, C any, O ~func(*C) error](c *C, opts []O, slot *Codec) error {
	if err := Apply(c, opts); err != nil {
		return err
	}
	_, err := CodecOf[E](*slot)
	return err
}

// Codec holds the codec a backend's WithCodec option sets. A backend's
// options are not generic (its constructor is), so the option keeps the
// codec here and the constructor takes it back with [CodecOf], which
// checks its entity type. The zero value holds no codec.
type Codec struct {
	codec any // a unionstore.Codec[E]
}

// SetCodec is the body of a backend's WithCodec option: it keeps codec in
// slot, and refuses a nil codec.
//
//	func WithCodec[E unionstore.Entity](codec unionstore.Codec[E]) Option {
//		return func(c *config) error { return backend.SetCodec(&c.codec, codec) }
//	}
func SetCodec[E unionstore.Entity](slot *Codec, codec unionstore.Codec[E]) error {
	if codec == nil {
		return errors.New("nil codec")
	}
	slot.codec = codec
	return nil
}

// CodecOf returns the codec slot holds, or [unionstore.JSONCodec] when it
// holds none, checked on first use of each kind as [unionstore.CodecFor]
// says. It returns an error when the codec is for another entity type
// than E.
func CodecOf[E unionstore.Entity](slot Codec) (unionstore.Codec[E], error) {
	return unionstore.CodecFor[E](slot.codec)
}

// SetPositive is the body of an option whose value, a count or a
// duration, must be above zero: it sets *field to v, or refuses v with
// the error "what v: must be positive".
//
//	func WithPageSize(n int) Option {
//		return func(c *config) error { return backend.SetPositive(&c.pageSize, "page size", n) }
//	}
func SetPositive[T ~int | ~int64](field *T, what string, v T) error {
	if v <= 0 {
		return fmt.Errorf("%s %v: must be positive", what, v)
	}
	*field = v
	return nil
}

// SetNotNegative is [SetPositive] for a value that may be zero: it
// refuses v with the error "what v: must not be negative".
func SetNotNegative[T ~int | ~int64](field *T, what string, v T) error {
	if v < 0 {
		return fmt.Errorf("%s %v: must not be negative", what, v)
	}
	*field = v
	return nil
}
