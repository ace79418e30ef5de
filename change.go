package unionstore

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// ChangeType says whether a change sets an entity or removes it.
type ChangeType string

const (
	// ChangeTypeSet stores the entity as its latest version.
	ChangeTypeSet ChangeType = "set"
	// ChangeTypeUnset removes the entity. The change is kept as a tombstone
	// so that it can win over older sets in other stores.
	ChangeTypeUnset ChangeType = "unset"
)

// Valid reports whether t is one of the known change types.
func (t ChangeType) Valid() bool { return t == ChangeTypeSet || t == ChangeTypeUnset }

// Change is one version of an entity in a namespace.
type Change[E Entity] struct {
	Namespace  string
	ChangeType ChangeType
	Entity     E
	// Timestamp orders the versions of an entity: the latest wins. A zero
	// Timestamp is replaced with the current time when the change is saved.
	Timestamp time.Time
}

// Key returns the identity of the change: its namespace and its entity's
// kind and id. It must not be called on a change with a nil entity.
func (c Change[E]) Key() (namespace, kind, id string) {
	kind, id = c.Entity.CompactionKey()
	return c.Namespace, kind, id
}

// Changes is a batch of changes.
type Changes[E Entity] []Change[E]

// Validate checks every change of the batch and returns an error wrapping
// [ErrInvalidChange] for the first invalid one, naming its position: a nil
// entity, an empty namespace, an empty id, an unknown change type, a
// timestamp outside the range of [MinTimestamp] to [MaxTimestamp] (a zero
// timestamp is valid: it is stamped at Save), an entity whose CompactionKey
// panics, or a namespace, kind or id that is not portable. An empty kind is
// allowed.
//
// Portable identities are valid UTF-8 without NUL bytes: what one backend
// of this module accepts, every other can store and read back, and a
// [JSONCodec] does not rewrite it.
//
// A backend may refuse more than Validate does, such as a key its database
// cannot index; it says so through [Checker] and refuses such a batch with
// an error wrapping [ErrInvalidChange] before writing anything.
func (c Changes[E]) Validate() (err error) {
	i := 0
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: change %d: CompactionKey panicked: %v", ErrInvalidChange, i, r)
		}
	}()
	for ; i < len(c); i++ {
		ch := &c[i]
		switch {
		case ch.Namespace == "":
			return fmt.Errorf("%w: change %d: empty namespace", ErrInvalidChange, i)
		case !ch.ChangeType.Valid():
			return fmt.Errorf("%w: change %d: unknown change type %q", ErrInvalidChange, i, ch.ChangeType)
		case isNil(ch.Entity):
			return fmt.Errorf("%w: change %d: nil entity", ErrInvalidChange, i)
		case !ch.Timestamp.IsZero() && (ch.Timestamp.Before(MinTimestamp) || ch.Timestamp.After(MaxTimestamp)):
			return fmt.Errorf("%w: change %d: timestamp %v outside %d to %d", ErrInvalidChange, i, ch.Timestamp, MinTimestamp.Year(), MaxTimestamp.Year())
		}
		kind, id := ch.Entity.CompactionKey()
		if id == "" {
			return fmt.Errorf("%w: change %d: empty id", ErrInvalidChange, i)
		}
		for _, part := range [...]struct{ name, value string }{{"namespace", ch.Namespace}, {"kind", kind}, {"id", id}} {
			if err := checkPortable(part.value); err != nil {
				return fmt.Errorf("%w: change %d: %s %s %w", ErrInvalidChange, i, part.name, quoteShort(part.value), err)
			}
		}
	}
	return nil
}

// quoteShort quotes s for an error message, cut after 64 bytes.
func quoteShort(s string) string {
	const limit = 64
	if len(s) <= limit {
		return strconv.Quote(s)
	}
	return fmt.Sprintf("%q… (%d bytes)", s[:limit], len(s))
}

// checkPortable returns why s cannot be part of an identity, or nil.
func checkPortable(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8")
	}
	if strings.IndexByte(s, 0) >= 0 {
		return errors.New("holds a NUL byte")
	}
	return nil
}

// The range of timestamps a change may carry: what Unix nanoseconds in an
// int64 can hold, from 1677-09-21 to 2262-04-11, so that every backend can
// store timestamps exactly and order them as integers.
var (
	MinTimestamp = time.Unix(0, math.MinInt64).UTC()
	MaxTimestamp = time.Unix(0, math.MaxInt64).UTC()
)

// isNil reports whether e is a nil interface or a nil pointer, map, slice,
// channel or function.
func isNil[E any](e E) bool {
	switch reflect.TypeFor[E]().Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func, reflect.Interface:
	default:
		return false // a struct, string or number is never nil: no boxing
	}
	a := any(e)
	if a == nil {
		return true
	}
	v := reflect.ValueOf(a)
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func, reflect.Interface:
		return v.IsNil()
	}
	return false
}

// Stamped returns the batch with every zero timestamp replaced by one fresh
// timestamp from [Now], the same for the whole batch. c is never modified: it
// is copied when a stamp is needed and returned as it is otherwise. Stores
// call it at the start of Save.
func (c Changes[E]) Stamped() Changes[E] {
	var out Changes[E]
	var ts time.Time
	for i := range c {
		if !c[i].Timestamp.IsZero() {
			continue
		}
		if out == nil {
			out = append(Changes[E](nil), c...)
			ts = Now()
		}
		out[i].Timestamp = ts
	}
	if out == nil {
		return c
	}
	return out
}

// lastStamp holds the last time handed out by Now, in Unix nanoseconds.
var lastStamp atomic.Int64

// Now returns the current time in UTC, strictly later than any time it
// returned before in this process, whatever the clock's resolution. Builders
// and stores use it to stamp changes, so that changes made one after the
// other in one process are ordered as they were made. It is safe for
// concurrent use.
func Now() time.Time {
	for {
		n := time.Now().UnixNano()
		last := lastStamp.Load()
		if n <= last {
			n = last + 1
		}
		if lastStamp.CompareAndSwap(last, n) {
			return time.Unix(0, n).UTC()
		}
	}
}

// compareKeys orders changes of one namespace by kind, then id.
func compareKeys(kindA, idA, kindB, idB string) int {
	if c := strings.Compare(kindA, kindB); c != 0 {
		return c
	}
	return strings.Compare(idA, idB)
}

// ChangeOption adjusts one change made by a [ChangesBuilder].
type ChangeOption func(*changeOptions)

type changeOptions struct {
	timestamp time.Time
}

// WithTimestamp gives the change the timestamp t instead of the current
// time.
func WithTimestamp(t time.Time) ChangeOption {
	return func(o *changeOptions) { o.timestamp = t }
}

// ChangesBuilder builds a batch of changes for one namespace. Changes made
// without [WithTimestamp] get strictly increasing timestamps in call order,
// so that Set(v1) then Set(v2) of one entity always compacts to v2.
//
// A ChangesBuilder is not safe for concurrent use.
type ChangesBuilder[E Entity] struct {
	namespace string
	changes   Changes[E]
}

// NewChangesBuilder returns a builder for changes in namespace.
func NewChangesBuilder[E Entity](namespace string) *ChangesBuilder[E] {
	return &ChangesBuilder[E]{namespace: namespace}
}

// Set adds a change that stores e.
func (b *ChangesBuilder[E]) Set(e E, opts ...ChangeOption) *ChangesBuilder[E] {
	return b.add(ChangeTypeSet, e, opts)
}

// Unset adds a change that removes e.
func (b *ChangesBuilder[E]) Unset(e E, opts ...ChangeOption) *ChangesBuilder[E] {
	return b.add(ChangeTypeUnset, e, opts)
}

func (b *ChangesBuilder[E]) add(t ChangeType, e E, opts []ChangeOption) *ChangesBuilder[E] {
	var o changeOptions
	for _, opt := range opts {
		opt(&o)
	}
	if o.timestamp.IsZero() {
		o.timestamp = Now()
	}
	b.changes = append(b.changes, Change[E]{Namespace: b.namespace, ChangeType: t, Entity: e, Timestamp: o.timestamp})
	return b
}

// Build returns the changes added so far, in call order. The result is a
// copy: the builder may go on being used.
func (b *ChangesBuilder[E]) Build() Changes[E] {
	return append(Changes[E](nil), b.changes...)
}
