package unionstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// HintStore is a store that can keep a [Union]'s hints: it lists its
// namespaces and removes one once its hints are replayed. [Memory] is one,
// for tests; a durable store (a bolt file, a table) keeps hints across
// restarts.
type HintStore[E Entity] interface {
	Store[E]
	NamespaceLister
	Purger
}

// Purger is implemented by stores that can remove a namespace entirely.
//
// Purge removes every change of namespace, tombstones included, so that
// it loads empty and no longer appears in Namespaces. A namespace that
// does not exist is not an error.
type Purger interface {
	Purge(ctx context.Context, namespace string) error
}

// DefaultHintLimit is the number of entities a union keeps hints of for one
// member before it records whole namespaces for repair instead.
const DefaultHintLimit = 100_000

// HintedHandoff makes Save keep, in hints, the changes that a writable
// member missed (it failed, stalled past the quorum's grace, or was
// skipped by its breaker) while another member took them, so that
// [Union.Replay] can later write to the member exactly what it missed: the
// cost of a replay follows the changes missed, not the size of their
// namespaces. Replay applies last-write-wins like every Save, so a hint
// replayed twice or late never overwrites newer data.
//
// Hints of one member are kept per namespace, latest change per entity, in
// namespaces of hints named "unionstore.hints/MEMBER/EPOCH/NAMESPACE",
// where MEMBER is the member's [Named] name (escaped), or its position in
// [New] for an unnamed member: name the members of a union whose hints
// must survive a restart, so that a reordered list cannot send hints to
// the wrong store. One hint store serves one union at a time.
//
// Past limit hints for a member (0 means [DefaultHintLimit]), the union
// stops keeping its changes and records, in a namespace named
// "unionstore.repair/MEMBER/NAMESPACE", each namespace the member missed
// changes of; Replay then runs [Union.Repair] on those namespaces. The
// limit counts entities, not saves: a change of an entity that already has
// a hint replaces it and takes no more of the limit, and a replay gives
// back what it replays. An entity hinted again after a replay failed
// counts twice until replayed, as its hints are kept in two epochs.
//
// A failed hint write does not fail a Save that reached its quorum: it is
// in the [Report]'s HintErr and in an observer event of operation "hint".
// The hint store's entity type must be the union's: [NewUnion] refuses
// another, and With panics.
func HintedHandoff[E Entity](hints HintStore[E], limit int) Option {
	return func(o *options) {
		if hints == nil || limit < 0 {
			o.refuse("HintedHandoff(%T, %d): want a hint store and a limit of 0 or more", hints, limit)
		}
		o.hints = hints
		o.hintLimit = limit
	}
}

const (
	hintPrefix   = "unionstore.hints/"
	repairPrefix = "unionstore.repair/"
)

// hintState is what a union knows of its hints; it is shared by the
// unions With makes from one New.
type hintState struct {
	mu sync.Mutex
	// epochs holds, per member, the epoch that hints are written to now.
	// A replay moves the member to a new epoch first, then replays and
	// purges the older ones; writers hold the member's lock for reading
	// while they write, so that a replay waits for the writes of the epoch
	// it closes.
	epochs  []string
	writing []sync.RWMutex
	// pending counts, per member, the hints that the hint store holds for
	// it: the distinct identities of each of its hint namespaces, summed,
	// which is what the hint store lists in its namespace stats and what a
	// replay reads back. An identity hinted in two epochs (hinted again
	// after a replay failed) counts twice until replayed. -1 until counted
	// from the hint store.
	pending []int
	// current holds, per member, the identities hinted in its current
	// epoch, so that a change of an identity already hinted there does not
	// count again: at most the limit per member, dropped when a replay
	// closes the epoch.
	current []map[identity]struct{}
}

func newHintState(members int) *hintState {
	h := &hintState{
		epochs:  make([]string, members),
		writing: make([]sync.RWMutex, members),
		pending: make([]int, members),
		current: make([]map[identity]struct{}, members),
	}
	for i := range h.pending {
		h.pending[i] = -1
	}
	return h
}

// unhinted returns how many distinct identities of changes are not yet
// hinted in member i's current epoch. h.mu must be held.
func (h *hintState) unhinted(i int, changes []identity) int {
	seen := make(map[identity]struct{}, len(changes))
	for _, id := range changes {
		if _, ok := h.current[i][id]; !ok {
			seen[id] = struct{}{}
		}
	}
	return len(seen)
}

// hinted records changes as hinted in member i's current epoch and counts
// those that were not. h.mu must be held.
func (h *hintState) hinted(i int, changes []identity) {
	if h.current[i] == nil {
		h.current[i] = make(map[identity]struct{}, len(changes))
	}
	n := 0
	for _, id := range changes {
		if _, ok := h.current[i][id]; !ok {
			h.current[i][id] = struct{}{}
			n++
		}
	}
	if h.pending[i] >= 0 {
		// Otherwise the next count reads them from the hint store.
		h.pending[i] += n
	}
}

// replayed takes n replayed hints off member i's count. h.mu must be held.
func (h *hintState) replayed(i, n int) {
	if h.pending[i] >= 0 {
		h.pending[i] = max(0, h.pending[i]-n)
	}
}

// memberKey names member i in hint namespaces.
func (u *Union[E]) memberKey(i int) string {
	if name := u.members[i].name; name != "" {
		return "n:" + url.PathEscape(name)
	}
	return "i:" + strconv.Itoa(i)
}

func newEpoch() string { return fmt.Sprintf("%020d", Now().UnixNano()) }

// hintStore returns the union's hint store, or nil.
func (u *Union[E]) hintStore() HintStore[E] {
	if u.opts.hints == nil {
		return nil
	}
	return u.opts.hints.(HintStore[E]) // checked by With
}

// writeHints keeps changes as hints for each member in missed. It returns
// the number of changes kept and the errors of the hint store.
func (u *Union[E]) writeHints(ctx context.Context, missed []int, changes Changes[E]) (int, error) {
	hs := u.hintStore()
	byNamespace := map[string]Changes[E]{}
	var order []string
	ids := make([]identity, len(changes))
	for j, c := range changes {
		if _, ok := byNamespace[c.Namespace]; !ok {
			order = append(order, c.Namespace)
		}
		byNamespace[c.Namespace] = append(byNamespace[c.Namespace], c)
		kind, id := c.Entity.CompactionKey()
		ids[j] = identity{c.Namespace, kind, id}
	}
	limit := u.opts.hintLimit
	if limit <= 0 {
		limit = DefaultHintLimit
	}
	kept := 0
	var errs []error
	namespace := batchNamespace(changes)
	for _, i := range missed {
		hctx, call := u.startMember(ctx, OpHint, i, namespace, ReasonMissed)
		n, err := u.hintMember(hctx, hs, i, order, byNamespace, ids, limit)
		kept += n
		m := u.members[i]
		u.finish(&call, n, err)
		if err != nil {
			errs = append(errs, &StoreError{Index: i, Name: m.name, Op: OpHint, Err: err})
		}
	}
	return kept, errors.Join(errs...)
}

// hintMember keeps changes, grouped by namespace in byNamespace and
// identified by ids, as hints for member i, or records their namespaces
// for repair when that would take the member past limit hints.
func (u *Union[E]) hintMember(ctx context.Context, hs HintStore[E], i int, order []string, byNamespace map[string]Changes[E], ids []identity, limit int) (int, error) {
	h := u.shared.hints
	h.writing[i].RLock()
	defer h.writing[i].RUnlock()
	pending, err := u.pendingHints(ctx, hs, i)
	if err != nil {
		return 0, err
	}
	total := len(ids)
	h.mu.Lock()
	if h.epochs[i] == "" {
		h.epochs[i] = newEpoch()
	}
	epoch := h.epochs[i]
	added := h.unhinted(i, ids)
	h.mu.Unlock()
	key := u.memberKey(i)
	if pending+added > limit {
		// Too many hints: record the namespaces for Repair instead, each
		// with one of its changes, since a store can only hold changes.
		var marks Changes[E]
		for _, ns := range order {
			c := byNamespace[ns][0]
			c.Namespace = repairPrefix + key + "/" + ns
			marks = append(marks, c)
		}
		if err := hs.Save(ctx, marks); err != nil {
			return 0, fmt.Errorf("record namespaces for repair: %w", err)
		}
		return 0, nil
	}
	hints := make(Changes[E], 0, total)
	for _, ns := range order {
		for _, c := range byNamespace[ns] {
			c.Namespace = hintPrefix + key + "/" + epoch + "/" + ns
			hints = append(hints, c)
		}
	}
	if err := hs.Save(ctx, hints); err != nil {
		return 0, fmt.Errorf("keep hints: %w", err)
	}
	// The epoch is still current: a replay closes it only once this
	// writer has let go of h.writing[i].
	h.mu.Lock()
	h.hinted(i, ids)
	h.mu.Unlock()
	return total, nil
}

// pendingHints returns how many hints member i has (see hintState.pending),
// counting them in the hint store the first time and after a purge.
func (u *Union[E]) pendingHints(ctx context.Context, hs HintStore[E], i int) (int, error) {
	h := u.shared.hints
	h.mu.Lock()
	n := h.pending[i]
	h.mu.Unlock()
	if n >= 0 {
		return n, nil
	}
	spaces, err := u.hintSpaces(ctx, hs, i)
	if err != nil {
		return 0, err
	}
	n = 0
	for _, s := range spaces.hints {
		n += s.Entities + s.Tombstones
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.pending[i] < 0 {
		h.pending[i] = n
		// A purge may have removed hints of the current epoch: forget
		// those of namespaces no longer listed, so that a new hint of
		// them counts again.
		listed := map[string]bool{}
		for _, s := range spaces.hints {
			if epoch, ns := u.splitHintNamespace(i, s.Namespace); epoch == h.epochs[i] {
				listed[ns] = true
			}
		}
		for id := range h.current[i] {
			if !listed[id.namespace] {
				delete(h.current[i], id)
			}
		}
	}
	return h.pending[i], nil
}

// splitHintNamespace returns the epoch and the namespace that a hint
// namespace of member i, as hintSpaces lists it, keeps hints of.
func (u *Union[E]) splitHintNamespace(i int, hintNamespace string) (epoch, namespace string) {
	epoch, namespace, _ = strings.Cut(strings.TrimPrefix(hintNamespace, hintPrefix+u.memberKey(i)+"/"), "/")
	return epoch, namespace
}

// memberSpaces lists one member's namespaces in the hint store.
type memberSpaces struct {
	hints   []NamespaceStat // hint namespaces, by epoch then namespace
	repairs []string        // namespaces recorded for repair
}

func (u *Union[E]) hintSpaces(ctx context.Context, hs HintStore[E], i int) (memberSpaces, error) {
	stats, err := hs.Namespaces(ctx)
	if err != nil {
		return memberSpaces{}, fmt.Errorf("list hints: %w", err)
	}
	key := u.memberKey(i)
	var out memberSpaces
	for _, st := range stats {
		if rest, ok := strings.CutPrefix(st.Namespace, hintPrefix+key+"/"); ok {
			if _, _, ok := strings.Cut(rest, "/"); ok {
				out.hints = append(out.hints, st)
			}
		} else if ns, ok := strings.CutPrefix(st.Namespace, repairPrefix+key+"/"); ok {
			out.repairs = append(out.repairs, ns)
		}
	}
	return out, nil
}
