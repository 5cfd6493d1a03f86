package caseload

import (
	"context"
	"fmt"
	"strings"
)

// CoverageError is an organisation, user or case in the store without the
// audit entry that made it: the log was emptied, cut short or had entries
// removed and re-chained, which the chain alone cannot show.
type CoverageError struct {
	Kind    string // "organisation", "user" or "case"
	ID      string
	Missing int // how many of that kind, this one included, lack their entry
}

func (e *CoverageError) Error() string {
	return fmt.Sprintf("%s %s exists but the audit log has no entry that created or imported it (%d %ss lack one)", e.Kind, e.ID, e.Missing, e.Kind)
}

// The actions that bring each kind of record into existence.
const (
	actionOrgCreate  = "org.create"
	actionUserCreate = "user.create" // detail "user=ID role=…"
	actionUserSetup  = "user.setup"  // actor: the new admin
	actionCaseCreate = "case.create"
	actionCaseImport = "case.import"
)

// VerifyAuditCoverage checks that every organisation, user and case in st
// has, in the audit log, the entry that created (or imported) it. Run it
// after VerifyAudit: together they find an empty log, a log cut short and
// a log whose creating entries were taken out, while the records remain.
// It returns the first record it finds uncovered, as a *CoverageError.
func VerifyAuditCoverage(ctx context.Context, st Store) error {
	orgs, users, cases := map[string]bool{}, map[string]bool{}, map[string]bool{}
	after := int64(0)
	for {
		page, err := st.AuditEntries(ctx, "", after, 5000)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			switch e.Action {
			case actionOrgCreate:
				orgs[e.Org] = true
			case actionUserCreate:
				for f := range strings.FieldsSeq(e.Detail) {
					if id, ok := strings.CutPrefix(f, "user="); ok {
						users[id] = true
					}
				}
			case actionUserSetup:
				users[e.Actor] = true
			case actionCaseCreate, actionCaseImport:
				if e.Case != "" {
					cases[e.Case] = true
				}
			}
		}
		after = page[len(page)-1].Seq
	}
	all, err := st.Orgs(ctx)
	if err != nil {
		return err
	}
	var first *CoverageError
	miss := func(kind, id string) {
		if first == nil {
			first = &CoverageError{Kind: kind, ID: id}
		}
		if first.Kind == kind {
			first.Missing++
		}
	}
	for _, o := range all {
		if !orgs[o.ID] {
			miss("organisation", o.ID)
		}
	}
	for _, o := range all {
		us, err := st.Users(ctx, o.ID)
		if err != nil {
			return err
		}
		for _, u := range us {
			if !users[u.ID] {
				miss("user", u.ID)
			}
		}
	}
	// Cases may belong to an organisation with no row of its own (dev seed
	// writes into the default one), so the default is always looked at.
	ids := []string{DefaultOrg}
	for _, o := range all {
		if o.ID != DefaultOrg {
			ids = append(ids, o.ID)
		}
	}
	for _, org := range ids {
		for after := ""; ; {
			page, err := st.CaseIDs(ctx, org, after, 5000)
			if err != nil {
				return err
			}
			for _, id := range page {
				if !cases[id] {
					miss("case", id)
				}
			}
			if len(page) < 5000 {
				break
			}
			after = page[len(page)-1]
		}
	}
	if first != nil {
		return first
	}
	return nil
}
