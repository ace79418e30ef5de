package unionstore

import (
	"context"
	"iter"
)

// ScanOf returns the changes of namespace in s as a [Scanner] yields
// them: through s's own Scan when s implements Scanner, and otherwise from
// its Load, sorted by (kind, id) with one change per entity, so that any
// store can be read as a stream (though then memory grows with the
// namespace). A loaded nil entity ends the sequence with an error wrapping
// [ErrInvalidChange]. The sequence may be walked more than once; each walk
// reads s afresh.
func ScanOf[E Entity](ctx context.Context, s Store[E], namespace string) iter.Seq2[Change[E], error] {
	if sc, ok := s.(Scanner[E]); ok {
		return sc.Scan(ctx, namespace)
	}
	return loadSeq(ctx, s, namespace)
}
