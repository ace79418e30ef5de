package storetest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/unionstore/unionstore"
)

// fillWords are the words of the values of [FillValue].
var fillWords = strings.Fields("the a customer order shipped pending account billing address street city north south east west invoice paid total amount item product quantity price note delivery express standard priority")

// FillValue returns a value of words drawn from r out of a small
// vocabulary, each followed by a space, of at least 200 bytes: text that
// compresses as an application's records do.
func FillValue(r *rand.Rand) string {
	var v strings.Builder
	for v.Len() < 200 {
		v.WriteString(fillWords[r.IntN(len(fillWords))])
		v.WriteByte(' ')
	}
	return v.String()
}

// FillIDs returns n ids of 16 hexadecimal digits drawn from r, in no
// order, for [FillCustomers].
func FillIDs(r *rand.Rand, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%016x", r.Uint64())
	}
	return ids
}

// FillCustomers returns sets of the entities ids in namespace ns, at ts,
// whose JSON is about 270 bytes: kind "customer", the id, a [FillValue]
// and a number, both drawn from r. The benchmarks that fill engines with
// many entities save these, so that one seed fills every engine alike.
func FillCustomers(r *rand.Rand, ns string, ids []string, ts time.Time) unionstore.Changes[Item] {
	out := make(unionstore.Changes[Item], len(ids))
	for i, id := range ids {
		out[i] = unionstore.Change[Item]{Namespace: ns, ChangeType: unionstore.ChangeTypeSet,
			Entity: Item{Kind: "customer", ID: id, Value: FillValue(r), N: r.IntN(1 << 30)}, Timestamp: ts}
	}
	return out
}
