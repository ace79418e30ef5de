package redisstore_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync"
	"time"
)

// serverExamples are the examples that need a server: they run, and their
// output is checked, when one answers at the URL in UNIONSTORE_REDIS_URL
// (or the default), and are skipped with a message otherwise, or fail with
// the CI variable set, as the tests do.
const serverExamples = "^Example(OpenURL|New|Store_Watch)$"

// examplePrefixes are the prefixes the examples used, whose keys are
// deleted after the run.
var examplePrefixes struct {
	sync.Mutex
	names []string
}

// exampleURL returns the URL of the examples' server with a prefix of the
// run's own.
func exampleURL() string {
	u, err := url.Parse(serverURL())
	if err != nil {
		panic(err)
	}
	q := u.Query()
	q.Set("prefix", examplePrefix())
	u.RawQuery = q.Encode()
	return u.String()
}

// examplePrefix returns a prefix of the run's own, remembered for cleanup.
func examplePrefix() string {
	prefix := "unionstore-example-" + randomHex(4)
	examplePrefixes.Lock()
	examplePrefixes.names = append(examplePrefixes.names, prefix)
	examplePrefixes.Unlock()
	return prefix
}

// exampleClientURL returns the URL of the examples' server, without a
// prefix, for a client of the example's own.
func exampleClientURL() string { return serverURL() }

// skipServerExamples skips the server examples when no server answers,
// saying which variable to set, unless the CI variable is set.
func skipServerExamples() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := openClient(ctx)
	if err == nil {
		_ = c.Close()
	}
	server.SkipExamples(serverExamples, err)
}

// deleteExampleKeys deletes the keys of the examples' prefixes.
func deleteExampleKeys() {
	examplePrefixes.Lock()
	defer examplePrefixes.Unlock()
	if len(examplePrefixes.names) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := openClient(ctx)
	if err != nil {
		fmt.Fprintf(os.Stderr, "redisstore: delete the examples' keys: %v\n", err)
		return
	}
	defer c.Close()
	for _, p := range examplePrefixes.names {
		if err := deleteKeys(c, p); err != nil {
			fmt.Fprintf(os.Stderr, "redisstore: delete keys of prefix %s: %v\n", p, err)
		}
	}
}
