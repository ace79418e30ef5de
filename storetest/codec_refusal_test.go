package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/unionstore/unionstore"
)

// codecChecking is a memory store that runs the codec check of
// [unionstore.CodecFor] in Check and Save, as a backend does, unless told
// to keep what it is given or to fail otherwise.
type codecChecking struct {
	*unionstore.Memory[Unreadable]
	keep  bool  // save the changes whatever the check says
	other error // when set, what Check and Save return instead
}

func (r *codecChecking) Check(changes unionstore.Changes[Unreadable]) error {
	if r.other != nil {
		return r.other
	}
	codec, err := unionstore.CodecFor[Unreadable](nil)
	if err != nil {
		return err
	}
	for _, c := range changes {
		if _, err := codec.Encode(c.Entity); err != nil {
			return err
		}
	}
	return nil
}

func (r *codecChecking) Save(ctx context.Context, changes unionstore.Changes[Unreadable]) error {
	err := r.Check(changes)
	if err == nil || r.keep {
		if serr := r.Memory.Save(ctx, changes); serr != nil {
			return serr
		}
	}
	return err
}

// saveChecking hides the Check of the store it holds: a union learns of
// the refusal only from Save, after it has saved to its other members.
type saveChecking struct{ unionstore.Store[Unreadable] }

// TestCheckRefusesUnreadable checks that the case of RunRefusesUnreadable
// passes a store that refuses an Unreadable and fails one that takes it,
// refuses it for another reason, or keeps it while codecChecking it.
func TestCheckRefusesUnreadable(t *testing.T) {
	const (
		saved = "fatal: Save = <nil>, want ErrInvalidChange naming kind customer and its unexported fields"
		other = "fatal: Save = invalid change: too big, want ErrInvalidChange naming kind customer and its unexported fields"
		kept  = "store store after the refused Save holds"
		both  = "memory store after the refused Save holds"
	)
	for _, tc := range []struct {
		name  string
		store func() unionstore.Store[Unreadable]
		want  map[string]string // by path: the start of the first failure, "" for none
	}{
		{"a store that refuses", func() unionstore.Store[Unreadable] {
			return &codecChecking{Memory: unionstore.NewMemory[Unreadable]()}
		}, map[string]string{"alone": "", "in a union": ""}},
		{"a store without the check", func() unionstore.Store[Unreadable] {
			return unionstore.NewMemory[Unreadable]()
		}, map[string]string{"alone": saved, "in a union": saved}},
		{"a store that refuses for another reason", func() unionstore.Store[Unreadable] {
			return &codecChecking{Memory: unionstore.NewMemory[Unreadable](), other: fmt.Errorf("%w: too big", unionstore.ErrInvalidChange)}
		}, map[string]string{"alone": other, "in a union": "fatal: Save = "}},
		{"a store that refuses and keeps", func() unionstore.Store[Unreadable] {
			return &codecChecking{Memory: unionstore.NewMemory[Unreadable](), keep: true}
		}, map[string]string{"alone": kept, "in a union": ""}}, // the union's Check refuses first
		{"a store that refuses in Save alone", func() unionstore.Store[Unreadable] {
			return saveChecking{&codecChecking{Memory: unionstore.NewMemory[Unreadable]()}}
		}, map[string]string{"alone": "", "in a union": both}},
	} {
		for _, p := range []struct {
			name    string
			inUnion bool
		}{{"alone", false}, {"in a union", true}} {
			t.Run(tc.name+", "+p.name, func(t *testing.T) {
				var r checkRecorder
				failures := r.run(func(tb testing.TB) { checkRefusesUnreadable(tb, tc.store(), p.inUnion) })
				want := tc.want[p.name]
				switch {
				case want == "" && len(failures) > 0:
					t.Fatalf("checkRefusesUnreadable failed %q, want no failure", failures)
				case want != "" && (len(failures) == 0 || !strings.HasPrefix(failures[0], want)):
					t.Fatalf("checkRefusesUnreadable failed %q, want a first failure starting %q", failures, want)
				}
			})
		}
	}
}

// TestRefusesUnreadableNamesTheRefusal checks what refusesUnreadable
// takes for the refusal of an Unreadable.
func TestRefusesUnreadableNamesTheRefusal(t *testing.T) {
	codec, err := unionstore.CodecFor[Unreadable](nil)
	if err != nil {
		t.Fatal(err)
	}
	_, refusal := codec.Encode(Unreadable{id: "c1"})
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"the codec's refusal", refusal, true},
		{"the refusal wrapped", fmt.Errorf("store %q: save: %w", "a", refusal), true},
		{"no error", nil, false},
		{"another invalid change", fmt.Errorf("%w: change 0: empty id", unionstore.ErrInvalidChange), false},
		{"the words without the sentinel", errors.New(refusal.Error()), false},
		{"another kind refused", fmt.Errorf(`%w: kind "hidden" cannot be stored, as the codec does not read them back: encoding/json sees no exported fields in *shapes.hidden`, unionstore.ErrInvalidChange), false},
		{"the kind refused for another reason", fmt.Errorf(`%w: kind "customer" cannot be stored, as the codec does not read them back: the entity decodes with kind "customer" id ""`, unionstore.ErrInvalidChange), false},
	} {
		if got := refusesUnreadable(tc.err); got != tc.want {
			t.Errorf("refusesUnreadable(%v) for %s = %v, want %v", tc.err, tc.name, got, tc.want)
		}
	}
}
