package caseload

import (
	"context"
	"fmt"
	"iter"
	"runtime"
	"sync"

	"visaclock/internal/audit"
)

// BatchSize is how many cases CreateMany stores in one transaction.
const BatchSize = 2000

// CreateMany creates, for p, every case cases yields, as Create creates
// one: assigned, validated, evaluated, sealed and audited (one case.create
// entry a case). It is the bulk path, for loads of many thousands: cases
// are evaluated on every CPU, and stored BatchSize to a transaction, each
// batch with its audit entries, while the next batch is evaluated. A batch
// is stored whole or not at all; on an error, CreateMany stops and returns
// how many cases the batches before it stored.
func (s *Service) CreateMany(ctx context.Context, p Principal, cases iter.Seq[*Case]) (int, error) {
	if !p.Can(PermCaseCreate) {
		return 0, ErrForbidden
	}
	stored, index := 0, 0
	var (
		writing  sync.WaitGroup
		writeErr error
		written  int
	)
	// wait ends the batch being written and adds it to what is stored.
	wait := func() error {
		writing.Wait()
		stored += written
		written = 0
		return writeErr
	}
	known := map[string]bool{} // assignees found to be accounts of p.Org
	batch := make([]*Case, 0, BatchSize)
	flush := func() error {
		if err := s.prepareBatch(ctx, batch, index-len(batch)); err != nil {
			return err
		}
		if err := wait(); err != nil {
			return err
		}
		evs := make([]*audit.Entry, len(batch))
		for i, c := range batch {
			evs[i] = s.event(p, "case.create", c.ID, "")
		}
		cs := batch
		writing.Add(1)
		go func() {
			defer writing.Done()
			if writeErr = s.Store.CreateCases(ctx, cs, evs...); writeErr == nil {
				written = len(cs)
			}
		}()
		batch = make([]*Case, 0, BatchSize)
		return nil
	}
	for c := range cases {
		c.Org = p.Org
		if p.Scope(PermCaseCreate) != ScopeOrg || (c.Assignee == "" && c.Team == "") {
			c.Assignee, c.Team = p.User, p.Team
		} else if c.Assignee != "" && !known[c.Assignee] {
			if err := s.checkAssignee(ctx, c); err != nil {
				wait()
				return stored, fmt.Errorf("case %d: %w", index, err)
			}
			known[c.Assignee] = true
		}
		now := s.now()
		c.ID = NewID("c_")
		c.Created, c.Updated = now, now
		batch = append(batch, c)
		index++
		if len(batch) == BatchSize {
			if err := flush(); err != nil {
				wait()
				return stored, err
			}
		}
		if err := ctx.Err(); err != nil {
			wait()
			return stored, err
		}
	}
	if len(batch) > 0 {
		if err := flush(); err != nil {
			wait()
			return stored, err
		}
	}
	err := wait()
	return stored, err
}

// prepareBatch evaluates and seals the cases of a batch on every CPU. first
// is the index of the batch's first case among all, for the error of the
// first case that does not validate.
func (s *Service) prepareBatch(ctx context.Context, cs []*Case, first int) error {
	for i, err := range s.prepareAll(ctx, cs, true) {
		if err != nil {
			return fmt.Errorf("case %d (%s): %w", first+i, cs[i].Reference, err)
		}
	}
	return nil
}

// prepareAll evaluates cs on every CPU, and seals them, or with seal
// false only checks their identities; it returns each case's error.
func (s *Service) prepareAll(ctx context.Context, cs []*Case, seal bool) []error {
	errs := make([]error, len(cs))
	workers := min(runtime.GOMAXPROCS(0), len(cs))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(cs); i += workers {
				if err := s.evaluate(ctx, cs[i]); err != nil {
					errs[i] = err
					continue
				}
				if seal {
					errs[i] = s.seal(ctx, cs[i])
				} else {
					errs[i] = cs[i].Identity.Validate()
				}
			}
		}()
	}
	wg.Wait()
	return errs
}
