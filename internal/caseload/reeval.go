package caseload

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"visaclock/internal/stay"
)

// # What a case was evaluated with
//
// A stored case's summary, segments and deadlines are worked out when it
// is written, with the packs loaded then. Each case records them as Rules:
// the ids and versions of the packs its own grants name, and a digest of
// those. A pack that changes therefore makes stale only the cases that
// use it; a pack added, or one no case uses, makes none stale. The
// Reevaluator (reeval_run.go) brings stale cases up to date in the
// background, and lists mark a stale row until then.

// EngineGeneration is part of every digest. A release whose engine answers
// differently for unchanged packs increments it, and every case is then
// re-evaluated once.
const EngineGeneration = 1

// Rules names the rule packs an evaluation used.
type Rules struct {
	// Digest is the first 16 bytes, in hex, of the SHA-256 of the engine
	// generation and Packs. The empty digest (a case stored before digests
	// were recorded) matches no packs.
	Digest string
	// Packs is "id@version" of each pack the grants name, sorted, joined
	// by commas.
	Packs string
}

// ErrLeaseLost is returned when a lease has passed to another server, so
// that the work it guarded stops.
var ErrLeaseLost = &Error{Code: EConflict, Msg: "the lease passed to another server"}

// Lease is a named lease on background work, held by one server until a
// time. See LeaseStore.
type Lease struct {
	Name, Holder string
	Until        time.Time
}

// rulesOf returns the packs, as loaded now, that h's grants name. A pack
// that is not loaded is written with version "?", which no loaded pack
// has, so that a case naming it stays stale while the pack is missing.
func (s *Service) rulesOf(h *stay.History) Rules {
	ids := make([]string, 0, len(h.Grants))
	for _, g := range h.Grants {
		if !slices.Contains(ids, g.Rule) {
			ids = append(ids, g.Rule)
		}
	}
	r := s.rulesFor(ids)
	s.freshDigests.Store(r.Digest, !strings.Contains(r.Packs, "@?"))
	return r
}

// rulesFor returns the loaded versions of the packs ids.
func (s *Service) rulesFor(ids []string) Rules {
	slices.Sort(ids)
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(id)
		b.WriteByte('@')
		if p, ok := s.Lookup(id); ok {
			b.WriteString(p.Version)
		} else {
			b.WriteByte('?')
		}
	}
	packs := b.String()
	return Rules{Digest: digestOf(packs), Packs: packs}
}

func digestOf(packs string) string {
	h := sha256.New()
	h.Write([]byte{'g', EngineGeneration})
	h.Write([]byte(packs))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// packIDs returns the ids of a Rules.Packs list.
func packIDs(packs string) []string {
	if packs == "" {
		return nil
	}
	var ids []string
	for p := range strings.SplitSeq(packs, ",") {
		id, _, _ := strings.Cut(p, "@")
		ids = append(ids, id)
	}
	return ids
}

// current reports whether r is what the loaded packs give for its ids.
func (s *Service) current(r Rules) bool {
	c := s.rulesFor(packIDs(r.Packs))
	return c.Digest == r.Digest && !strings.Contains(c.Packs, "@?")
}

// fresh reports whether a case evaluated with digest needs no
// re-evaluation under the loaded packs. Answers are cached; a digest not
// seen before is looked up among the stored rule sets (a small table).
func (s *Service) fresh(ctx context.Context, digest string) bool {
	if v, ok := s.freshDigests.Load(digest); ok {
		return v.(bool)
	}
	if digest == "" {
		return false
	}
	sets, err := s.Store.RuleSets(ctx)
	if err != nil {
		return false // not cached: asked again next time
	}
	for _, r := range sets {
		s.freshDigests.Store(r.Digest, s.current(r))
	}
	v, _ := s.freshDigests.LoadOrStore(digest, false)
	return v.(bool)
}

// markStale sets Stale on the items evaluated with other packs than the
// loaded ones.
func (s *Service) markStale(ctx context.Context, items []ListItem) {
	for i := range items {
		items[i].Stale = !s.fresh(ctx, items[i].Rules)
	}
}

// staleRules returns the digests of the stored rule sets that differ from
// the loaded packs, with the empty digest of cases never recorded, and,
// for the audit log, the packs that changed ("id@old→new").
func (s *Service) staleRules(ctx context.Context) (digests, changed []string, err error) {
	sets, err := s.Store.RuleSets(ctx)
	if err != nil {
		return nil, nil, err
	}
	digests = []string{""}
	for _, r := range sets {
		ok := s.current(r)
		s.freshDigests.Store(r.Digest, ok)
		if ok {
			continue
		}
		digests = append(digests, r.Digest)
		for p := range strings.SplitSeq(r.Packs, ",") {
			id, v, _ := strings.Cut(p, "@")
			now := "?"
			if pk, ok := s.Lookup(id); ok {
				now = pk.Version
			}
			if c := id + "@" + v + "→" + now; v != now && !slices.Contains(changed, c) {
				changed = append(changed, c)
			}
		}
	}
	slices.Sort(changed)
	return digests, changed, nil
}

// ReevalStatus is how far an organisation's cases are from the loaded
// packs: Stale of Total cases await re-evaluation.
type ReevalStatus struct {
	Stale, Total int
}

// Done is how many of the cases are evaluated with the loaded packs.
func (r ReevalStatus) Done() int { return r.Total - r.Stale }

// ReevalStatus counts p's organisation's cases evaluated with other packs
// than the loaded ones, for the admin's data page.
func (s *Service) ReevalStatus(ctx context.Context, p Principal) (ReevalStatus, error) {
	if !p.Can(PermOrgSettings) {
		return ReevalStatus{}, ErrForbidden
	}
	digests, _, err := s.staleRules(ctx)
	if err != nil {
		return ReevalStatus{}, err
	}
	stale, total, err := s.Store.CountRules(ctx, p.Org, digests)
	if err != nil {
		return ReevalStatus{}, err
	}
	return ReevalStatus{Stale: stale[p.Org], Total: total}, nil
}

// TakeLease takes, or renews, the lease name for holder for ttl, by the
// service's clock, and reports whether holder has it.
func (s *Service) TakeLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := s.Now()
	return s.Store.TakeLease(ctx, Lease{Name: name, Holder: holder, Until: now.Add(ttl)}, now)
}
