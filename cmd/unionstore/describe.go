package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/unionstore/unionstore"
)

// placeError says where a command was when err happened, such as the
// namespace it was working on, in the user's terms.
type placeError struct {
	place string
	err   error
}

func (e *placeError) Error() string { return e.place + ": " + e.err.Error() }
func (e *placeError) Unwrap() error { return e.err }

// at wraps err with the place it happened, or returns nil for nil.
func at(place string, err error) error {
	if err == nil {
		return nil
	}
	return &placeError{place, err}
}

// describe returns err in the user's terms: the places the command gave,
// then, for an error of a union, each store that failed by its address
// and what it failed at, instead of the union's quorum arithmetic, and
// what the command wrote before it.
func describe(err error) string {
	var places []string
	inner := err
	for {
		var pe *placeError
		if !errors.As(inner, &pe) {
			break
		}
		places = append(places, pe.place)
		inner = pe.err
	}
	failed := storeErrors(inner)
	if len(failed) == 0 {
		return err.Error()
	}
	prefix := ""
	if len(places) > 0 {
		prefix = strings.Join(places, ": ") + ": "
	}
	lines := make([]string, len(failed))
	for i, f := range failed {
		lines[i] = fmt.Sprintf("%s%s: %s: %v", prefix, storeName(f), opWords(f.Op), f.Err)
	}
	out := strings.Join(lines, "\n  ")
	if pe := (*progressError)(nil); errors.As(err, &pe) && pe.done != "" {
		out += "\n" + pe.done
	}
	return out
}

// storeErrors returns the *unionstore.StoreError values in err's tree, in
// order, each once.
func storeErrors(err error) []*unionstore.StoreError {
	var out []*unionstore.StoreError
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case nil:
			return
		case *unionstore.StoreError:
			out = append(out, e)
			return
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			walk(e.Unwrap())
		}
	}
	walk(err)
	return out
}

func storeName(f *unionstore.StoreError) string {
	if f.Name != "" {
		return fmt.Sprintf("store %q", f.Name)
	}
	return fmt.Sprintf("store %d", f.Index+1)
}

func opWords(op unionstore.Op) string {
	switch op {
	case unionstore.OpSave:
		return "writing"
	case unionstore.OpLoad, unionstore.OpScan, unionstore.OpDiff, unionstore.OpGet:
		return "reading"
	case unionstore.OpRepair:
		return "copying to it"
	case unionstore.OpClose:
		return "closing"
	}
	return string(op)
}

// interruptedDetail returns what an interrupted command did, if its error
// says, as ", after writing ...".
func interruptedDetail(err error) string {
	var pe *progressError
	if errors.As(err, &pe) && pe.done != "" {
		return "; " + pe.done
	}
	return ""
}

// progressError is the error of a command that wrote part of its work
// before it failed or was interrupted; done says what was written, so that
// a user knows where to resume.
type progressError struct {
	done string
	err  error
}

func (e *progressError) Error() string {
	msg := e.err.Error()
	switch {
	case e.done == "":
		return msg
	case strings.Contains(msg, "\n"):
		return msg + "\n" + e.done
	}
	return msg + "; " + e.done
}
func (e *progressError) Unwrap() error { return e.err }

// relabeled is an error shown with a message of the command's own, that
// still wraps the backend's error for errors.Is and errors.As.
type relabeled struct {
	msg string
	err error
}

func (e *relabeled) Error() string { return e.msg }
func (e *relabeled) Unwrap() error { return e.err }
