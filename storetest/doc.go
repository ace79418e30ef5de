// Package storetest is the conformance suite for implementations of
// [unionstore.Store]. A backend runs it with one call from its tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) unionstore.Store[storetest.Item] {
//			return openFreshStore(t)
//		})
//	}
//
// The suite brings its own entity type, [Item]. Optional capabilities are
// found from the interfaces a store implements ([unionstore.Scanner],
// [unionstore.NamespaceLister]) or declared with options ([WithReopen]).
//
// Beside the suite, a backend's tests take a few lines each to run the
// package's other checks: [CheckAllocs] holds Save and Load to the
// module's allocation budgets; [BenchmarkBatchSize] and [BenchmarkLoad]
// are the benchmarks every module reports; [RunPurgeDurable] purges at
// scale and read-only; [ConcurrentWriters] compares concurrent writers
// with a model; [Crash] kills a writing child process and checks what
// survived. [Faulty] wraps a store to inject faults.
package storetest
