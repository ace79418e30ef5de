package main

import (
	"context"

	"github.com/unionstore/unionstore/s3store"
)

func init() { openers["s3"] = openS3 }

// openS3 opens an S3 store: s3://BUCKET/PREFIX with the optional query
// parameters endpoint= (an S3-compatible server) and region=; credentials
// come from the AWS SDK's default chain (see s3store.OpenURL). It never
// creates the bucket; a command that only reads never compacts. A prefix
// that holds nothing yet is an empty store, so readOrEmpty needs nothing
// of its own here.
func openS3(ctx context.Context, addr string, o openOptions) (store, error) {
	opts := engineOptions(o, s3store.WithCodec[Record](recordCodec{}), s3store.WithMaxSegments(0))
	s, err := s3store.OpenURL[Record](ctx, addr, opts...)
	if err != nil {
		return nil, openError(addr, "s3store: ", err)
	}
	return s, nil
}
