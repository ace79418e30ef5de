package unionstore_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/unionstore/unionstore"
)

func TestNewUnionRefusesInvalidOptions(t *testing.T) {
	stores := func() []unionstore.Store[Item] {
		return []unionstore.Store[Item]{unionstore.NewMemory[Item](), unionstore.ReadOnly[Item](unionstore.NewMemory[Item]())}
	}
	tests := []struct {
		name string
		opt  unionstore.Option
		want string // in the error; "" when the option is valid
	}{
		{"write quorum 0", unionstore.WriteQuorum(0), "WriteQuorum(0)"},
		{"write quorum above the writable stores", unionstore.WriteQuorum(2), "1 writable stores"},
		{"write quorum 1", unionstore.WriteQuorum(1), ""},
		{"degraded reads 0", unionstore.DegradedReads(0), "DegradedReads(0)"},
		{"degraded reads above the stores", unionstore.DegradedReads(3), "2 stores"},
		{"degraded reads 2", unionstore.DegradedReads(2), ""},
		{"repair batch 0", unionstore.RepairBatch(0), "RepairBatch(0)"},
		{"negative grace", unionstore.QuorumGrace(-time.Second), "QuorumGrace(-1s)"},
		{"zero grace", unionstore.QuorumGrace(0), ""},
		{"breaker of no failures", unionstore.CircuitBreaker(0, time.Second), "CircuitBreaker(0, 1s)"},
		{"breaker without cool-down", unionstore.CircuitBreaker(3, 0), "CircuitBreaker(3, 0s)"},
		{"hints of another entity", unionstore.HintedHandoff[*Item](unionstore.NewMemory[*Item](), 10), "not a HintStore"},
		{"negative hint limit", unionstore.HintedHandoff[Item](unionstore.NewMemory[Item](), -1), "HintedHandoff"},
		{"hints", unionstore.HintedHandoff[Item](unionstore.NewMemory[Item](), 0), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := unionstore.NewUnion(stores(), tc.opt)
			if tc.want == "" {
				if err != nil || u == nil {
					t.Fatalf("NewUnion = %v, %v; want a union", u, err)
				}
				return
			}
			if !errors.Is(err, unionstore.ErrInvalidOption) || !strings.Contains(err.Error(), tc.want) || u != nil {
				t.Fatalf("NewUnion = %v, %v; want ErrInvalidOption naming %q", u, err, tc.want)
			}
		})
	}
}

// With keeps taking what NewUnion refuses, as its options' docs say.
func TestWithStaysLenient(t *testing.T) {
	u := unionstore.New[Item](unionstore.NewMemory[Item]()).With(unionstore.WriteQuorum(0), unionstore.RepairBatch(-1))
	if err := u.Save(t.Context(), batch(set("a", "v", at(1)))); err != nil {
		t.Fatalf("Save on a union With WriteQuorum(0) = %v", err)
	}
}

func ExampleNewUnion() {
	primary, backup := unionstore.NewMemory[Item](), unionstore.NewMemory[Item]()
	_, err := unionstore.NewUnion([]unionstore.Store[Item]{primary, backup}, unionstore.WriteQuorum(3))
	fmt.Println(err)
	u, err := unionstore.NewUnion([]unionstore.Store[Item]{primary, backup}, unionstore.WriteQuorum(1))
	fmt.Println(u.StoreCount(), err)
	// Output:
	// unionstore: invalid option: WriteQuorum(3): the union has 2 writable stores
	// 2 <nil>
}
