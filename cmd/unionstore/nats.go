package main

import (
	"context"
	"errors"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/unionstore/unionstore/natsstore"
)

func init() {
	openers["nats"] = openNATS
	openers["tls"] = openNATS
	hints = append(hints, missingStreamHint)
}

// missingStreamHint explains a JetStream stream that does not exist: a
// command that only reads never creates one.
func missingStreamHint(err error) string {
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return "the stream does not exist; check the stream= parameter of the address (the default stream is UNIONSTORE); commands that only read never create a stream"
	}
	return ""
}

// openNATS opens a NATS JetStream store: nats://host:port?stream=NAME (see
// natsstore.OpenURL). A command that writes creates the stream when it is
// missing; one that only reads never does, and with readOrEmpty takes a
// missing stream for an empty store.
func openNATS(ctx context.Context, addr string, o openOptions) (store, error) {
	opts := engineOptions(o, natsstore.WithCodec[Record](recordCodec{}), natsstore.WithCreateStream(false))
	s, err := natsstore.OpenURL[Record](ctx, addr, opts...)
	if errors.Is(err, jetstream.ErrStreamNotFound) && o.access == readOrEmpty {
		return absent{addr}, nil
	}
	if err != nil {
		return nil, openError(addr, "natsstore: ", err)
	}
	return s, nil
}
