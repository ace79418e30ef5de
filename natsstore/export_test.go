package natsstore

import "github.com/nats-io/nats.go/jetstream"

// SetWithoutSequenceCheck removes the expected-sequence check from Save's
// publishes, or restores it, and returns a function that restores the
// previous setting.
func SetWithoutSequenceCheck(without bool) (restore func()) {
	old := withoutSequenceCheck
	withoutSequenceCheck = without
	return func() { withoutSequenceCheck = old }
}

// Subject returns the subject of (namespace, kind, id) under prefix.
func Subject(prefix, namespace, kind, id string) string { return subject(prefix, namespace, kind, id) }

// SetPulled sets a function that reads call after each pull, and returns
// a function that removes it.
func SetPulled(fn func()) (restore func()) {
	old := pulled
	pulled = fn
	return func() { pulled = old }
}

// SetPurgeBegun sets a function that Purge calls between its first marker
// and the purge, and returns a function that removes it.
func SetPurgeBegun(fn func()) (restore func()) {
	old := purgeBegun
	purgeBegun = fn
	return func() { purgeBegun = old }
}

// SetSnapshotBetween sets a function that Snapshot calls between its read
// of the stream's state and its load, and returns a function that removes
// it.
func SetSnapshotBetween(fn func()) (restore func()) {
	old := snapshotBetween
	snapshotBetween = fn
	return func() { snapshotBetween = old }
}

// NamespaceFilter returns the subject filter of namespace's changes under
// prefix.
func NamespaceFilter(prefix, namespace string) string { return namespaceFilter(prefix, namespace) }

// SetSpilledScan sets a function that Scan calls when it has written runs
// to its temporary file, and returns a function that removes it.
func SetSpilledScan(fn func()) (restore func()) {
	old := spilledScan
	spilledScan = fn
	return func() { spilledScan = old }
}

// NotFound reports whether err, that of a deletion, says that the message
// is not in the stream.
func NotFound(err error) bool { return notFound(err) }

// StreamConfig returns the settings of a stream that the store creates
// under name.
func StreamConfig(name string) jetstream.StreamConfig {
	return streamConfig(config{stream: name, prefix: name})
}

// SetSavePath sets a function that each Save of a namespace calls with
// the way it learnt what the stream holds ("guess held", "guess failed"
// or "read") and the number of its publishes the server refused, and
// returns a function that removes it.
func SetSavePath(fn func(path string, refused int)) (restore func()) {
	old := savePath
	savePath = fn
	return func() { savePath = old }
}
