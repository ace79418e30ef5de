package redisstore_test

// serverExamples are the examples that need a server: they run, and their
// output is checked, when one answers at the URL in UNIONSTORE_REDIS_URL
// (or the default), and are skipped with a message otherwise, or fail with
// the CI variable set, as the tests do.
const serverExamples = "^Example(OpenURL|New|Store_Watch)$"

// exampleURL returns the URL of the examples' server with a prefix of the
// run's own.
func exampleURL() string { return admin.ExampleURL("prefix", "unionstore-example-") }

// examplePrefix returns a prefix of the run's own, whose keys TestMain
// deletes after the run.
func examplePrefix() string { return admin.ExampleName("unionstore-example-") }

// exampleClientURL returns the URL of the examples' server, without a
// prefix, for a client of the example's own.
func exampleClientURL() string { return serverURL() }
