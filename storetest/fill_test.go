package storetest

import (
	"encoding/json"
	"math/rand/v2"
	"regexp"
	"slices"
	"testing"
	"time"
)

// TestFillCustomers checks the size and shape of what the fill benchmarks
// save, and that one seed gives the same changes.
func TestFillCustomers(t *testing.T) {
	ts := time.Unix(1_700_000_000, 0)
	fill := func() ([]string, []string) {
		r := rand.New(rand.NewPCG(1, 2))
		ids := FillIDs(r, 50)
		var got []string
		for _, c := range FillCustomers(r, "fill", ids, ts) {
			if c.Namespace != "fill" || !c.Timestamp.Equal(ts) || c.Entity.Kind != "customer" {
				t.Fatalf("FillCustomers made %+v, want a customer of namespace fill at %v", c, ts)
			}
			p, err := json.Marshal(c.Entity)
			if err != nil {
				t.Fatal(err)
			}
			if len(p) < 250 || len(p) > 300 {
				t.Errorf("an entity of %d bytes of JSON, want about 270: %s", len(p), p)
			}
			got = append(got, string(p))
		}
		return ids, got
	}
	ids, first := fill()
	for i, id := range ids {
		if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(id) || slices.Contains(ids[:i], id) {
			t.Fatalf("FillIDs gave %q, want distinct ids of 16 hexadecimal digits", id)
		}
	}
	if _, again := fill(); !slices.Equal(first, again) {
		t.Fatal("one seed gave two different fills")
	}
}
