package kafkastore

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// FuzzDecodePurge feeds hostile keys and values to the decoding of purge
// records: it must return an error or a purge that encodes back to the
// same bytes, never panic, and a purge key must never decode as a change's
// key.
func FuzzDecodePurge(f *testing.F) {
	f.Add(appendPurgeKey(nil, "ns"), binary.BigEndian.AppendUint64([]byte{valueVersion, typePurge}, 42))
	f.Add(appendPurgeKey(nil, ""), binary.BigEndian.AppendUint64([]byte{valueVersion, typePurgeTombstones}, 1<<62))
	f.Add(appendPurgeKey(nil, "ns"), binary.BigEndian.AppendUint64([]byte{valueVersion, typePurgeAllTombstones}, 42))
	f.Add(appendKey(nil, "ns", "", "x"), []byte{valueVersion, 9})
	f.Add([]byte{keyVersion, 0x80, 0}, []byte(nil))
	f.Add([]byte{keyVersion, 1, 0}, []byte{})
	f.Fuzz(func(t *testing.T, key, value []byte) {
		ns, isPurge := purgeNamespace(key)
		if isPurge {
			if !bytes.Equal(appendPurgeKey(nil, ns), key) {
				t.Fatalf("purge key %q names %q, whose purge key is %q", key, ns, appendPurgeKey(nil, ns))
			}
			if _, _, _, err := decodeKey(key); err == nil {
				t.Fatalf("purge key %q decodes as a change's key", key)
			}
		}
		p, err := decodePurge(value)
		if err != nil {
			return
		}
		typ, ts := typePurgeTombstones, p.before
		switch {
		case p.all:
			typ, ts = typePurge, int64(binary.BigEndian.Uint64(value[2:]))
		case p.tombstones:
			typ, ts = typePurgeAllTombstones, int64(binary.BigEndian.Uint64(value[2:]))
		}
		if want := binary.BigEndian.AppendUint64([]byte{valueVersion, typ}, uint64(ts)); !bytes.Equal(want, value) {
			t.Fatalf("purge value %q decodes to %+v, which encodes as %q", value, p, want)
		}
	})
}
