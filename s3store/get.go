package s3store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/unionstore/unionstore"
)

// Get returns the latest change of the identity (namespace, kind, id), a
// tombstone included, and true; or a zero change and false when the store
// holds nothing for it. It returns what [Store.Load] would return for the
// identity.
//
// Get sends the requests of a Load, one LIST and a GET per segment, and
// reads each segment only up to the identity's place in it; it decodes one
// entity. A record that does not decode gives a [*unionstore.DecodeError],
// a damaged segment an error wrapping [ErrCorrupt]. It returns
// [unionstore.ErrClosed] after Close and an error wrapping ctx.Err() if
// ctx is done.
func (s *Store[E]) Get(ctx context.Context, namespace, kind, id string) (unionstore.Change[E], bool, error) {
	c, ok, err := s.get(ctx, namespace, kind, id)
	if err != nil {
		return unionstore.Change[E]{}, false, fmt.Errorf("s3store: get %q %q %q: %w", namespace, kind, id, err)
	}
	return c, ok, nil
}

func (s *Store[E]) get(ctx context.Context, namespace, kind, id string) (unionstore.Change[E], bool, error) {
	var zero unionstore.Change[E]
	if err := s.life.Check(ctx); err != nil {
		return zero, false, err
	}
	readers, err := s.openReaders(ctx, namespace)
	if err != nil {
		return zero, false, s.life.Wrap(ctx, err)
	}
	defer func() {
		for _, r := range readers {
			r.close()
		}
	}()
	target := record{kind: []byte(kind), id: []byte(id)}
	var best *segmentReader
	for _, r := range readers {
		found, err := r.seek(&target)
		if err != nil {
			return zero, false, s.life.Wrap(ctx, err)
		}
		if found && (best == nil || r.rec.newer(&best.rec)) {
			best = r
		}
	}
	if best == nil {
		return zero, false, nil
	}
	c, err := s.decode(namespace, &best.rec)
	if err != nil {
		return zero, false, err
	}
	return c, true, nil
}

// seek moves to the first record whose key is not before target's and
// reports whether it is target's.
func (sr *segmentReader) seek(target *record) (bool, error) {
	for {
		ok, err := sr.next()
		if err != nil || !ok {
			return false, err
		}
		switch c := compareRecordKeys(&sr.rec, target); {
		case c == 0:
			return true, nil
		case c > 0:
			return false, nil
		}
	}
}

// Namespaces returns every namespace that holds at least one change,
// sorted by name bytewise, with its counts of sets and tombstones. It lists
// the prefix, then reads every segment of every namespace as
// [Store.Load] does, without decoding entities: its cost grows with the
// store's size. It returns [unionstore.ErrClosed] after Close and an error
// wrapping ctx.Err() if ctx is done.
func (s *Store[E]) Namespaces(ctx context.Context) ([]unionstore.NamespaceStat, error) {
	out, err := s.namespaces(ctx)
	if err != nil {
		return nil, fmt.Errorf("s3store: list namespaces: %w", s.life.Wrap(ctx, err))
	}
	return out, nil
}

func (s *Store[E]) namespaces(ctx context.Context) ([]unionstore.NamespaceStat, error) {
	if err := s.life.Check(ctx); err != nil {
		return nil, err
	}
	var names []string
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{
		Bucket:    aws.String(s.bucket),
		Prefix:    aws.String(s.prefix),
		Delimiter: aws.String("/"),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", s.prefix, err)
		}
		for _, cp := range page.CommonPrefixes {
			esc := strings.TrimSuffix(strings.TrimPrefix(aws.ToString(cp.Prefix), s.prefix), "/")
			// A folder this store cannot have written is not its own.
			if ns, err := unescapeNamespace(esc); err == nil {
				names = append(names, ns)
			}
		}
	}
	slices.Sort(names)
	out := []unionstore.NamespaceStat{}
	for _, ns := range names {
		if err := s.life.Check(ctx); err != nil {
			return nil, err
		}
		st := unionstore.NamespaceStat{Namespace: ns}
		m, err := s.openMerge(ctx, ns)
		if err != nil {
			return nil, err
		}
		for {
			ok, err := m.next(func(w *segmentReader) error {
				if w.rec.changeType == changeUnset {
					st.Tombstones++
				} else {
					st.Entities++
				}
				return nil
			})
			if err != nil {
				m.close()
				return nil, err
			}
			if !ok {
				break
			}
		}
		m.close()
		if st.Entities+st.Tombstones > 0 {
			out = append(out, st)
		}
	}
	return out, nil
}
