package unionstore

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
)

// Codec turns entities into bytes and back. Durable backends use it to
// store payloads; the stored record keeps the namespace, kind, id, change
// type and timestamp beside the payload, so a codec only deals with the
// entity itself.
//
// Decode is given the kind and id the payload was stored under, and must
// return an entity whose CompactionKey gives them back: a store checks it
// at the first entity of each kind it saves (see [CodecFor]) and at every
// record it reads ([DecodeEntity]). It must not keep data after it returns:
// the store may reuse the bytes. A Codec must be safe for concurrent use.
type Codec[E Entity] interface {
	Encode(e E) ([]byte, error)
	Decode(kind, id string, data []byte) (E, error)
}

// JSONCodec returns a [Codec] that encodes entities with encoding/json. It
// suits a concrete entity type, a struct or a pointer to one, whose
// CompactionKey reads exported fields (or that marshals itself): an entity
// such as struct{ id, name string } encodes as {}, and a durable store
// refuses it at its first Save rather than store what it cannot load. For
// an interface entity type that holds several kinds, use a [KindCodec]: the
// JSON codec cannot know which type to decode into, and its Decode says so.
func JSONCodec[E Entity]() Codec[E] { return jsonCodec[E]{} }

type jsonCodec[E Entity] struct{}

func (jsonCodec[E]) Encode(e E) ([]byte, error) { return json.Marshal(e) }

func (jsonCodec[E]) Decode(kind, id string, data []byte) (E, error) {
	var e E
	if t := reflect.TypeFor[E](); t.Kind() == reflect.Interface {
		return e, fmt.Errorf("JSON codec cannot decode into interface type %v: use a KindCodec", t)
	}
	if err := json.Unmarshal(data, &e); err != nil {
		return e, err
	}
	return e, nil
}

// KindCodec is a JSON [Codec] for an interface entity type that holds
// several kinds in one store. Each kind is registered with a function that
// returns a new, empty entity of that kind as a pointer, which Decode fills.
//
// Encode refuses an entity of an unregistered kind, so that nothing is
// stored that could not be read back; Decode refuses an unregistered kind.
// Both errors wrap [ErrUnknownKind].
//
// A KindCodec is safe for concurrent use, registration included.
type KindCodec[E Entity] struct {
	mu    sync.RWMutex
	kinds map[string]func() E
}

// NewKindCodec returns a codec with no kinds registered.
func NewKindCodec[E Entity]() *KindCodec[E] {
	return &KindCodec[E]{kinds: make(map[string]func() E)}
}

// Register makes kind decodable with newEntity and returns c. It panics if
// kind is already registered, or if newEntity is nil or returns anything but
// a non-nil pointer: these are programming errors, found at start-up.
func (c *KindCodec[E]) Register(kind string, newEntity func() E) *KindCodec[E] {
	if newEntity == nil {
		panic(fmt.Sprintf("unionstore: KindCodec.Register(%q): nil function", kind))
	}
	if v := reflect.ValueOf(newEntity()); v.Kind() != reflect.Pointer || v.IsNil() {
		panic(fmt.Sprintf("unionstore: KindCodec.Register(%q): function must return a non-nil pointer, got %v", kind, v.Type()))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, dup := c.kinds[kind]; dup {
		panic(fmt.Sprintf("unionstore: KindCodec.Register(%q): kind registered twice", kind))
	}
	c.kinds[kind] = newEntity
	return c
}

func (c *KindCodec[E]) factory(kind string) (func() E, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	f, ok := c.kinds[kind]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownKind, kind)
	}
	return f, nil
}

// Encode returns the JSON encoding of e, or an error wrapping
// [ErrUnknownKind] if e's kind is not registered.
func (c *KindCodec[E]) Encode(e E) ([]byte, error) {
	kind, _ := e.CompactionKey()
	if _, err := c.factory(kind); err != nil {
		return nil, err
	}
	return json.Marshal(e)
}

// Decode returns a new entity of the registered kind filled from data.
func (c *KindCodec[E]) Decode(kind, id string, data []byte) (E, error) {
	f, err := c.factory(kind)
	if err != nil {
		var zero E
		return zero, err
	}
	e := f()
	if err := json.Unmarshal(data, any(e)); err != nil {
		var zero E
		return zero, err
	}
	return e, nil
}

// CodecFor returns codec as a [Codec] of E, or [JSONCodec] when codec is
// nil: for a backend whose options keep a codec before the store's entity
// type is known. A codec of another entity type is an error.
//
// The codec returned checks, at the first entity of each kind it encodes,
// that the payload decodes back to an entity of that kind and id, and
// otherwise refuses it with an error that wraps [ErrInvalidChange] and
// names the kind and the cause (such as an entity type whose fields
// encoding/json cannot see), so that a durable store refuses at the first
// Save what it could not load. This costs one decode per kind for the
// lifetime of the codec, not one per change; the codec remembers each kind
// that passed. It is safe for concurrent use if codec is.
func CodecFor[E Entity](codec any) (Codec[E], error) {
	if codec == nil {
		codec = JSONCodec[E]()
	}
	if c, ok := codec.(*checkedCodec[E]); ok {
		return c, nil
	}
	c, ok := codec.(Codec[E])
	if !ok {
		return nil, fmt.Errorf("codec %T does not encode the store's entity type: it cannot encode entities of type %v", codec, reflect.TypeFor[E]())
	}
	return &checkedCodec[E]{codec: c, checked: map[string]bool{}}, nil
}
