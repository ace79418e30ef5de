package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

// recorder is a testing.TB that keeps the message of Fatalf and ends the
// check that called it, for the tests of the checks themselves.
type recorder struct {
	testing.TB
	failed string
}

// errFatal ends a check through recorder.Fatalf.
var errFatal = errors.New("fatal")

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	panic(errFatal)
}

// run returns the message check failed with, or "".
func (r *recorder) run(check func(tb testing.TB)) (failed string) {
	defer func() {
		if v := recover(); v != nil && v != errFatal {
			panic(v)
		}
		failed = r.failed
	}()
	check(r)
	return ""
}

func TestCheckDecoded(t *testing.T) {
	ts := time.Unix(0, 42)
	row := func(kind, id string, ct unionstore.ChangeType, ts time.Time) unionstore.Change[Item] {
		return unionstore.Change[Item]{Namespace: "ns", ChangeType: ct, Entity: Item{Kind: kind, ID: id}, Timestamp: ts}
	}
	decodeErr := func(ns, kind, id string) error {
		return &unionstore.DecodeError{Namespace: ns, Kind: kind, ID: id, Err: unionstore.ErrDecode}
	}
	for _, tc := range []struct {
		name string
		c    unionstore.Change[Item]
		err  error
		want string // what the failure says, "" for none
	}{
		{"the row's change", row("k", "a", unionstore.ChangeTypeSet, ts), nil, ""},
		{"an error naming the row", unionstore.Change[Item]{}, decodeErr("ns", "k", "a"), ""},
		{"an error naming another row", unionstore.Change[Item]{}, decodeErr("ns", "k", "b"), "does not wrap ErrDecode in a DecodeError"},
		{"an error without ErrDecode", unionstore.Change[Item]{}, errors.New("broken"), "does not wrap ErrDecode in a DecodeError"},
		{"another id", row("k", "b", unionstore.ChangeTypeSet, ts), nil, `change has identity "ns"/"k"/"b"`},
		{"another kind", row("j", "a", unionstore.ChangeTypeSet, ts), nil, `change has identity "ns"/"j"/"a"`},
		{"another timestamp", row("k", "a", unionstore.ChangeTypeSet, ts.Add(1)), nil, "timestamp = 43 ns, want 42"},
		{"an invalid change type", row("k", "a", "SET", ts), nil, `change type "SET" is not valid`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := new(recorder).run(func(tb testing.TB) {
				CheckDecoded(tb, "Get", tc.c, tc.err, "ns", "k", "a", 42)
			})
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) || tc.want != "" && !strings.HasPrefix(got, "Get: ") {
				t.Fatalf("CheckDecoded failed with %q, want a failure with %q", got, tc.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	a := &unionstore.DecodeError{Namespace: "ns", Kind: "k", ID: "a", Err: errors.New("bad")}
	b := &unionstore.DecodeError{Namespace: "ns", Kind: "k", ID: "b", Err: &unionstore.DecodeError{ID: "inner"}}
	c := &unionstore.DecodeError{Namespace: "ns", Kind: "k", ID: "c"}
	for _, tc := range []struct {
		name string
		err  error
		want []*unionstore.DecodeError
	}{
		{"no error", nil, nil},
		{"another error", errors.New("broken"), nil},
		{"one", a, []*unionstore.DecodeError{a}},
		{"wrapped", fmt.Errorf("load: %w", a), []*unionstore.DecodeError{a}},
		{"joined, in order, not searched inside", errors.Join(a, fmt.Errorf("x: %w", errors.Join(b, errors.New("other"))), c), []*unionstore.DecodeError{a, b, c}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := DecodeErrors(tc.err); !slices.Equal(got, tc.want) {
				t.Fatalf("DecodeErrors(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
