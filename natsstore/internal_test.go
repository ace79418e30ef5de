package natsstore

import (
	"encoding/json"

	"github.com/unionstore/unionstore"
)

type item struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
	V    string `json:"value"`
}

func (i *item) CompactionKey() (string, string) { return i.Kind, i.ID }

// jsonItemCodec decodes into *item, whose nil pointer the decoder must
// catch.
type jsonItemCodec struct{}

func (jsonItemCodec) Encode(e *item) ([]byte, error) { return json.Marshal(e) }

func (jsonItemCodec) Decode(kind, id string, data []byte) (*item, error) {
	var e *item
	err := json.Unmarshal(data, &e)
	return e, err
}

var _ unionstore.Codec[*item] = jsonItemCodec{}

func changeType(s string) unionstore.ChangeType { return unionstore.ChangeType(s) }
