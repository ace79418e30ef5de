package mysqlstore

import "errors"

// ErrNoTable is wrapped by the error of a constructor given [WithoutCreate]
// when the table does not exist.
var ErrNoTable = errors.New("table does not exist")
