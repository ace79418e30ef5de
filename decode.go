package unionstore

import (
	"errors"
	"fmt"
)

// DecodeEntity decodes a payload stored under (namespace, kind, id) with
// codec, and checks that the entity has that kind and id: a payload without
// the fields CompactionKey reads would otherwise come back as another
// entity, and a codec may return a nil pointer (from JSON null) whose
// CompactionKey panics. Every error it returns is a [*DecodeError].
//
// Durable stores call it for each record they read.
func DecodeEntity[E Entity](codec Codec[E], namespace, kind, id string, data []byte) (E, error) {
	e, err := codec.Decode(kind, id, data)
	if err == nil {
		err = checkIdentity(e, kind, id)
	}
	if err != nil {
		var zero E
		return zero, &DecodeError{Namespace: namespace, Kind: kind, ID: id, Err: err}
	}
	return e, nil
}

func checkIdentity[E Entity](e E, kind, id string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the decoded entity's CompactionKey panicked: %v", r)
		}
	}()
	if isNil(e) {
		return errors.New("the payload decodes to a nil entity")
	}
	if k, i := e.CompactionKey(); k != kind || i != id {
		return fmt.Errorf("the entity decodes with kind %q id %q, not the kind and id it was stored under", k, i)
	}
	return nil
}

// maxDecodeErrors is how many errors DecodeErrors keeps one by one.
const maxDecodeErrors = 10

// DecodeErrors collects the decode errors of one read, for a store that
// skips undecodable records and reports them at the end: it keeps the first
// ten and counts the others. The zero value is ready to use; it is not safe
// for concurrent use.
type DecodeErrors struct {
	errs []error
	more int
}

// Add records err.
func (d *DecodeErrors) Add(err error) {
	if len(d.errs) < maxDecodeErrors {
		d.errs = append(d.errs, err)
		return
	}
	d.more++
}

// Err returns nil when no error was added, and otherwise an error that
// counts the records left out and joins the errors kept, so that
// [errors.Is] finds [ErrDecode] and [errors.As] the first [*DecodeError].
func (d *DecodeErrors) Err() error {
	if len(d.errs) == 0 {
		return nil
	}
	errs := d.errs[:len(d.errs):len(d.errs)]
	if d.more > 0 {
		errs = append(errs, fmt.Errorf("%w: %d more records", ErrDecode, d.more))
	}
	if n := len(d.errs) + d.more; n != 1 {
		return fmt.Errorf("%d records could not be decoded and were left out: %w", n, errors.Join(errs...))
	}
	return fmt.Errorf("1 record could not be decoded and was left out: %w", errors.Join(errs...))
}
