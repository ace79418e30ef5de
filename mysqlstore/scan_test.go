package mysqlstore_test

import (
	"database/sql"
	"fmt"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/mysqlstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestScanPageIsARangeOfThePrimaryKey asks the server how it runs the
// query of a page after the first: as a range of the primary key, which
// begins at the last key read, so that a page costs the same wherever it
// lies. MariaDB runs the shorter (kind, id) > (?, ?) as a filter on every
// row of the namespace from its first.
func TestScanPageIsARangeOfThePrimaryKey(t *testing.T) {
	s := newStore(t)
	var batch unionstore.Changes[storetest.Item]
	for i := range 200 {
		batch = append(batch, set("ns", fmt.Sprintf("k%d", i%3), fmt.Sprintf("%04d", i), "v", at(i)))
	}
	save(t, s, batch...)
	rows, err := adminDB(t).Query("EXPLAIN "+mysqlstore.PageSQL(s), []byte("ns"), []byte("k1"), []byte("k1"), []byte("0100"), 50)
	if err != nil {
		t.Fatalf("EXPLAIN: %v", err)
	}
	defer rows.Close()
	columns, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next() {
		t.Fatalf("EXPLAIN returned no row: %v", rows.Err())
	}
	values := make([]sql.NullString, len(columns))
	ptrs := make([]any, len(columns))
	for i := range values {
		ptrs[i] = &values[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	plan := map[string]string{}
	for i, c := range columns {
		plan[c] = values[i].String
	}
	if plan["type"] != "range" || plan["key"] != "PRIMARY" {
		t.Errorf("the page query runs as type %q on key %q, want a range of PRIMARY: %v", plan["type"], plan["key"], plan)
	}
}
