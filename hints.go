package unionstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
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
// The hint store's entity type must be the union's: With panics otherwise.
func HintedHandoff[E Entity](hints HintStore[E], limit int) Option {
	return func(o *options) {
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
		hctx, call := u.startMember(ctx, "hint", i, namespace, ReasonMissed)
		n, err := u.hintMember(hctx, hs, i, order, byNamespace, ids, limit)
		kept += n
		m := u.members[i]
		u.finish(&call, n, err)
		if err != nil {
			errs = append(errs, &StoreError{Index: i, Name: m.name, Op: "hint", Err: err})
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

// hintGroup is the hint namespaces of one namespace, oldest epoch first.
type hintGroup struct {
	namespace string
	spaces    []string
}

// hintGroups groups member i's hint namespaces by the namespace they keep
// hints of, in the order of the first of each.
func (u *Union[E]) hintGroups(i int, spaces []NamespaceStat) []hintGroup {
	var groups []hintGroup
	at := map[string]int{}
	for _, st := range spaces {
		_, ns := u.splitHintNamespace(i, st.Namespace)
		j, ok := at[ns]
		if !ok {
			j = len(groups)
			at[ns] = j
			groups = append(groups, hintGroup{namespace: ns})
		}
		groups[j].spaces = append(groups[j].spaces, st.Namespace)
	}
	for _, g := range groups {
		// Epochs are zero-padded, so that names sort by epoch.
		slices.Sort(g.spaces)
	}
	return groups
}

// ReplayReport says what [Union.Replay] wrote.
type ReplayReport struct {
	// Members holds one entry per writable member that had hints or
	// namespaces recorded for repair, in member order.
	Members []MemberReplay
}

// Replayed returns the number of changes replayed to all members.
func (r ReplayReport) Replayed() int {
	n := 0
	for _, m := range r.Members {
		n += m.Replayed
	}
	return n
}

// MemberReplay is what [Union.Replay] did for one member.
type MemberReplay struct {
	Index int
	Name  string
	// Replayed counts the hinted changes written to the member, one per
	// entity, and Namespaces the namespaces they belonged to.
	Replayed, Namespaces int
	// Repaired lists the namespaces recorded for repair that Replay
	// repaired.
	Repaired []string
	// Skipped holds the hinted changes the member refused as invalid; they
	// are dropped with their hints.
	Skipped []Skipped
	// Pending reports that hints remain: the member failed, its breaker
	// is open, or another replay of it was under way.
	Pending bool
	// Err is why hints remain, if the member failed.
	Err error
}

// Replay writes to each writable member the changes kept for it by
// [HintedHandoff], and repairs the namespaces recorded for it, then
// removes those hints. A member whose breaker is open is left for later,
// as Pending, as is one that another replay (such as the background replay
// of a breaker that closed) is replaying; one that fails keeps its hints,
// and its error is joined in the returned error. It costs one read of each hinted namespace and one
// Save per namespace to the member: in proportion to the changes missed,
// except for namespaces recorded for repair, which [Union.Repair] reads
// whole. Hints written while Replay runs are kept for the next one.
//
// Replay is also run in the background when a member's breaker closes
// ([CircuitBreaker]). Without HintedHandoff it does nothing.
func (u *Union[E]) Replay(ctx context.Context) (ReplayReport, error) {
	ctx, end := u.begin(ctx, "replay", "", 0)
	report, err := u.replay(ctx)
	end(report.Replayed(), err)
	return report, err
}

func (u *Union[E]) replay(ctx context.Context) (ReplayReport, error) {
	var report ReplayReport
	hs := u.hintStore()
	if hs == nil {
		return report, nil
	}
	if u.shared.closed.Load() {
		return report, fmt.Errorf("unionstore: replay: %w", ErrClosed)
	}
	var errs []error
	for i, m := range u.members {
		if m.readOnly {
			continue
		}
		r, err := u.replayMember(withProbes(ctx), hs, i)
		if r.Replayed > 0 || r.Namespaces > 0 || len(r.Repaired) > 0 || r.Pending || len(r.Skipped) > 0 {
			report.Members = append(report.Members, r)
		}
		if err != nil {
			if ctx.Err() != nil {
				return report, fmt.Errorf("unionstore: replay: %w", err)
			}
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return report, fmt.Errorf("unionstore: replay: %w", errors.Join(errs...))
	}
	return report, nil
}

// replayMember replays member i's hints. Only one replay of a member runs
// at a time: while one runs, another returns at once with the member
// pending, rather than wait behind a member that may hang.
func (u *Union[E]) replayMember(ctx context.Context, hs HintStore[E], i int) (MemberReplay, error) {
	m := u.members[i]
	r := MemberReplay{Index: i, Name: m.name}
	lock := &u.shared.replaying[i]
	if !lock.TryLock() {
		r.Pending = true
		return r, nil
	}
	defer lock.Unlock()
	spaces, err := u.hintSpaces(ctx, hs, i)
	if err != nil {
		return r, &StoreError{Index: i, Name: m.name, Op: "replay", Err: err}
	}
	if len(spaces.hints) == 0 && len(spaces.repairs) == 0 {
		return r, nil
	}
	if !u.allowMember(ctx, i) {
		r.Pending = true
		return r, nil
	}
	// Close the current epoch: writers of it finish first, later hints go
	// to the next one and wait for the next replay.
	h := u.shared.hints
	h.writing[i].Lock()
	h.mu.Lock()
	h.epochs[i] = newEpoch()
	h.current[i] = nil
	h.mu.Unlock()
	h.writing[i].Unlock()
	// The replay is one call on the member for the observer and the hook;
	// the repairs it runs nest under it.
	callerCtx := ctx
	ctx, call := u.startMember(ctx, "replay", i, "", "")
	fail := func(err error) (MemberReplay, error) {
		r.Pending, r.Err = true, err
		u.recordMember(callerCtx, i, err)
		u.finish(&call, r.Replayed, err)
		return r, &StoreError{Index: i, Name: m.name, Op: "replay", Err: err}
	}
	key := u.memberKey(i)
	for _, g := range u.hintGroups(i, spaces.hints) {
		var hints Changes[E]
		counts := make([]int, len(g.spaces))
		for j, hintNamespace := range g.spaces {
			c, err := hs.Load(ctx, hintNamespace)
			if err != nil {
				return fail(fmt.Errorf("read hints of namespace %q: %w", g.namespace, err))
			}
			counts[j] = len(c)
			hints = append(hints, c...)
		}
		for j := range hints {
			hints[j].Namespace = g.namespace
		}
		if len(g.spaces) > 1 {
			// Hints of older epochs remain from a replay that failed: write
			// each entity once, with its latest change, later epochs
			// winning ties as later saves do.
			hints = Compact(hints)
		}
		written, skipped, err := u.saveContained(ctx, i, hints)
		r.Replayed += written
		r.Skipped = append(r.Skipped, skipped...)
		if err != nil {
			return fail(fmt.Errorf("replay namespace %q: %w", g.namespace, err))
		}
		for j, hintNamespace := range g.spaces {
			if err := hs.Purge(ctx, hintNamespace); err != nil {
				return fail(fmt.Errorf("remove replayed hints of namespace %q: %w", g.namespace, err))
			}
			h.mu.Lock()
			h.replayed(i, counts[j])
			h.mu.Unlock()
		}
		r.Namespaces++
	}
	for _, ns := range spaces.repairs {
		if _, err := u.Repair(ctx, ns); err != nil {
			return fail(fmt.Errorf("repair namespace %q: %w", ns, err))
		}
		if err := hs.Purge(ctx, repairPrefix+key+"/"+ns); err != nil {
			return fail(fmt.Errorf("remove the repair record of namespace %q: %w", ns, err))
		}
		r.Repaired = append(r.Repaired, ns)
	}
	u.recordMember(callerCtx, i, nil)
	u.finish(&call, r.Replayed, nil)
	return r, nil
}

// saveContained saves what member i can hold of changes, with its panics
// contained.
func (u *Union[E]) saveContained(ctx context.Context, i int, changes Changes[E]) (written int, skipped []Skipped, err error) {
	err = contain(func() (err error) {
		written, skipped, err = saveStorable(ctx, u.members[i].store, changes)
		return err
	})
	return written, skipped, err
}

// replayInBackground replays member i's hints in a goroutine that Close
// cancels and waits for.
func (u *Union[E]) replayInBackground(i int) {
	hs := u.hintStore()
	if hs == nil {
		return
	}
	s := u.shared
	s.bgMu.Lock()
	defer s.bgMu.Unlock()
	if s.closed.Load() {
		return
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		_, _ = u.replayMember(withProbes(s.bgCtx), hs, i) // reported to the observer
	}()
}
