package pgstore_test

// serverExamples are the examples that need a server: they run, and their
// output is checked, when one answers at the URL in UNIONSTORE_POSTGRES_URL
// (or the default), and are skipped with a message otherwise, or fail with
// the CI variable set, as the tests do.
const serverExamples = "^Example(OpenURL|OpenURL_readOnly|New)$"

// databaseURL returns the URL of the examples' server with table set to a
// table of the run's own, named after name, which TestMain drops after the
// run.
func databaseURL(name string) string { return admin.ExampleURL("table", name+"_example_") }

// exampleTable returns a table of the run's own, named after name, which
// TestMain drops after the run.
func exampleTable(name string) string { return admin.ExampleName(name + "_example_") }

// poolURL returns the URL of the examples' server without a table.
func poolURL() string { return serverURL() }
