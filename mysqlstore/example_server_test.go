package mysqlstore_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/unionstore/unionstore/mysqlstore"
)

// serverExamples are the examples that need a server: they run, and their
// output is checked, when one answers at the URL in UNIONSTORE_MYSQL_URL
// (or the default), and are skipped with a message otherwise, or fail with
// the CI variable set, as the tests do.
const serverExamples = "^Example(OpenURL|New|Store_Watch)$"

// exampleTables are the tables the examples made, dropped after the run.
var exampleTables struct {
	sync.Mutex
	names []string
}

// exampleURL returns the URL of the examples' server with table set to a
// table of the run's own.
func exampleURL() string {
	table := "unionstore_example_" + randomHex(4)
	exampleTables.Lock()
	exampleTables.names = append(exampleTables.names, table)
	exampleTables.Unlock()
	return urlWithTable(table)
}

// exampleDSN returns the go-sql-driver DSN of the examples' server.
func exampleDSN() string {
	dsn, err := mysqlstore.DSN(serverURL())
	if err != nil {
		panic(err)
	}
	return dsn
}

// tableOf returns the table a URL from exampleURL names.
func tableOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(err)
	}
	return u.Query().Get("table")
}

// skipServerExamples skips the server examples when no server answers,
// saying which variable to set, unless the CI variable is set.
func skipServerExamples() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	db, err := openDB(ctx)
	if err == nil {
		_ = db.Close()
	}
	server.SkipExamples(serverExamples, err)
}

// dropExampleTables drops the tables the examples made.
func dropExampleTables() {
	exampleTables.Lock()
	defer exampleTables.Unlock()
	if len(exampleTables.names) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := openDB(ctx)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mysqlstore: drop the examples' tables: %v\n", err)
		return
	}
	defer db.Close()
	for _, t := range exampleTables.names {
		if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS `"+t+"`, `"+t+"_feed`"); err != nil {
			fmt.Fprintf(os.Stderr, "mysqlstore: drop table %s: %v\n", t, err)
		}
	}
}
