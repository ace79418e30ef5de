package mysqlstore_test

import (
	"context"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/mysqlstore"
	"github.com/unionstore/unionstore/storetest"
)

// crash kills a child process saving to a table at random moments; the
// test binary is the child when MYSQLSTORE_CRASH_CHILD names the table's
// URL and the round.
var crash = storetest.Crash{
	Env: "MYSQLSTORE_CRASH_CHILD",
	Open: func(url string) (unionstore.Store[storetest.Item], error) {
		return mysqlstore.OpenURL[storetest.Item](context.Background(), url)
	},
	Writers: 3,
	Rounds:  8,
}

// TestCrashKeepsAcknowledgedBatches kills a client process saving from
// three goroutines with SIGKILL at random moments, and checks after each
// kill that the table holds every batch the client acknowledged, whole,
// and any other batch whole or not at all: each batch is one transaction,
// which the server rolls back when its connection dies.
func TestCrashKeepsAcknowledgedBatches(t *testing.T) {
	crash.Run(t, server.URLWith(t, "table", newTable(t)))
}
