// Package integration holds the tests and benchmarks that need more than
// one backend: unions of a server store with an embedded one, the
// redundancy scenario of S3 behind PostgreSQL, and the embedded engines
// measured against each other in one run. They live in a module of their
// own, which is never published, so that no backend's module requires a
// sibling for its tests alone and a user's module graph holds only the
// backends they import.
//
// Tests that need PostgreSQL or NATS find them as the backends' own tests
// do: UNIONSTORE_POSTGRES_URL and UNIONSTORE_NATS_URL, or the loopback
// defaults. Without a server they skip, naming the variable, or fail when
// the CI variable is set.
package integration
