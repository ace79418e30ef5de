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
// [unionstore.NamespaceLister], [unionstore.Getter], [unionstore.Checker],
// [unionstore.Purger], [unionstore.TombstonePurger], [unionstore.Watcher])
// or declared with options ([WithReopen]).
//
// Beside the suite, a backend's tests take a few lines each to run the
// package's other checks: [CheckAllocs] holds Save and Load to the
// module's allocation budgets; [BenchmarkBatchSize] and [BenchmarkLoad]
// are the benchmarks every module reports; [RunPurgeDurable] purges at
// scale and read-only; [ConcurrentWriters] compares concurrent writers
// with a model, [SaveConcurrently] races the writers of a model test of the
// backend's own, and [ExpectDifferences] shows that such a test fails with
// a safeguard removed; [Crash] kills a writing child process and checks
// what survived. [Faulty] wraps a store to inject faults.
//
// A backend whose tests need a server describes it with a [Server]: the
// variable naming its address, and a skip or, under CI, a failure when it
// does not answer. A [Shared] value, such as a pool, serves the package's
// tests: it hands out what a test makes on the server and removes it when
// the test ends ([Shared.Scratch], [Shared.Own]), names what the examples
// make and removes it after the run ([Shared.ExampleURL]), and runs the
// package's TestMain ([Shared.Main]). [Named] makes the factory and the
// reopen of a store that lives under such a name.
//
// The rest are pieces the backends' own tests share: [Set], [Unset] and
// [Change] make changes of [Item]; [Save], [Snapshot] and [ScanCount] call
// a store and fail the test on an error, [WantRefused] checks the error of
// an opener that must refuse, [WatchEvents] reads a number of
// events of a feed, and [WantEvent] and [WantExpired] check the next event
// of a watch that [PullWatch] started; [Closing] closes what an opener
// returned when the test ends; [RandomBatches] saves random batches and
// [Model] makes the reference that [ExpectModel] compares a store with;
// [HostileRows], [CheckDecoded] and [DecodeErrors] serve the fuzz and
// damage tests of decoding; [FillCustomers] makes the entities the fill
// benchmarks save;
// [KeyFeed] runs an embedded engine's own feed beside [BenchmarkWatch], and
// [PollRevisions] a SQL engine's; [MeasureScan] and [MeasureLoad] time a
// read and take the live heap it holds, [BenchmarkScanVersusLoad]
// compares a Scan with a Load by both, and [CheckScanMemory] holds a
// spilling Scan's heap to a bound.
//
// A few checks serve several backends beside the suite:
// [RunRefusesUnreadable] has a store refuse an entity its codec cannot
// read back ([Unreadable]); [PurgeTombstonesAtTheEdgesOfTime], which the
// suite runs on every [unionstore.TombstonePurger], purges a
// [TombstoneStore] with cut-offs at the ends of time; [FeedUpgrade]
// checks that data of a layout older than the change feed is read, and
// upgraded when written. [OnDisk] opens the stores of a backend kept in a
// file or directory each, for its tests and for [Run], and [FillPhase]
// is one phase of a fill benchmark.
package storetest
