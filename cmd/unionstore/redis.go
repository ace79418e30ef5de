package main

import (
	"context"

	"github.com/unionstore/unionstore/redisstore"
)

func init() { openers["redis"] = openRedis }

// openRedis opens a Redis store: redis://[user:password@]host:port/db,
// with the optional query parameter prefix= (see redisstore.OpenURL).
// Redis creates keys as they are written, so a store that holds nothing
// reads as empty whatever the command.
func openRedis(ctx context.Context, addr string, _ openOptions) (store, error) {
	s, err := redisstore.OpenURL[Record](ctx, addr, redisstore.WithCodec[Record](recordCodec{}))
	if err != nil {
		return nil, openError(addr, "redisstore: ", err)
	}
	return s, nil
}
