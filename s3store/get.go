package s3store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/backend"
)

// Get sends the requests of a Scan, one LIST and a GET per segment, and
// reads each segment only up to the identity's place in it.
func (d *driver) Get(ctx context.Context, namespace, kind, id string) (backend.Record, bool, error) {
	readers, err := d.openReaders(ctx, namespace)
	if err != nil {
		return backend.Record{}, false, err
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
			return backend.Record{}, false, err
		}
		if found && (best == nil || r.rec.newer(&best.rec)) {
			best = r
		}
	}
	if best == nil {
		return backend.Record{}, false, nil
	}
	return best.record(namespace, ""), true, nil
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

// Namespaces lists the prefix, then reads every segment of every
// namespace as Scan does: its cost grows with the store's size.
func (d *driver) Namespaces(ctx context.Context) ([]unionstore.NamespaceStat, error) {
	var names []string
	p := s3.NewListObjectsV2Paginator(d.client, &s3.ListObjectsV2Input{
		Bucket:    aws.String(d.bucket),
		Prefix:    aws.String(d.prefix),
		Delimiter: aws.String("/"),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", d.prefix, err)
		}
		for _, cp := range page.CommonPrefixes {
			esc := strings.TrimSuffix(strings.TrimPrefix(aws.ToString(cp.Prefix), d.prefix), "/")
			// A folder this store cannot have written is not its own.
			if ns, err := unescapeNamespace(esc); err == nil {
				names = append(names, ns)
			}
		}
	}
	slices.Sort(names)
	out := []unionstore.NamespaceStat{}
	for _, ns := range names {
		if err := d.life.Check(ctx); err != nil {
			return nil, err
		}
		st := unionstore.NamespaceStat{Namespace: ns}
		m, err := d.openMerge(ctx, ns)
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
