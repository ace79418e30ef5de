package natsstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/natsstore"
	"github.com/unionstore/unionstore/storetest"
)

// TestUndecodableMessagesAreReported publishes, beside two changes, one
// message of each kind the store cannot read into a namespace: every read
// must return the changes that decode with an error wrapping
// [unionstore.ErrDecode] that names the damaged identity, and skip
// nothing in silence.
func TestUndecodableMessagesAreReported(t *testing.T) {
	for _, tc := range []struct {
		name string
		// subject of the damaged message, under the stream's prefix
		kind, id string
		raw      string // a subject used as it is, instead of kind and id
		time     string
		change   string
		body     string
		// named is a phrase of the error naming the fault.
		named string
		// listed says whether Namespaces, which reads headers only, sees
		// the fault.
		listed bool
	}{
		{name: "unknown change type", kind: "k", id: "b", time: "5", change: "maybe", body: `{"kind":"k","id":"b"}`, named: "maybe", listed: true},
		{name: "no timestamp", kind: "k", id: "b", change: "set", body: `{"kind":"k","id":"b"}`, named: "Unionstore-Time missing", listed: true},
		{name: "timestamp not a number", kind: "k", id: "b", time: "x", change: "set", body: `{"kind":"k","id":"b"}`, named: "Unionstore-Time", listed: true},
		{name: "body not an entity", kind: "k", id: "b", time: "5", change: "set", body: `{`, named: `"b"`},
		{name: "body of another identity", kind: "k", id: "b", time: "5", change: "set", body: `{"kind":"k","id":"c"}`, named: `"b"`},
		{name: "subject not of the layout", raw: "!!.!!", time: "5", change: "set", body: `{}`, named: "!!.!!", listed: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s := newStore(t)
			storetest.Save(t, s, set("ns", "k", "a", "1", at(1)), set("ns", "k", "c", "3", at(3)))
			subj := natsstore.Subject(s.Stream(), "ns", tc.kind, tc.id)
			if tc.raw != "" {
				subj = strings.TrimSuffix(natsstore.NamespaceFilter(s.Stream(), "ns"), ">") + tc.raw
			}
			msg := &nats.Msg{Subject: subj, Header: nats.Header{}, Data: []byte(tc.body)}
			if tc.time != "" {
				msg.Header.Set("Unionstore-Time", tc.time)
			}
			msg.Header.Set("Unionstore-Change", tc.change)
			if _, err := sharedJS(t).PublishMsg(ctx, msg); err != nil {
				t.Fatalf("publish the damaged message: %v", err)
			}
			check := func(what string, got unionstore.Changes[storetest.Item], err error) {
				t.Helper()
				if !errors.Is(err, unionstore.ErrDecode) || !strings.Contains(err.Error(), tc.named) {
					t.Errorf("%s error = %v, want one wrapping ErrDecode naming %s", what, err, tc.named)
				}
				if ids := fmt.Sprint(ids(got)); ids != "[a c]" {
					t.Errorf("%s = %v, want the two changes that decode, [a c]", what, ids)
				}
			}
			got, err := s.Load(ctx, "ns")
			check("Load", got, err)
			got, _, err = s.Snapshot(ctx, "ns")
			check("Snapshot", got, err)
			for way, scanner := range map[string]*natsstore.Store[storetest.Item]{
				"within its threshold": s,
				"beyond its threshold": spillingStore(t, s, t.TempDir()),
			} {
				got, err = nil, nil
				for c, e := range scanner.Scan(ctx, "ns") {
					if e != nil {
						err = e
						continue
					}
					got = append(got, c)
				}
				check("Scan "+way, got, err)
			}
			// The damaged message counts when Namespaces cannot see its
			// fault, and the others count either way.
			wantStats := []unionstore.NamespaceStat{{Namespace: "ns", Entities: 2}}
			if !tc.listed {
				wantStats[0].Entities = 3
			}
			stats, err := s.Namespaces(ctx)
			if tc.listed != errors.Is(err, unionstore.ErrDecode) {
				t.Errorf("Namespaces error = %v, want one wrapping ErrDecode: %v", err, tc.listed)
			}
			if !slices.Equal(stats, wantStats) {
				t.Errorf("Namespaces = %v, want %v with the error", stats, wantStats)
			}
			if tc.raw == "" {
				if c, ok, err := s.Get(ctx, "ns", tc.kind, tc.id); !errors.Is(err, unionstore.ErrDecode) || ok {
					t.Errorf("Get of the damaged identity = %v, %v, %v; want an error wrapping ErrDecode", c, ok, err)
				}
			}
		})
	}
}
