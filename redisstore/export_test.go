package redisstore

import (
	"strings"

	"github.com/redis/go-redis/v9"
)

// AppendValue, DecodeValue, Member and NamespaceKeys expose the layout to
// the tests.
var (
	AppendValue = appendValue
	DecodeValue = decodeValue
	Member      = member
	IndexKey    = indexKey
)

// NamespaceKeys returns the records hash, ids sorted set and counts hash of
// namespace under prefix.
func NamespaceKeys(prefix, namespace string) (records, ids, counts string) {
	k := namespaceKeys(prefix, namespace)
	return k.records, k.ids, k.counts
}

// FeedKeys returns the log stream and the feed hash of namespace under
// prefix.
func FeedKeys(prefix, namespace string) (log, feed string) {
	k := namespaceKeys(prefix, namespace)
	return k.log, k.feed
}

// WithoutTimestampCheck makes every put replace the stored record whatever
// its timestamp, as a store without the last-write-wins condition would,
// until the returned function restores the condition: it shows that the
// tests of that condition can fail.
func WithoutTimestampCheck() (restore func()) {
	old := putScript
	putScript = redis.NewScript(strings.Replace(putSource, notOlder, "write = true", 1))
	return func() { putScript = old }
}
