package boltstore

import (
	"fmt"
	"sync"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// Payloads from minCompressed to maxCompressed bytes are compressed. Below,
// the few bytes of a zstd frame's or S2 block's framing rarely pay; above,
// the bound keeps what a damaged or hostile record can make a read
// allocate to maxCompressed, since the decoders refuse to produce more.
const (
	minCompressed = 64
	maxCompressed = 1 << 20
)

// The encoder and decoder are shared by every store of the process: their
// EncodeAll and DecodeAll are safe for concurrent use, and neither starts a
// goroutine when used this way.
var (
	zstdEncoder = sync.OnceValue(func() *zstd.Encoder {
		e, err := zstd.NewWriter(nil,
			zstd.WithEncoderLevel(zstd.SpeedFastest),
			zstd.WithEncoderConcurrency(0),
			zstd.WithLowerEncoderMem(true),
			zstd.WithSingleSegment(true))
		if err != nil {
			panic("boltstore: zstd encoder: " + err.Error()) // only for invalid options
		}
		return e
	})
	zstdDecoder = sync.OnceValue(func() *zstd.Decoder {
		d, err := zstd.NewReader(nil,
			zstd.WithDecoderConcurrency(0),
			zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxMemory(maxCompressed))
		if err != nil {
			panic("boltstore: zstd decoder: " + err.Error()) // only for invalid options
		}
		return d
	})
)

// decodeS2 decodes an S2 block into buf, grown as needed. The length the
// block declares is checked against maxCompressed before anything is
// allocated, so a damaged record cannot make a read allocate more.
func decodeS2(block, buf []byte) ([]byte, error) {
	n, err := s2.DecodedLen(block)
	if err != nil {
		return nil, err
	}
	if n > maxCompressed {
		return nil, fmt.Errorf("s2 block declares %d bytes, over the %d-byte limit of a compressed payload", n, maxCompressed)
	}
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	return s2.Decode(buf[:n], block)
}
