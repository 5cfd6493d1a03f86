package caseload

import (
	"context"
	"fmt"

	"visaclock/internal/date"
)

// Letter is what a printable status letter says about one case: the case
// as it stands on the day the letter is prepared, who prepared it, and the
// person, when the reader asked for them and may see them.
type Letter struct {
	Case *Case
	// Org is the name of the organisation that prepares the letter.
	Org string
	// Prepared is the day the letter is prepared, the Service's today: the
	// day the case is evaluated on.
	Prepared date.Date
	Reading  *Reading
	// Identity is the person in clear, only when the letter was asked
	// with the identity and the reader may reveal it (which is audited);
	// nil otherwise, and nil when the case has none.
	Identity *Identity
}

// Letter gathers a status letter for case id, as p may read it. With
// reveal, the identity is opened if p's identity.reveal reaches the case,
// and the audit log records that p saw it on a letter before the letter
// is returned; without the permission the letter is refused, not quietly
// left without the identity, so that no one prints a letter they believe
// names the person when it does not.
func (s *Service) Letter(ctx context.Context, p Principal, id string, reveal bool) (*Letter, error) {
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	o, err := s.Store.FindOrg(ctx, p.Org)
	if err != nil {
		return nil, fmt.Errorf("caseload: the letter's organisation: %w", err)
	}
	rd, err := s.Read(ctx, c)
	if err != nil {
		return nil, err
	}
	l := &Letter{Case: c, Org: o.Name, Prepared: rd.History.AsOf, Reading: rd}
	if reveal {
		if !p.Reaches(PermIdentityReveal, c) {
			return nil, Errorf(EForbidden, "reveal", "your role or token may not see this case's identity")
		}
		ident, err := s.open(ctx, c.Org, c.ID, c.Sealed)
		if err != nil {
			return nil, err
		}
		if err := s.Audit(ctx, p, "identity.reveal", c.ID, "letter"); err != nil {
			return nil, err
		}
		l.Identity = ident
	}
	return l, nil
}
