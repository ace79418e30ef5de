package main

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/unionstore/unionstore"
)

// Record is the entity the command works with: any entity a typed
// application stored with the JSON codec, seen as its kind, its id and its
// JSON body.
type Record struct {
	Kind string
	ID   string
	Body json.RawMessage
}

// CompactionKey returns the record's kind and id.
func (r Record) CompactionKey() (kind, id string) { return r.Kind, r.ID }

// recordCodec stores a record's body bytes as they are, and takes kind and
// id from the stored key, so that the command reads and writes exactly what
// a typed application's JSON codec does.
type recordCodec struct{}

var _ unionstore.Codec[Record] = recordCodec{}

// Encode returns the body. A record without one is an error: stored as
// null, it would decode in an application as an entity without an id.
func (recordCodec) Encode(r Record) ([]byte, error) {
	if len(r.Body) == 0 {
		return nil, fmt.Errorf("record %s/%s has no body", r.Kind, r.ID)
	}
	if !json.Valid(r.Body) {
		return nil, fmt.Errorf("body of %s/%s is not valid JSON", r.Kind, r.ID)
	}
	return r.Body, nil
}

func (recordCodec) Decode(kind, id string, data []byte) (Record, error) {
	return Record{Kind: kind, ID: id, Body: bytes.Clone(data)}, nil
}
