package boltstore

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// fillPayloads returns n payloads like those of the fill benchmarks: JSON
// of about 270 bytes, a value of words drawn from a small vocabulary.
func fillPayloads(tb testing.TB, n int) [][]byte {
	tb.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	out := make([][]byte, n)
	for i := range out {
		v := storetest.FillValue(r)
		p, err := unionstore.JSONCodec[storetest.Item]().Encode(storetest.Item{Kind: "customer", ID: fmt.Sprintf("%016x", r.Uint64()), Value: v, N: r.IntN(1 << 30)})
		if err != nil {
			tb.Fatal(err)
		}
		out[i] = p
	}
	return out
}

// BenchmarkCompressPayload compresses payloads one at a time, as Save
// does, and reports the compressed size as a part of the original. The
// store's encoder (zstd, fastest level, shared) is held against a payload
// of one repeated byte, which zstd stores as a run without entropy tables,
// and against two references that skip entropy coding: zstd without it
// for literals, and S2 (LZ77 only). On small payloads of text the time
// goes to building and writing Huffman and FSE tables for each frame.
func BenchmarkCompressPayload(b *testing.B) {
	text := fillPayloads(b, 1000)
	repeated := [][]byte{[]byte(strings.Repeat("x", 270))}
	noEntropy, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
		zstd.WithSingleSegment(true), zstd.WithLowerEncoderMem(true), zstd.WithNoEntropyCompression(true))
	if err != nil {
		b.Fatal(err)
	}
	defer noEntropy.Close()
	cases := []struct {
		name     string
		payloads [][]byte
		compress func(dst, p []byte) []byte
	}{
		{"store/repeated-byte", repeated, func(dst, p []byte) []byte { return zstdEncoder().EncodeAll(p, dst) }},
		{"store/fill-json", text, func(dst, p []byte) []byte { return zstdEncoder().EncodeAll(p, dst) }},
		{"zstd-no-literal-entropy/fill-json", text, func(dst, p []byte) []byte { return noEntropy.EncodeAll(p, dst) }},
		{"s2/fill-json", text, func(dst, p []byte) []byte { return s2.Encode(dst[:cap(dst)], p) }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			dst := make([]byte, 0, 1024)
			in, out := 0, 0
			for i := 0; b.Loop(); i++ {
				p := c.payloads[i%len(c.payloads)]
				in += len(p)
				out += len(c.compress(dst[:0], p))
			}
			b.ReportMetric(float64(out)/float64(in), "size-ratio")
		})
	}
}
