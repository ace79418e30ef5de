package mysqlstore_test

import "github.com/unionstore/unionstore/mysqlstore"

// serverExamples are the examples that need a server: they run, and their
// output is checked, when one answers at the URL in UNIONSTORE_MYSQL_URL
// (or the default), and are skipped with a message otherwise, or fail with
// the CI variable set, as the tests do.
const serverExamples = "^Example(OpenURL|New|Store_Watch)$"

// exampleURL returns the URL of the examples' server with table set to a
// table of the run's own, which TestMain drops after the run.
func exampleURL() string { return admin.ExampleURL("table", "unionstore_example_") }

// exampleDSN returns the go-sql-driver DSN of the examples' server.
func exampleDSN() string {
	dsn, err := mysqlstore.DSN(serverURL())
	if err != nil {
		panic(err)
	}
	return dsn
}

// exampleTable returns a table of the run's own, which TestMain drops
// after the run.
func exampleTable() string { return admin.ExampleName("unionstore_example_") }
