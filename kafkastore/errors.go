package kafkastore

import "errors"

// Errors of this package, beside those of [unionstore]. Compare with
// [errors.Is]: returned errors wrap them with the place that failed.
var (
	// ErrNoTopic is returned by a constructor given [WithoutCreate] for a
	// topic that does not exist.
	ErrNoTopic = errors.New("topic does not exist")

	// ErrClient is returned by [New] for a client that cannot keep the
	// store's promises: one without acks from all in-sync replicas, without
	// idempotent writes, or whose partitioner ignores the partition the
	// store chooses.
	ErrClient = errors.New("client not usable by the store")
)
