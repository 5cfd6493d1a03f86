package caseload

import (
	"context"
	"errors"
	"fmt"

	"visaclock/internal/audit"
	"visaclock/internal/vault"
)

// OpenAudit returns the audit chain keyed by the stored audit key, making
// and storing that key on first use.
func OpenAudit(ctx context.Context, st Store, kr *vault.Keyring) (*audit.Chain, error) {
	w, err := st.WrappedKey(ctx, auditKeyName)
	if errors.Is(err, ErrNotFound) {
		nw, err := kr.NewDataKey(wrapName(auditKeyName))
		if err != nil {
			return nil, err
		}
		if w, err = st.PutWrappedKey(ctx, auditKeyName, nw); err != nil {
			return nil, fmt.Errorf("caseload: store the audit key: %w", err)
		}
	} else if err != nil {
		return nil, err
	}
	k, err := kr.DeriveKey(wrapName(auditKeyName), w, "visaclock/audit-chain/v1")
	if err != nil {
		return nil, fmt.Errorf("caseload: open the audit key: %w (is the master key the one this database was made with?)", err)
	}
	return audit.New(k)
}

// event is an audit entry for p's action on a case.
func (s *Service) event(p Principal, action, caseID, detail string) *audit.Entry {
	return &audit.Entry{At: s.Now().UTC(), Org: p.Org, Actor: p.User, Action: action, Case: caseID, Detail: detail}
}

// Audit appends an entry for an action that changes nothing stored, such
// as a failed login.
func (s *Service) Audit(ctx context.Context, p Principal, action, caseID, detail string) error {
	return s.Store.AppendAudit(ctx, *s.event(p, action, caseID, detail))
}

// AuditLog returns p's organisation's audit entries after seq.
func (s *Service) AuditLog(ctx context.Context, p Principal, after int64, limit int) ([]audit.Entry, error) {
	if !p.Can(PermAuditRead) {
		return nil, ErrForbidden
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	return s.Store.AuditEntries(ctx, p.Org, after, limit)
}

// VerifyAudit checks the whole audit chain, every organisation's entries,
// page by page, and returns how many entries it found good: all of them,
// or those before the break it reports.
func VerifyAudit(ctx context.Context, st Store, chain *audit.Chain) (int, error) {
	var prev *audit.Entry
	n := 0
	for {
		after := int64(0)
		if prev != nil {
			after = prev.Seq
		}
		page, err := st.AuditEntries(ctx, "", after, 5000)
		if err != nil {
			return n, err
		}
		if len(page) == 0 {
			return n, nil
		}
		if err := chain.Verify(prev, page); err != nil {
			// Count the good entries before the break, one at a time.
			for i := range page {
				if chain.Verify(prev, page[i:i+1]) != nil {
					break
				}
				n++
				prev = &page[i]
			}
			return n, err
		}
		n += len(page)
		prev = &page[len(page)-1]
	}
}
