package pgstore_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// serverExamples are the examples that need a server: they run, and their
// output is checked, when one answers at the URL in UNIONSTORE_POSTGRES_URL
// (or the default), and are skipped with a message otherwise, or fail with
// the CI variable set, as the tests do.
const serverExamples = "^Example(OpenURL|OpenURL_readOnly|New)$"

// exampleTables are the tables the examples made, dropped after the run.
var exampleTables struct {
	sync.Mutex
	names []string
}

// databaseURL returns the URL of the examples' server with table set to a
// table of the run's own, named after name.
func databaseURL(name string) string {
	u, err := url.Parse(serverURL())
	if err != nil {
		panic(err)
	}
	table := name + "_example_" + randomHex(4)
	exampleTables.Lock()
	exampleTables.names = append(exampleTables.names, table)
	exampleTables.Unlock()
	q := u.Query()
	q.Set("table", table)
	u.RawQuery = q.Encode()
	return u.String()
}

// tableName returns the table that a URL from databaseURL names.
func tableName(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(err)
	}
	return u.Query().Get("table")
}

// poolURL returns the URL of the examples' server without a table.
func poolURL() string { return serverURL() }

// skipServerExamples skips the server examples when no server answers,
// saying which variable to set, unless the CI variable is set.
func skipServerExamples() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, serverURL())
	if err == nil {
		_ = conn.Close(ctx)
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
	conn, err := pgx.Connect(ctx, serverURL())
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgstore: drop the examples' tables: %v\n", err)
		return
	}
	defer conn.Close(ctx)
	for _, t := range exampleTables.names {
		if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+pgx.Identifier{t}.Sanitize()); err != nil {
			fmt.Fprintf(os.Stderr, "pgstore: drop table %s: %v\n", t, err)
		}
	}
}
