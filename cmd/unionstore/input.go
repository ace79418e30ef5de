package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/unionstore/unionstore"
)

// jsonRecord is one JSON line, as load --json prints it and put and unset
// read it.
type jsonRecord struct {
	Namespace string          `json:"namespace,omitempty"`
	Kind      string          `json:"kind"`
	ID        string          `json:"id"`
	Change    string          `json:"change,omitempty"`
	Timestamp string          `json:"timestamp,omitempty"`
	Body      json.RawMessage `json:"body,omitempty"`
}

// inputRecord is a JSON line as put and unset read it: kind is a pointer
// so that a line without it is refused rather than stored with an empty
// kind.
type inputRecord struct {
	Namespace string          `json:"namespace"`
	Kind      *string         `json:"kind"`
	ID        string          `json:"id"`
	Change    string          `json:"change"`
	Timestamp string          `json:"timestamp"`
	Body      json.RawMessage `json:"body"`
}

const inputFields = `namespace, kind, id, change, timestamp and body`

// maxLine is the longest input line put and unset accept.
const maxLine = 64 << 20

// lineReader reads the lines of standard input one at a time, in bounded
// memory, numbering them from 1.
type lineReader struct {
	r    *bufio.Reader
	buf  []byte
	line int
	// read counts the bytes read so far, for the progress bar.
	read int64
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 256<<10)}
}

// next returns the next line without its end of line, valid until the
// next call, or io.EOF after the last. A line longer than maxLine is an
// error naming it.
func (lr *lineReader) next() ([]byte, error) {
	lr.buf = lr.buf[:0]
	lr.line++
	for {
		chunk, err := lr.r.ReadSlice('\n')
		lr.read += int64(len(chunk))
		if len(lr.buf)+len(chunk) > maxLine+1 {
			return nil, usageErrorf("line %d is longer than %d MiB, the longest line put reads", lr.line, maxLine>>20)
		}
		lr.buf = append(lr.buf, chunk...)
		switch {
		case err == nil:
			return bytes.TrimRight(lr.buf, "\r\n"), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(lr.buf) > 0:
			return lr.buf, nil
		case errors.Is(err, io.EOF):
			return nil, io.EOF
		}
		return nil, fmt.Errorf("reading standard input at line %d: %w", lr.line, err)
	}
}

// parseLine turns one JSON line into a change of type ct (a "change" field
// may make it an unset when ct is set) in defaultNS unless it names its
// namespace, at ts unless it gives its timestamp. Its errors say what is
// wrong in the terms of the line format.
func parseLine(line []byte, defaultNS string, ct unionstore.ChangeType, ts time.Time) (unionstore.Change[Record], error) {
	var c unionstore.Change[Record]
	r, err := decodeRecord(line)
	if err != nil {
		return c, err
	}
	c.Namespace, c.Timestamp = r.Namespace, ts
	if c.Namespace == "" {
		c.Namespace = defaultNS
	}
	if err := checkKey(c.Namespace, r); err != nil {
		return c, err
	}
	if c.ChangeType, err = changeType(r.Change, ct); err != nil {
		return c, err
	}
	if r.Timestamp != "" {
		if c.Timestamp, err = parseTime(r.Timestamp); err != nil {
			return c, err
		}
	}
	c.Entity = Record{Kind: *r.Kind, ID: r.ID, Body: r.Body}
	return c, checkBody(c)
}

// checkKey checks that record r has a namespace, ns once the default
// applies, a kind and an id.
func checkKey(ns string, r inputRecord) error {
	switch {
	case ns == "":
		return errors.New(`no namespace: give it as an argument or as "namespace" in the record`)
	case r.Kind == nil && r.ID == "":
		return errors.New(`no "kind" and "id"`)
	case r.Kind == nil:
		return fmt.Errorf(`record %s has no "kind" (give "kind": "" for records without one)`, quote(r.ID))
	case r.ID == "":
		return errors.New(`empty "id"`)
	}
	return nil
}

// changeType returns the type of change that a line's "change" field,
// change, asks of a command that writes changes of type ct: ct when the
// field is empty. Unset writes tombstones only.
func changeType(change string, ct unionstore.ChangeType) (unionstore.ChangeType, error) {
	if change == "" {
		return ct, nil
	}
	got := unionstore.ChangeType(change)
	if !got.Valid() {
		return got, fmt.Errorf("change %s: want set or unset", quote(change))
	}
	if ct == unionstore.ChangeTypeUnset && got != ct {
		return got, fmt.Errorf(`change %s: unset writes tombstones only; use put`, quote(change))
	}
	return got, nil
}

// checkBody checks the body of c: never null, and given for a set.
func checkBody(c unionstore.Change[Record]) error {
	key := escape(c.Entity.Kind) + "/" + escape(c.Entity.ID)
	if len(c.Entity.Body) > 0 && isNull(c.Entity.Body) {
		return fmt.Errorf("record %s has a null body; give the record's JSON as the application writes it, or leave body out of an unset", key)
	}
	if c.ChangeType == unionstore.ChangeTypeSet && len(c.Entity.Body) == 0 {
		return fmt.Errorf(`record %s has no "body"`, key)
	}
	return nil
}

// decodeRecord decodes one line strictly: one JSON object of the known
// fields and nothing after it.
func decodeRecord(line []byte) (inputRecord, error) {
	var r inputRecord
	trimmed := bytes.TrimSpace(line)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return r, fmt.Errorf("want a JSON object with %s, got %s", inputFields, jsonWhat(trimmed))
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		switch {
		case errors.As(err, &typeErr):
			return r, fmt.Errorf("field %s: want %s, got a JSON %s", quote(typeErr.Field), typeWords(typeErr.Type.String()), typeErr.Value)
		case errors.As(err, &syntaxErr):
			return r, fmt.Errorf("not valid JSON at byte %d: %s", syntaxErr.Offset, strings.TrimPrefix(syntaxErr.Error(), "invalid character "))
		case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
			return r, errors.New("not valid JSON: the record ends early")
		}
		if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return r, fmt.Errorf("unknown field %s; the fields are %s", field, inputFields)
		}
		return r, fmt.Errorf("not a JSON record: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return r, errors.New("more after the record; give one record per line")
	}
	return r, nil
}

// jsonWhat names the kind of JSON value v starts with.
func jsonWhat(v []byte) string {
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	if v[0] == '-' || (v[0] >= '0' && v[0] <= '9') {
		return "a number"
	}
	return "text that is not JSON"
}

func typeWords(goType string) string {
	switch goType {
	case "string", "*string":
		return "a string"
	case "json.RawMessage":
		return "a JSON value"
	}
	return goType
}

// parseTime parses an RFC 3339 time that a change may carry.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, fmt.Errorf("timestamp %s: want an RFC 3339 time such as 2026-01-02T15:04:05Z", quote(s))
	}
	if t.Before(unionstore.MinTimestamp) || t.After(unionstore.MaxTimestamp) {
		return t, fmt.Errorf("timestamp %s: want a time from %d to %d", quote(s), unionstore.MinTimestamp.Year(), unionstore.MaxTimestamp.Year())
	}
	return t, nil
}

// isNull reports whether the JSON value v is null.
func isNull[T ~string | ~[]byte](v T) bool { return strings.TrimSpace(string(v)) == "null" }
