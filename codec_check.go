package unionstore

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
)

// checkedCodec is the codec that [CodecFor] gives a durable backend. The
// first time it encodes an entity of a kind, it decodes the payload back
// and refuses the entity unless it comes back with its own kind and id:
// otherwise the store would take it and then fail to read it, as with an
// entity whose fields encoding/json cannot see. Later entities of a kind
// that passed are encoded without a decode.
type checkedCodec[E Entity] struct {
	codec Codec[E]

	mu      sync.RWMutex
	checked map[string]bool // kinds that came back whole, never removed
}

func (c *checkedCodec[E]) Encode(e E) ([]byte, error) {
	data, err := c.codec.Encode(e)
	if err != nil {
		return nil, err
	}
	kind, id := e.CompactionKey()
	c.mu.RLock()
	ok := c.checked[kind]
	c.mu.RUnlock()
	if ok {
		return data, nil
	}
	if err := c.roundTrip(e, kind, id, data); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.checked[kind] = true
	c.mu.Unlock()
	return data, nil
}

func (c *checkedCodec[E]) Decode(kind, id string, data []byte) (E, error) {
	return c.codec.Decode(kind, id, data)
}

// roundTrip decodes data, the payload of e, and checks that it gives back
// an entity of e's kind and id.
func (c *checkedCodec[E]) roundTrip(e E, kind, id string, data []byte) error {
	back, err := c.codec.Decode(kind, id, data)
	if err != nil {
		return &unreadableError{kind: kind, err: fmt.Errorf("its payload does not decode: %w", err)}
	}
	if err := checkIdentity(back, kind, id); err != nil {
		if t := reflect.TypeOf(any(e)); c.usesJSON() && hiddenFromJSON(t) {
			err = fmt.Errorf("encoding/json sees no exported fields in %v, so %w", t, err)
		}
		return &unreadableError{kind: kind, err: err}
	}
	return nil
}

// usesJSON reports whether the codec encodes with encoding/json.
func (c *checkedCodec[E]) usesJSON() bool {
	switch c.codec.(type) {
	case jsonCodec[E], *KindCodec[E]:
		return true
	}
	return false
}

// unreadableError refuses an entity that its codec cannot read back.
type unreadableError struct {
	kind string
	err  error
}

func (e *unreadableError) Error() string {
	return fmt.Sprintf("entities of kind %q cannot be stored, as the codec does not read them back: %v", e.kind, e.err)
}

func (e *unreadableError) Unwrap() []error { return []error{ErrInvalidChange, e.err} }

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// hiddenFromJSON reports whether t, or what it points to, is a struct that
// encoding/json encodes as {} whatever its value: it marshals itself in no
// way, and has no field that encoding/json encodes.
func hiddenFromJSON(t reflect.Type) bool {
	if t == nil {
		return false
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct && !marshalsItself(t) && !hasJSONField(t, map[reflect.Type]bool{})
}

func marshalsItself(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return t.Implements(jsonMarshaler) || p.Implements(jsonMarshaler) || t.Implements(textMarshaler) || p.Implements(textMarshaler)
}

// hasJSONField reports whether struct t has a field that encoding/json
// encodes: an exported one not tagged "-", or one promoted from an
// embedded struct. seen guards against embedding cycles.
func hasJSONField(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		if f.Anonymous {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct && (tag == "" || tag[0] == ',') {
				// Its fields are promoted, even from an unexported type.
				if marshalsItself(ft) || hasJSONField(ft, seen) {
					return true
				}
				continue
			}
		}
		if f.IsExported() {
			return true
		}
	}
	return false
}
