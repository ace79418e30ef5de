package s3store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/s3store"
	"github.com/unionstore/unionstore/storetest"
)

// TestCloseEndsAScanAtItsNextRecord closes the store while a scan is
// between two records: the scan's next pair is an error wrapping
// ErrClosed, and it yields nothing more.
func TestCloseEndsAScanAtItsNextRecord(t *testing.T) {
	ctx := context.Background()
	s, _ := newServer(t).newStore(t)
	if err := s.Save(ctx, batch("ns", 0, 10)); err != nil {
		t.Fatal(err)
	}
	var (
		records int
		errs    []error
	)
	for _, err := range s.Scan(ctx, "ns") {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		records++
		if records == 1 {
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
		}
	}
	if records != 1 || len(errs) != 1 || !errors.Is(errs[0], unionstore.ErrClosed) {
		t.Fatalf("Scan closed after its first record yielded %d records and errors %v, want 1 record and one error wrapping ErrClosed", records, errs)
	}
}

// TestSnapshotOfManyBlocksMatchesLoad snapshots a namespace whose segments
// span many blocks, merged from two segments: Snapshot keeps its records
// past the scan that read them, so each must hold its own payload.
func TestSnapshotOfManyBlocksMatchesLoad(t *testing.T) {
	ctx := context.Background()
	s, _ := newServer(t).newStore(t, s3store.WithMaxSegments(0))
	first := batch("ns", 0, 3000)
	for i := range first {
		first[i] = withValue(first[i], 100+i%50)
	}
	second := batch("ns", 1500, 3000) // overwrites half of the first
	for _, b := range []unionstore.Changes[storetest.Item]{first, second} {
		if err := s.Save(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	snap, cursor, err := s.Snapshot(ctx, "ns")
	if err != nil || cursor == "" {
		t.Fatalf("Snapshot = %d changes, cursor %q, %v", len(snap), cursor, err)
	}
	want := unionstore.Compact(append(first, second...))
	if len(snap) != len(want) {
		t.Fatalf("Snapshot = %d changes, want %d", len(snap), len(want))
	}
	for i := range snap {
		if describe(snap[i]) != describe(want[i]) {
			t.Fatalf("Snapshot[%d] = %s, want %s", i, describe(snap[i]), describe(want[i]))
		}
	}
}

// TestLoadIsSizedByTheLastLoad checks the hint a Load takes from the one
// before of its namespace: none at first, then the number of changes
// that Load returned, so that a Load of an unchanged namespace sizes its
// result exactly.
func TestLoadIsSizedByTheLastLoad(t *testing.T) {
	ctx := context.Background()
	s, _ := newServer(t).newStore(t)
	for _, step := range []struct {
		name  string
		ns    string
		save  unionstore.Changes[storetest.Item]
		hint  int  // before the Load
		exact bool // the Load's result sized exactly
	}{
		{"first load", "ns", batch("ns", 0, 5), 0, false},
		{"unchanged", "ns", nil, 5, true},
		{"after a save", "ns", batch("ns", 5, 3), 5, false},
		{"unchanged again", "ns", nil, 8, true},
		{"another namespace", "other", batch("other", 0, 2), 0, false},
		{"the first namespace kept its own", "ns", nil, 8, true},
	} {
		if len(step.save) > 0 {
			if err := s.Save(ctx, step.save); err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
		}
		if got := s3store.LoadSize(s, step.ns); got != step.hint {
			t.Errorf("%s: LoadSize(%q) = %d, want %d", step.name, step.ns, got, step.hint)
		}
		got, err := s.Load(ctx, step.ns)
		if err != nil {
			t.Fatalf("%s: Load: %v", step.name, err)
		}
		if step.exact && cap(got) != len(got) {
			t.Errorf("%s: Load = %d changes in a capacity of %d, want it sized exactly", step.name, len(got), cap(got))
		}
		if n := s3store.LoadSize(s, step.ns); n != len(got) {
			t.Errorf("%s: after a Load of %d changes LoadSize = %d", step.name, len(got), n)
		}
	}
}

// other is an entity type of its own, for a codec that is not the store's.
type other struct{ storetest.Item }

// TestInvalidOptionsAreRefusedBeforeAnyRequest gives New each invalid
// option: it must return an error naming it without sending a request.
func TestInvalidOptionsAreRefusedBeforeAnyRequest(t *testing.T) {
	f := newServer(t)
	for _, tc := range []struct {
		name string
		opt  s3store.Option
		want string
	}{
		{"negative max segments", s3store.WithMaxSegments(-1), "max segments -1"},
		{"zero concurrency", s3store.WithConcurrency(0), "concurrency 0"},
		{"zero poll interval", s3store.WithPollInterval(0), "poll interval 0s"},
		{"zero watch window", s3store.WithWatchWindow(0), "watch window 0s"},
		{"a codec of another entity type", s3store.WithCodec(unionstore.JSONCodec[other]()), "does not encode the store's entity type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, reqs := f.client(t)
			s, err := s3store.New[storetest.Item](context.Background(), c, f.bucket, f.newPrefix(), tc.opt)
			if err == nil {
				s.Close()
				t.Fatal("New succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New = %v, want an error with %q", err, tc.want)
			}
			if got := reqs.take(); len(got) > 0 {
				t.Errorf("New sent %v before refusing the option, want nothing", got)
			}
		})
	}
}

// TestErrorsNameTheStore checks that errors name the package, the
// operation and the bucket and prefix, as s3://BUCKET/PREFIX.
func TestErrorsNameTheStore(t *testing.T) {
	ctx := context.Background()
	s, _ := newServer(t).newStore(t)
	where := fmt.Sprintf("s3://%s/%s", s.Bucket(), s.Prefix())
	long := item(strings.Repeat("n", s3store.MaxKeyBytes), "a", 1)
	for op, err := range map[string]error{
		"Save":  s.Save(ctx, unionstore.Changes[storetest.Item]{long}),
		"Check": s.Check(unionstore.Changes[storetest.Item]{long}),
	} {
		if err == nil || !strings.HasPrefix(err.Error(), "s3store: ") || !strings.Contains(err.Error(), where) {
			t.Errorf("%s = %v, want an error beginning with s3store: and naming %s", op, err, where)
		}
	}
	_ = s.Close()
	if err := s.Compact(ctx, "ns"); !errors.Is(err, unionstore.ErrClosed) || !strings.Contains(err.Error(), `s3store: compact "ns" of `+where) {
		t.Errorf("Compact after Close = %v, want ErrClosed naming the namespace and %s", err, where)
	}
}

// The sizes kept for LoadSize are bounded: loads of many namespaces start
// them over rather than grow the store's memory without end.
func TestLoadSizesAreBounded(t *testing.T) {
	ctx := context.Background()
	s, _ := newServer(t).newStore(t)
	if err := s.Save(ctx, batch("ns", 0, 5)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx, "ns"); err != nil || s3store.LoadSize(s, "ns") != 5 {
		t.Fatalf("Load = %v, LoadSize = %d; want 5", err, s3store.LoadSize(s, "ns"))
	}
	for i := range s3store.MaxLoadSizes {
		if _, err := s.Load(ctx, fmt.Sprint("empty-", i)); err != nil {
			t.Fatal(err)
		}
	}
	if got := s3store.LoadSize(s, "ns"); got != 0 {
		t.Fatalf("LoadSize after loads of %d other namespaces = %d, want the sizes started over", s3store.MaxLoadSizes, got)
	}
}
