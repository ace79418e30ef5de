package main

import (
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

func TestParseLineRefuses(t *testing.T) {
	set, unset := unionstore.ChangeTypeSet, unionstore.ChangeTypeUnset
	tests := []struct {
		line      string
		defaultNS string
		ct        unionstore.ChangeType
		want      string
	}{
		{`{"kind":"k","id":"1","body":{}}`, "", set, `no namespace: give it as an argument or as "namespace" in the record`},
		{`{"body":{}}`, "ns", set, `no "kind" and "id"`},
		{`{"id":"1","body":{}}`, "ns", set, `record "1" has no "kind" (give "kind": "" for records without one)`},
		{`{"kind":"k","id":"","body":{}}`, "ns", set, `empty "id"`},
		{`{"kind":"k","id":"1","change":"bad"}`, "ns", set, `change "bad": want set or unset`},
		{`{"kind":"k","id":"1","change":"set","body":{}}`, "ns", unset, `change "set": unset writes tombstones only; use put`},
		{`{"kind":"k","id":"1","timestamp":"yesterday","body":{}}`, "ns", set, `timestamp "yesterday": want an RFC 3339 time such as 2026-01-02T15:04:05Z`},
		{`{"kind":"k","id":"1","body":null}`, "ns", unset, `record k/1 has a null body; give the record's JSON as the application writes it, or leave body out of an unset`},
		{`{"kind":"k","id":"1"}`, "ns", set, `record k/1 has no "body"`},
		{`{"kind":"k","id":"1","change":"set"}`, "ns", set, `record k/1 has no "body"`},
		{`{"kind":"k","id":"1","change":"unset","body":null}`, "ns", set, `record k/1 has a null body; give the record's JSON as the application writes it, or leave body out of an unset`},
	}
	for _, tt := range tests {
		_, err := parseLine([]byte(tt.line), tt.defaultNS, tt.ct, time.Time{})
		if err == nil || err.Error() != tt.want {
			t.Errorf("parseLine(%s, %q, %s) = %v, want %q", tt.line, tt.defaultNS, tt.ct, err, tt.want)
		}
	}
}

func TestParseLineTakesWhatTheLineGives(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	given := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	set, unset := unionstore.ChangeTypeSet, unionstore.ChangeTypeUnset
	tests := []struct {
		line string
		ct   unionstore.ChangeType
		want unionstore.Change[Record]
	}{
		{`{"kind":"k","id":"1","body":{}}`, set, unionstore.Change[Record]{Namespace: "ns", ChangeType: set, Timestamp: now, Entity: Record{Kind: "k", ID: "1", Body: []byte(`{}`)}}},
		{`{"namespace":"other","kind":"","id":"1","change":"unset"}`, set, unionstore.Change[Record]{Namespace: "other", ChangeType: unset, Timestamp: now, Entity: Record{ID: "1"}}},
		{`{"kind":"k","id":"1"}`, unset, unionstore.Change[Record]{Namespace: "ns", ChangeType: unset, Timestamp: now, Entity: Record{Kind: "k", ID: "1"}}},
		{`{"kind":"k","id":"1","change":"unset","timestamp":"2024-01-01T00:00:00Z"}`, unset, unionstore.Change[Record]{Namespace: "ns", ChangeType: unset, Timestamp: given, Entity: Record{Kind: "k", ID: "1"}}},
	}
	for _, tt := range tests {
		c, err := parseLine([]byte(tt.line), "ns", tt.ct, now)
		if err != nil || c.Namespace != tt.want.Namespace || c.ChangeType != tt.want.ChangeType || !c.Timestamp.Equal(tt.want.Timestamp) ||
			c.Entity.Kind != tt.want.Entity.Kind || c.Entity.ID != tt.want.Entity.ID || string(c.Entity.Body) != string(tt.want.Entity.Body) {
			t.Errorf("parseLine(%s, %s) = %+v, %v; want %+v", tt.line, tt.ct, c, err, tt.want)
		}
	}
}
