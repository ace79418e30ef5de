package kafkastore_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/kafkastore"
	"github.com/unionstore/unionstore/storetest"
)

// scanAll walks s.Scan(ns) to its end and returns the changes it yielded
// and the errors, in order.
func scanAll(s *kafkastore.Store[storetest.Item], ns string) (unionstore.Changes[storetest.Item], []error) {
	var (
		got  unionstore.Changes[storetest.Item]
		errs []error
	)
	for c, err := range s.Scan(context.Background(), ns) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got = append(got, c)
	}
	return got, errs
}

// spillModes are the scans the tests below run: in memory, and writing a
// run at every record, whose payloads are larger than the threshold.
var spillModes = []struct {
	name string
	opts []kafkastore.Option
}{
	{"in memory", nil},
	{"spilling", []kafkastore.Option{kafkastore.WithSpillThreshold(1 << 10)}},
}

// big is a value that makes a record cost more than the smallest spill
// threshold.
var big = strings.Repeat("v", 1<<10)

// TestScanReportsDamagedRecordsLast writes a record whose key has another
// format version among good ones, and checks that Scan yields the good
// changes and then one error wrapping [unionstore.ErrDecode], and nothing
// more once the loop breaks out.
func TestScanReportsDamagedRecordsLast(t *testing.T) {
	setup(t)
	for _, mode := range spillModes {
		t.Run(mode.name, func(t *testing.T) {
			topic := newTopic(t)
			s := open(t, topic, append(mode.opts, kafkastore.WithPartitions(1))...)
			save(t, s, set("ns", "k", "a", big, at(1)))
			produceDamaged(t, topic)
			save(t, s, set("ns", "k", "b", big, at(2)))
			got, errs := scanAll(s, "ns")
			if want := []string{"a", "b"}; !slices.Equal(ids(got), want) {
				t.Errorf("Scan yielded %q, want %q", ids(got), want)
			}
			if len(errs) != 1 || !errors.Is(errs[0], unionstore.ErrDecode) {
				t.Errorf("Scan yielded errors %v, want one wrapping ErrDecode", errs)
			}
			// A loop that breaks out ends the scan: the error is not yielded
			// (the runtime panics if it is).
			for _, err := range s.Scan(context.Background(), "ns") {
				if err != nil {
					t.Errorf("Scan yielded %v before the break", err)
				}
				break
			}
		})
	}
}

// produceDamaged writes to topic a record whose key has another format
// version.
func produceDamaged(t *testing.T, topic string) {
	t.Helper()
	cl := newClient(t)
	if err := cl.ProduceSync(context.Background(), &kgo.Record{Topic: topic, Key: []byte{9, 9}, Value: []byte("x")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// TestNamespacesReportsDamagedKeys checks that Namespaces counts the
// readable records and reports a key it cannot read in an error wrapping
// [unionstore.ErrDecode].
func TestNamespacesReportsDamagedKeys(t *testing.T) {
	setup(t)
	topic := newTopic(t)
	s := open(t, topic, kafkastore.WithPartitions(1))
	save(t, s, set("ns", "k", "a", "v", at(1)), unset("ns", "k", "b", at(2)))
	produceDamaged(t, topic)
	stats, err := s.Namespaces(context.Background())
	if want := []unionstore.NamespaceStat{{Namespace: "ns", Entities: 1, Tombstones: 1}}; !slices.Equal(stats, want) {
		t.Errorf("Namespaces = %+v, want %+v", stats, want)
	}
	if !errors.Is(err, unionstore.ErrDecode) {
		t.Errorf("Namespaces error = %v, want one wrapping ErrDecode", err)
	}
}

// TestScanRemovesItsTemporaryFile checks that a scan past its threshold
// writes its runs in the directory of [kafkastore.WithTempDir], and removes
// the file when it ends, walked to the end or not.
func TestScanRemovesItsTemporaryFile(t *testing.T) {
	setup(t)
	dir := t.TempDir()
	s := open(t, newTopic(t), kafkastore.WithPartitions(1), kafkastore.WithSpillThreshold(1<<10), kafkastore.WithTempDir(dir))
	save(t, s, set("ns", "k", "a", big, at(1)), set("ns", "k", "b", big, at(2)), set("ns", "k", "c", big, at(3)))
	for _, stop := range []int{1, 3} {
		n := 0
		for _, err := range s.Scan(context.Background(), "ns") {
			if err != nil {
				t.Fatal(err)
			}
			if files, _ := os.ReadDir(dir); len(files) != 1 {
				t.Errorf("during Scan, %s holds %d files, want 1", dir, len(files))
			}
			if n++; n == stop {
				break
			}
		}
		if files, _ := os.ReadDir(dir); len(files) != 0 {
			t.Errorf("after a Scan stopped at change %d, %s holds %d files, want 0", stop, dir, len(files))
		}
	}
}

func ids(changes unionstore.Changes[storetest.Item]) []string {
	out := make([]string, len(changes))
	for i, c := range changes {
		out[i] = c.Entity.ID
	}
	return out
}
