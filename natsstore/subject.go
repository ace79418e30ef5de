package natsstore

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// tokenAlphabet holds the 64 characters of a subject token, in ascending
// byte order: a token is the key's bytes, six bits per character, most
// significant first, so that tokens compare as the keys they encode. None
// of them is a separator, a wildcard or white space, so any string becomes
// a legal subject token.
const tokenAlphabet = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"

// emptyToken stands for the empty string, which NATS does not allow as a
// token. No other key encodes to one character, and it sorts before every
// other token, as "" sorts before every other string.
const emptyToken = "-"

// tokenValue maps a byte of a token to its six bits, or to 0xff.
var tokenValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i := 0; i < len(tokenAlphabet); i++ {
		t[tokenAlphabet[i]] = byte(i)
	}
	return t
}()

// encodedLen returns the length of the token for a key of n bytes.
func encodedLen(n int) int {
	if n == 0 {
		return len(emptyToken)
	}
	return (n*8 + 5) / 6
}

// appendToken appends the token of key to dst.
func appendToken(dst []byte, key string) []byte {
	if key == "" {
		return append(dst, emptyToken...)
	}
	var acc uint32
	bits := 0
	for i := 0; i < len(key); i++ {
		acc = acc<<8 | uint32(key[i])
		bits += 8
		for bits >= 6 {
			bits -= 6
			dst = append(dst, tokenAlphabet[(acc>>bits)&63])
		}
	}
	if bits > 0 {
		dst = append(dst, tokenAlphabet[(acc<<(6-bits))&63])
	}
	return dst
}

var errBadToken = errors.New("not a token of this store's layout")

// decodeToken returns the key that tok encodes, or an error if tok is not
// the token of any key: a character outside the alphabet, a length that no
// key encodes to, or padding bits that are not zero.
func decodeToken(tok string) (string, error) {
	switch {
	case tok == emptyToken:
		return "", nil
	case len(tok)%4 == 1 || tok == "":
		return "", fmt.Errorf("token %q: %w", tok, errBadToken)
	}
	out := make([]byte, 0, len(tok)*6/8)
	var acc uint32
	bits := 0
	for i := 0; i < len(tok); i++ {
		v := tokenValue[tok[i]]
		if v == 0xff {
			return "", fmt.Errorf("token %q: byte %d: %w", tok, i, errBadToken)
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 8 {
			bits -= 8
			out = append(out, byte(acc>>bits))
		}
	}
	if acc&(1<<bits-1) != 0 {
		return "", fmt.Errorf("token %q: padding bits set: %w", tok, errBadToken)
	}
	return string(out), nil
}

// subjectLen returns the length of the subject of (namespace, kind, id)
// under prefix.
func subjectLen(prefix, namespace, kind, id string) int {
	return len(prefix) + 3 + encodedLen(len(namespace)) + encodedLen(len(kind)) + encodedLen(len(id))
}

// subject returns <prefix>.<namespace>.<kind>.<id>, each key a token.
func subject(prefix, namespace, kind, id string) string {
	b := make([]byte, 0, subjectLen(prefix, namespace, kind, id))
	b = append(b, prefix...)
	b = append(b, '.')
	b = appendToken(b, namespace)
	b = append(b, '.')
	b = appendToken(b, kind)
	b = append(b, '.')
	b = appendToken(b, id)
	return string(b)
}

// namespaceFilter returns the subject filter that matches every change of
// namespace.
func namespaceFilter(prefix, namespace string) string {
	b := make([]byte, 0, len(prefix)+4+encodedLen(len(namespace)))
	b = append(b, prefix...)
	b = append(b, '.')
	b = appendToken(b, namespace)
	return string(append(b, ".>"...))
}

// subjectTokens splits a subject of the store into its three encoded
// tokens, namespace, kind and id, without decoding them.
func subjectTokens(prefix, subj string) (ns, kind, id string, err error) {
	rest, ok := strings.CutPrefix(subj, prefix)
	if !ok || !strings.HasPrefix(rest, ".") {
		return "", "", "", fmt.Errorf("subject %q is not under prefix %q", subj, prefix)
	}
	parts := strings.Split(rest[1:], ".")
	if len(parts) != 3 {
		return "", "", "", fmt.Errorf("subject %q: want 3 tokens after the prefix, got %d", subj, len(parts))
	}
	return parts[0], parts[1], parts[2], nil
}

// parseSubject returns the namespace, kind and id of a subject of the
// store.
func parseSubject(prefix, subj string) (ns, kind, id string, err error) {
	nsTok, kindTok, idTok, err := subjectTokens(prefix, subj)
	if err != nil {
		return "", "", "", err
	}
	if ns, err = decodeToken(nsTok); err == nil {
		if kind, err = decodeToken(kindTok); err == nil {
			id, err = decodeToken(idTok)
		}
	}
	if err != nil {
		return "", "", "", fmt.Errorf("subject %q: %w", subj, err)
	}
	for _, k := range [...]string{ns, kind, id} {
		// What Save cannot have written: Validate refuses it.
		if !utf8.ValidString(k) || strings.IndexByte(k, 0) >= 0 {
			return "", "", "", fmt.Errorf("subject %q: key %q is not valid UTF-8 without NUL: %w", subj, k, errBadToken)
		}
	}
	return ns, kind, id, nil
}
