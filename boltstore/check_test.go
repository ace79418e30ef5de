package boltstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
	"github.com/unionstore/unionstore/storetest"
)

// failingCodec refuses to encode items whose value is "unencodable".
type failingCodec struct {
	unionstore.Codec[storetest.Item]
}

func (c failingCodec) Encode(e storetest.Item) ([]byte, error) {
	if e.Value == "unencodable" {
		return nil, errors.New("this value cannot be encoded")
	}
	return c.Codec.Encode(e)
}

func change(ns, kind, id, value string) unionstore.Change[storetest.Item] {
	return unionstore.Change[storetest.Item]{
		Namespace: ns, ChangeType: unionstore.ChangeTypeSet,
		Entity:    storetest.Item{Kind: kind, ID: id, Value: value},
		Timestamp: time.Unix(1700000000, 0),
	}
}

// TestCheckRefusesWhatSaveRefuses checks each limit just under and just
// over it, through Check and through Save, and that neither writes a
// refused batch.
func TestCheckRefusesWhatSaveRefuses(t *testing.T) {
	const maxValue = 1 << 16 // the stored record limit in this test
	// A plain record is the 14-byte header and the JSON of the item.
	jsonSize := len(`{"kind":"k","id":"a","value":"","n":0}`)
	valueOf := func(recordSize int) string { return strings.Repeat("v", recordSize-fullHeaderSize-jsonSize) }
	long := strings.Repeat("x", maxKeySize)
	tests := []struct {
		name string
		c    unionstore.Change[storetest.Item]
		want error // nil when the change fits
	}{
		{"namespace at the key limit", change(long, "k", "a", "v"), nil},
		{"namespace over the key limit", change(long+"x", "k", "a", "v"), ErrKeyTooLong},
		{"kind and id at the key limit", change("ns", "k", long[:maxKeySize-3], "v"), nil},
		{"kind and id over the key limit", change("ns", "k", long[:maxKeySize-2], "v"), ErrKeyTooLong},
		{"record at the size limit", change("ns", "k", "a", valueOf(maxValue)), nil},
		{"record over the size limit", change("ns", "k", "a", valueOf(maxValue+1)), ErrValueTooLarge},
		{"an entity the codec cannot encode", change("ns", "k", "a", "unencodable"), unionstore.ErrInvalidChange},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open[storetest.Item](filepath.Join(t.TempDir(), "check.db"), WithCodec[storetest.Item](failingCodec{unionstore.JSONCodec[storetest.Item]()}))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			driverOf(s).maxValue = maxValue
			batch := unionstore.Changes[storetest.Item]{change("ns", "k", "first", "v"), tt.c}
			checkErr := s.Check(batch)
			saveErr := s.Save(ctx, batch)
			for _, r := range []struct {
				op  string
				err error
			}{{"Check", checkErr}, {"Save", saveErr}} {
				switch {
				case tt.want == nil && r.err != nil:
					t.Errorf("%s = %v, want nil", r.op, r.err)
				case tt.want != nil && (!errors.Is(r.err, tt.want) || !errors.Is(r.err, unionstore.ErrInvalidChange)):
					t.Errorf("%s = %v, want an error wrapping %v and ErrInvalidChange", r.op, r.err, tt.want)
				case tt.want != nil && !strings.Contains(r.err.Error(), "change 1"):
					t.Errorf("%s = %v, does not name change 1", r.op, r.err)
				}
			}
			if tt.want == nil {
				return
			}
			if stats, err := s.Namespaces(ctx); err != nil || len(stats) != 0 {
				t.Errorf("after a refused batch, Namespaces = %v, %v; want nothing written", stats, err)
			}
		})
	}
}

// TestCheckDoesNotWrite checks a valid batch on an empty store.
func TestCheckDoesNotWrite(t *testing.T) {
	s, err := Open[storetest.Item](filepath.Join(t.TempDir(), "check.db"), WithCompression())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var batch unionstore.Changes[storetest.Item]
	for i := range 10 {
		batch = append(batch, change("ns", "k", fmt.Sprint(i), strings.Repeat("compressible ", 20)))
	}
	if err := s.Check(batch); err != nil {
		t.Fatalf("Check = %v, want nil", err)
	}
	if got, err := s.Load(context.Background(), "ns"); err != nil || len(got) != 0 {
		t.Fatalf("Load after Check = %d changes, %v; want none", len(got), err)
	}
}

// TestCheckCountsTheRecordAsStored sets a record limit that a payload
// exceeds as encoded and fits once compressed: the limit is of the record
// as the file stores it, so the change is accepted, and loads back.
func TestCheckCountsTheRecordAsStored(t *testing.T) {
	for _, opt := range []Option{WithCompression(), WithFastCompression()} {
		s, err := Open[storetest.Item](filepath.Join(t.TempDir(), "check.db"), opt)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		driverOf(s).maxValue = 1 << 12
		batch := unionstore.Changes[storetest.Item]{change("ns", "k", "a", strings.Repeat("compressible ", 1000))}
		if err := s.Check(batch); err != nil {
			t.Errorf("Check of a record that fits compressed = %v, want nil", err)
		}
		ctx := context.Background()
		if err := s.Save(ctx, batch); err != nil {
			t.Errorf("Save of a record that fits compressed = %v, want nil", err)
		}
		if got, err := s.Load(ctx, "ns"); err != nil || len(got) != 1 || got[0].Entity.Value != batch[0].Entity.Value {
			t.Errorf("Load = %d changes, %v; want the one saved", len(got), err)
		}
	}
}
