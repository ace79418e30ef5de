package mysqlstore

import (
	"database/sql"

	"github.com/unionstore/unionstore/backend"
)

// row holds the columns of one row as read, before they are a record.
type row struct {
	kind, id   string
	changeType sql.RawBytes
	ts         int64
	payload    []byte
}

// scan reads the current row of rows, whose columns are kind, id,
// change_type, ts and payload.
func (r *row) scan(rows *sql.Rows) error {
	return rows.Scan(&r.kind, &r.id, &r.changeType, &r.ts, &r.payload)
}

// record returns the row as a record of namespace. A change type other than
// set or unset, which a damaged or hand-edited table can hold (an invalid
// ENUM value reads as ""), is kept as it is, for the store to report as a
// decode error naming the row.
func (r *row) record(namespace string) backend.Record {
	return backend.Record{
		Namespace: namespace,
		Kind:      r.kind,
		ID:        r.id,
		Type:      backend.TypeOf(r.changeType),
		Timestamp: r.ts,
		Payload:   r.payload,
	}
}
