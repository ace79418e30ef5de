package sqlitestore

import (
	"fmt"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// row is one row of the records table as database/sql scans it, each
// column as the driver gives it: a string for TEXT, []byte for a BLOB,
// int64 for an INTEGER, float64 for a REAL, nil for NULL. The layout
// stores only the first three.
type row struct {
	kind, id, typ, ts, payload any
}

// dest returns the scan destinations of the columns kind, id, type, ts
// and payload, in that order.
func (r *row) dest() []any { return []any{&r.kind, &r.id, &r.typ, &r.ts, &r.payload} }

// record turns the row of namespace into a record. A row whose columns do
// not hold what the layout says, as a damaged page may, gives an error
// wrapping [ErrCorrupt] that names the row as far as it can.
func (r *row) record(namespace string) (backend.Record, error) {
	kind, ok1 := r.kind.(string)
	id, ok2 := r.id.(string)
	if !ok1 || !ok2 {
		return backend.Record{}, fmt.Errorf("%w: a row of namespace %q has a kind of %s and an id of %s, want text",
			ErrCorrupt, namespace, sqlType(r.kind), sqlType(r.id))
	}
	rec := backend.Record{Namespace: namespace, Kind: kind, ID: id}
	fail := func(format string, args ...any) (backend.Record, error) {
		return backend.Record{}, fmt.Errorf("%w: row %q %q %q: %s", ErrCorrupt, namespace, kind, id, fmt.Sprintf(format, args...))
	}
	switch t, _ := r.typ.(int64); {
	case sqlType(r.typ) != "integer":
		return fail("type is %s, want integer", sqlType(r.typ))
	case t == typeSet:
		rec.Type = unionstore.ChangeTypeSet
	case t == typeUnset:
		rec.Type = unionstore.ChangeTypeUnset
	default:
		return fail("unknown type %d", t)
	}
	ts, ok := r.ts.(int64)
	if !ok {
		return fail("ts is %s, want integer", sqlType(r.ts))
	}
	rec.Timestamp = ts
	switch p := r.payload.(type) {
	case []byte:
		rec.Payload = p
	case nil:
		// A zero-length blob may read back as NULL; NOT NULL keeps
		// real NULLs out, so an empty payload it is.
		rec.Payload = []byte{}
	default:
		return fail("payload is %s, want a blob", sqlType(r.payload))
	}
	return rec, nil
}

// sqlType names the storage class of a column value.
func sqlType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "text"
	case []byte:
		return "blob"
	case int64:
		return "integer"
	case float64:
		return "real"
	}
	return fmt.Sprintf("%T", v)
}
