package pgstore

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/unionstore/unionstore/backend"
)

// The limits of PostgreSQL on one row of the table that a batch can reach,
// for the default page size of 8 kB. [Store.Check] and [Store.Save] refuse
// a change beyond them before anything is sent to the server.
const (
	// MaxKeySize is the largest entry, in bytes, that PostgreSQL's btree
	// index (version 4) holds on an 8 kB page: a third of the page, less
	// the page's own headers and room for a heap pointer. The table's
	// primary key (namespace, kind, id) must fit in it; [KeySize] computes
	// the size of the entry for an identity.
	MaxKeySize = 2704

	// MaxPayload is the largest payload, in bytes, that a change's
	// encoding may take: 1 GiB less 1 MiB. PostgreSQL holds at most 1 GB
	// in one value, and the row around the payload, its compression
	// buffer and the protocol's framing need room in that gigabyte too.
	MaxPayload = 1<<30 - 1<<20
)

// KeySize returns the size in bytes of the primary-key index entry that
// PostgreSQL forms for the identity (namespace, kind, id), to compare with
// [MaxKeySize]. It assumes the values are stored uncompressed, which makes
// it an upper bound: PostgreSQL compresses a value of more than about 500
// bytes in an index entry when that saves space, so a long, repetitive id
// may take less room than KeySize says, and would be accepted by the
// server although Save refuses it. An incompressible one takes exactly
// KeySize bytes.
//
// The entry is an 8-byte header followed by the three values, each with a
// length header: 1 byte for a value of at most 126 bytes, unaligned;
// otherwise 4 bytes, aligned on 4 bytes. The whole is padded to a multiple
// of 8. The "C" collation stores text as it is.
func KeySize(namespace, kind, id string) int {
	const header = 8 // an item pointer and the entry's size and flags
	size := 0
	for _, n := range [...]int{len(namespace), len(kind), len(id)} {
		if n+1 <= shortVarlenaMax {
			size += 1 + n
			continue
		}
		size = alignUp(size, 4) + 4 + n
	}
	return alignUp(header+size, 8)
}

// shortVarlenaMax is the largest value, header included, that PostgreSQL
// stores with a 1-byte length header.
const shortVarlenaMax = 127

func alignUp(n, to int) int { return (n + to - 1) &^ (to - 1) }

// maxPayload is [MaxPayload], a variable so that tests can check the
// refusal without gigabytes of memory.
var maxPayload = MaxPayload

// CheckRecord returns why the table cannot hold r, or nil: a primary-key
// index entry ([KeySize]) or a change feed's index entry larger than
// [MaxKeySize], or a payload larger than [MaxPayload]. The store refuses
// the batch of such a record whole, before anything is sent to the server.
func (d *driver) CheckRecord(r backend.Record) error {
	if n := KeySize(r.Namespace, r.Kind, r.ID); n > MaxKeySize {
		return fmt.Errorf("%w: %s: its primary-key index entry takes %d bytes, more than PostgreSQL's btree limit of %d",
			backend.ErrKeyTooLong, identity(r), n, MaxKeySize)
	}
	if n := feedKeySize(r.Namespace); n > MaxKeySize {
		return fmt.Errorf("%w: %s: the change feed's index entry for its namespace takes %d bytes, more than PostgreSQL's btree limit of %d",
			backend.ErrKeyTooLong, identity(r), n, MaxKeySize)
	}
	if len(r.Payload) > maxPayload {
		return fmt.Errorf("%w: %s: its payload takes %d bytes, more than the %d PostgreSQL can hold",
			backend.ErrPayloadTooLarge, identity(r), len(r.Payload), maxPayload)
	}
	return nil
}

// identity names r's identity in an error, each part shortened when long.
func identity(r backend.Record) string {
	return fmt.Sprintf("namespace %s kind %s id %s", quoteShort(r.Namespace), quoteShort(r.Kind), quoteShort(r.ID))
}

// feedKeySize returns the size in bytes of the entry of the change feed's
// index, (namespace, xid, rev), for namespace: the header and the
// namespace as in [KeySize], then two 8-byte values aligned on 8 bytes.
// It exceeds the primary key's entry when the kind and id are short and
// the namespace long, so that a namespace may have at most 2,676 bytes.
func feedKeySize(namespace string) int {
	const header = 8
	size := 1 + len(namespace)
	if len(namespace)+1 > shortVarlenaMax {
		size = 4 + len(namespace)
	}
	return alignUp(header+size, 8) + 16
}

// quoteShort quotes s for an error message, cut after 64 bytes with its
// length: a key too long for the index would otherwise fill the message.
func quoteShort(s string) string {
	const limit = 64
	if len(s) <= limit {
		return strconv.Quote(s)
	}
	cut := limit
	// Do not cut a UTF-8 sequence in two.
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return fmt.Sprintf("%q… (%d bytes)", s[:cut], len(s))
}

// storable reports whether PostgreSQL text can hold s: valid UTF-8 without
// NUL bytes, as [unionstore.Changes.Validate] requires of every identity.
// A read of anything else finds nothing, without a query.
func storable(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}
