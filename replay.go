package unionstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

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
	return sum(r.Members, func(m MemberReplay) int { return m.Replayed })
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
	ctx, end := u.begin(ctx, OpReplay, "", 0)
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
		return r, &StoreError{Index: i, Name: m.name, Op: OpReplay, Err: err}
	}
	if len(spaces.hints) == 0 && len(spaces.repairs) == 0 {
		return r, nil
	}
	if !u.allowMember(ctx, i) {
		r.Pending = true
		return r, nil
	}
	u.closeEpoch(i)
	// The replay is one call on the member for the observer and the hook;
	// the repairs it runs nest under it.
	callerCtx := ctx
	ctx, call := u.startMember(ctx, OpReplay, i, "", "")
	err = u.replaySpaces(ctx, hs, i, spaces, &r)
	u.recordMember(callerCtx, i, err)
	u.finish(&call, r.Replayed, err)
	if err != nil {
		r.Pending, r.Err = true, err
		return r, &StoreError{Index: i, Name: m.name, Op: OpReplay, Err: err}
	}
	return r, nil
}

// closeEpoch closes member i's current epoch of hints: writers of it
// finish first, later hints go to the next one and wait for the next
// replay.
func (u *Union[E]) closeEpoch(i int) {
	h := u.shared.hints
	h.writing[i].Lock()
	defer h.writing[i].Unlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.epochs[i] = newEpoch()
	h.current[i] = nil
}

// replaySpaces writes member i's hints, namespace by namespace, removing
// each namespace's hints once written, then runs the repairs recorded for
// it; r counts what was done, up to the first error.
func (u *Union[E]) replaySpaces(ctx context.Context, hs HintStore[E], i int, spaces memberSpaces, r *MemberReplay) error {
	for _, g := range u.hintGroups(i, spaces.hints) {
		if err := u.replayGroup(ctx, hs, i, g, r); err != nil {
			return err
		}
		r.Namespaces++
	}
	key := u.memberKey(i)
	for _, ns := range spaces.repairs {
		if _, err := u.Repair(ctx, ns); err != nil {
			return fmt.Errorf("repair namespace %q: %w", ns, err)
		}
		if err := hs.Purge(ctx, repairPrefix+key+"/"+ns); err != nil {
			return fmt.Errorf("remove the repair record of namespace %q: %w", ns, err)
		}
		r.Repaired = append(r.Repaired, ns)
	}
	return nil
}

// replayGroup writes the hints of one namespace of member i, kept in one
// or more epochs, and removes them once written.
func (u *Union[E]) replayGroup(ctx context.Context, hs HintStore[E], i int, g hintGroup, r *MemberReplay) error {
	var hints Changes[E]
	counts := make([]int, len(g.spaces))
	for j, hintNamespace := range g.spaces {
		c, err := hs.Load(ctx, hintNamespace)
		if err != nil {
			return fmt.Errorf("read hints of namespace %q: %w", g.namespace, err)
		}
		counts[j] = len(c)
		hints = append(hints, c...)
	}
	for j := range hints {
		hints[j].Namespace = g.namespace
	}
	if len(g.spaces) > 1 {
		// Hints of older epochs remain from a replay that failed: write
		// each entity once, with its latest change, later epochs winning
		// ties as later saves do.
		hints = Compact(hints)
	}
	written, skipped, err := u.saveContained(ctx, i, hints)
	r.Replayed += written
	r.Skipped = append(r.Skipped, skipped...)
	if err != nil {
		return fmt.Errorf("replay namespace %q: %w", g.namespace, err)
	}
	h := u.shared.hints
	for j, hintNamespace := range g.spaces {
		if err := hs.Purge(ctx, hintNamespace); err != nil {
			return fmt.Errorf("remove replayed hints of namespace %q: %w", g.namespace, err)
		}
		h.mu.Lock()
		h.replayed(i, counts[j])
		h.mu.Unlock()
	}
	return nil
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
