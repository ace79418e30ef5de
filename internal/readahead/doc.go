// Package readahead reads a sequence ahead of its consumer, in a
// goroutine, in chunks: what lets a union merge several members' streams
// while reading them all at once, return as soon as its context ends even
// while a member is blocked, and drop a member that stalls in the middle
// of its stream.
//
// It knows nothing of changes or entities: a [Reader] is generic over the
// values of its sequence.
package readahead
