package caseload

import (
	"context"
	"fmt"
	"time"
)

// Purge erases every closed case whose organisation's retention period has
// passed since it was closed, and returns how many it erased. Each erase is
// audited as the system's.
func (s *Service) Purge(ctx context.Context) (int, error) {
	orgs, err := s.Store.Orgs(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	now := s.now()
	for _, o := range orgs {
		if o.RetentionDays <= 0 {
			continue
		}
		ids, err := s.Store.ClosedBefore(ctx, o.ID, now.Add(-time.Duration(o.RetentionDays)*24*time.Hour))
		if err != nil {
			return n, err
		}
		for _, id := range ids {
			ev := s.event(System(o.ID), "case.purge", id, fmt.Sprintf("retention_days=%d", o.RetentionDays))
			err := s.Store.DeleteCase(ctx, o.ID, id, 0, ev)
			if err != nil && ErrorCode(err) != ENotFound {
				return n, err
			}
			if err == nil {
				n++
			}
		}
	}
	return n, nil
}
