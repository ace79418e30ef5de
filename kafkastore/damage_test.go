package kafkastore_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/kafkastore"
	"github.com/unionstore/unionstore/storetest"
)

// keyOfA is the record key of namespace "ns", kind "k", id "a" in the
// layout of format version 1.
var keyOfA = []byte{1, 2, 'n', 's', 1, 'k', 'a'}

// TestReadsReportDamagedValues writes a record of a's key whose value is
// cut short, between a's good change and b's: every read reports it as a
// [*unionstore.DecodeError] naming a, beside what it could read (Get of a
// has nothing else to return), and a watch ends at it.
func TestReadsReportDamagedValues(t *testing.T) {
	setup(t)
	ctx := context.Background()
	topic := newTopic(t)
	s := open(t, topic, kafkastore.WithPartitions(1), kafkastore.WithSpillThreshold(1<<10))
	save(t, s, set("ns", "k", "a", "v", at(1)))
	_, cursor, err := s.Snapshot(ctx, "ns")
	if err != nil {
		t.Fatal(err)
	}
	if err := newClient(t).ProduceSync(ctx, &kgo.Record{Topic: topic, Key: keyOfA, Value: []byte{1, 1, 0}}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	save(t, s, set("ns", "k", "b", big, at(2)))

	// namesA reports whether err wraps ErrDecode and a DecodeError of a.
	namesA := func(err error) bool {
		var de *unionstore.DecodeError
		return errors.Is(err, unionstore.ErrDecode) && errors.As(err, &de) && de.Namespace == "ns" && de.Kind == "k" && de.ID == "a"
	}
	scan := func() (unionstore.Changes[storetest.Item], error) {
		got, errs := scanAll(s, "ns")
		return got, errors.Join(errs...)
	}
	snapshot := func() (unionstore.Changes[storetest.Item], error) {
		got, _, err := s.Snapshot(ctx, "ns")
		return got, err
	}
	for _, tc := range []struct {
		name string
		read func() (unionstore.Changes[storetest.Item], error)
	}{
		{"Load", func() (unionstore.Changes[storetest.Item], error) { return s.Load(ctx, "ns") }},
		{"Scan", scan},
		{"Snapshot", snapshot},
	} {
		got, err := tc.read()
		if want := []string{"a", "b"}; !slices.Equal(ids(got), want) || !namesA(err) {
			t.Errorf("%s = %q, %v; want %q and a DecodeError of a", tc.name, ids(got), err, want)
		}
	}
	// a's latest change is unknown: Get reports the damage, not the
	// older change that reads well.
	if c, ok, err := s.Get(ctx, "ns", "k", "a"); ok || !namesA(err) {
		t.Errorf("Get(a) = %v, %v, %v; want no change and a DecodeError of a", describe(unionstore.Changes[storetest.Item]{c}), ok, err)
	}
	if c, ok, err := s.Get(ctx, "ns", "k", "b"); !ok || c.Entity.Value != big || err != nil {
		t.Errorf("Get(b) = %v, %v, %v; want b", ok, err, c.Entity.ID)
	}
	stats, err := s.Namespaces(ctx)
	if want := []unionstore.NamespaceStat{{Namespace: "ns", Entities: 2}}; !slices.Equal(stats, want) || err != nil {
		t.Errorf("Namespaces = %+v, %v; want %+v and no error (Load names the damaged value)", stats, err, want)
	}
	if _, err := pullWatch(t, s, "ns", cursor)(); !namesA(err) {
		t.Errorf("Watch over the damaged record = %v, want a DecodeError of a", err)
	}
}
