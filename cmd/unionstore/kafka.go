package main

import (
	"context"
	"errors"

	"github.com/unionstore/unionstore/kafkastore"
)

func init() { openers["kafka"] = openKafka }

// openKafka opens a Kafka store: kafka://host:port[,host:port]/TOPIC (see
// kafkastore.OpenURL). A command that writes creates the topic when it is
// missing, keeping every record; one that only reads never does, and with
// readOrEmpty takes a missing topic for an empty store.
func openKafka(ctx context.Context, addr string, o openOptions) (store, error) {
	opts := engineOptions(o, kafkastore.WithCodec[Record](recordCodec{}), kafkastore.WithoutCreate())
	s, err := kafkastore.OpenURL[Record](ctx, addr, opts...)
	if errors.Is(err, kafkastore.ErrNoTopic) && o.access == readOrEmpty {
		return absent{addr}, nil
	}
	if err != nil {
		return nil, openError(addr, "kafkastore: ", err)
	}
	return s, nil
}
