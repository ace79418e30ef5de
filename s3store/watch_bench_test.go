package s3store_test

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/s3store"
	"github.com/unionstore/unionstore/storetest"
)

// BenchmarkWatch measures the delivery latency and rate of a Watch on the
// in-process server beside those of the raw feed (rawPoll: a plain loop
// that lists the namespace after the last key it saw and GETs each new
// object, at the same poll interval, without records or decoding): see
// [storetest.BenchmarkWatch]. Automatic compaction is off, so that the
// plain loop finds every segment.
func BenchmarkWatch(b *testing.B) {
	for _, poll := range []time.Duration{100 * time.Millisecond, s3store.DefaultPollInterval} {
		b.Run(fmt.Sprint("poll=", poll), func(b *testing.B) {
			s, _ := newFakeS3(b, false).server().newStore(b, s3store.WithMaxSegments(0), s3store.WithPollInterval(poll))
			storetest.BenchmarkWatch(b, s, storetest.PollFeed(s, rawPoll(s, poll)))
		})
	}
}

// benchID finds the identities of the changes of [storetest.BenchmarkWatch]
// in a segment's bytes.
var benchID = regexp.MustCompile(`c-[0-9]{9}`)

// rawPoll returns the raw feed of s: every poll interval it lists the
// namespace after the last key it read, GETs each new object and hands
// over the identities its bytes hold. It starts from the namespace's
// first object, whatever the cursor.
func rawPoll(s *s3store.Store[storetest.Item], poll time.Duration) storetest.RawWatch {
	c := s3store.ClientOf(s)
	return func(ctx context.Context, ns string, _ unionstore.Cursor, arrive func(id string)) error {
		prefix := s.Prefix() + ns + "/"
		last := ""
		for {
			in := &s3.ListObjectsV2Input{Bucket: aws.String(s.Bucket()), Prefix: aws.String(prefix)}
			if last != "" {
				in.StartAfter = aws.String(last)
			}
			out, err := c.ListObjectsV2(ctx, in)
			if err != nil {
				return fmt.Errorf("list %s: %w", prefix, err)
			}
			for _, o := range out.Contents {
				last = aws.ToString(o.Key)
				obj, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket()), Key: o.Key})
				if err != nil {
					return fmt.Errorf("get %s: %w", last, err)
				}
				data, err := io.ReadAll(obj.Body)
				obj.Body.Close()
				if err != nil {
					return fmt.Errorf("read %s: %w", last, err)
				}
				for _, id := range benchID.FindAll(data, -1) {
					arrive(string(id))
				}
			}
			if aws.ToBool(out.IsTruncated) {
				continue
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(poll):
			}
		}
	}
}
