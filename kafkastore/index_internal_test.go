package kafkastore

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"

	"github.com/unionstore/unionstore"
)

// FuzzIndexVisit feeds hostile keys and values to the index of Get: it
// must never panic, and splitKey must split the key of any identity into
// its namespace and the rest that appendKey wrote.
func FuzzIndexVisit(f *testing.F) {
	f.Add("ns", "k", "a", appendKey(nil, "ns", "k", "a"), appendValue(nil, unionstore.ChangeTypeSet, 1, []byte("{}")))
	f.Add("ns", "", "x", appendPurgeKey(nil, "ns"), []byte{valueVersion, typePurge, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Add("", "k", "a", []byte{keyVersion, 0x80, 0}, []byte(nil))
	f.Add("ns", "k", "a", []byte{keyVersion, 9, 'n'}, []byte{valueVersion, 9})
	f.Fuzz(func(t *testing.T, ns, kind, id string, key, value []byte) {
		p := &partIndex{spaces: map[string]*spaceIndex{}}
		p.visit(0, key, value)
		p.visit(1, key, nil)
		p.visit(2, appendPurgeKey(nil, ns), value)
		want := appendKey(nil, ns, kind, id)
		gotNS, rest, ok := splitKey(want)
		if !ok || string(gotNS) != ns || !bytes.Equal(rest, want[len(appendPrefix(nil, ns)):]) {
			t.Fatalf("splitKey(appendKey(%q, %q, %q)) = %q, %q, %v", ns, kind, id, gotNS, rest, ok)
		}
	})
}

// BenchmarkGetIndexMemory indexes a namespace of 100k identities, of keys
// as the package's benchmarks write them (kind "k", ids of 7 digits), and
// reports the bytes the index holds per identity.
func BenchmarkGetIndexMemory(b *testing.B) {
	const entities = 100_000
	value := appendValue(nil, unionstore.ChangeTypeSet, 1, []byte(`{"value":"some value of moderate length"}`))
	keys := make([][]byte, entities)
	for i := range keys {
		keys[i] = appendKey(nil, "ns", "k", fmt.Sprintf("%07d", i))
	}
	var perIdentity float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		p := &partIndex{spaces: map[string]*spaceIndex{}}
		for i, k := range keys {
			p.visit(int64(i), k, value)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if n := len(p.spaces["ns"].latest); n != entities {
			b.Fatalf("index of %d identities, want %d", n, entities)
		}
		perIdentity = float64(after.HeapAlloc-before.HeapAlloc) / entities
		runtime.KeepAlive(p)
	}
	b.ReportMetric(perIdentity, "B/identity")
}
