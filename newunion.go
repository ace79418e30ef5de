package unionstore

import (
	"errors"
	"fmt"
)

// NewUnion returns a union of stores with opts applied, like
// New(stores...).With(opts...), and refuses what With takes leniently or
// panics on, naming the option:
//   - [WriteQuorum] below 1 or above the number of writable stores, and
//     [DegradedReads] below 1 or above the number of stores (With reads
//     both as "all");
//   - [RepairBatch] below 1 and [QuorumGrace] below 0 (With reads them as
//     the default and 0);
//   - [CircuitBreaker] with failures below 1 (With reads it as no
//     breaker) or a cool-down that is not positive;
//   - [HintedHandoff] with a nil hint store, a negative limit, or a hint
//     store of another entity type than the union's (With panics).
//
// Every error wraps [ErrInvalidOption]; a union made by NewUnion can still
// be given options with With.
func NewUnion[E Entity](stores []Store[E], opts ...Option) (*Union[E], error) {
	var o options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	writable := 0
	for _, s := range stores {
		if !asMember(s).readOnly {
			writable++
		}
	}
	errs := o.refused
	if o.writeQuorum > writable {
		errs = append(errs, fmt.Errorf("WriteQuorum(%d): the union has %d writable stores", o.writeQuorum, writable))
	}
	if o.readQuorum > len(stores) {
		errs = append(errs, fmt.Errorf("DegradedReads(%d): the union has %d stores", o.readQuorum, len(stores)))
	}
	if o.hints != nil {
		if _, ok := o.hints.(HintStore[E]); !ok {
			errs = append(errs, fmt.Errorf("HintedHandoff: the hint store is a %T, not a HintStore of the union's entity type", o.hints))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("unionstore: %w: %w", ErrInvalidOption, errors.Join(errs...))
	}
	return New(stores...).With(opts...), nil
}

// refuse records why an option's value is invalid, for [NewUnion].
func (o *options) refuse(format string, args ...any) {
	o.refused = append(o.refused, fmt.Errorf(format, args...))
}
