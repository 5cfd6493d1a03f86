package caseload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"visaclock/internal/audit"
	"visaclock/internal/vault"
)

// auditKeyName is the stored key from which the audit chain's HMAC key is
// derived. It is wrapped like an organisation's data key, under a name no
// organisation id can take (ids are lower-case base32 or "default").
const auditKeyName = "audit"

func wrapName(name string) string { return "visaclock/stored-key/" + name }

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

// RotateKeys re-wraps every organisation's data key and the audit key
// under kr's current master key. The data those keys protect is left as it
// is, so it stays readable; once this returns, older master keys may be
// dropped from the keyring.
func RotateKeys(ctx context.Context, st Store, kr *vault.Keyring) (int, error) {
	return st.RewrapKeys(ctx, func(name string, w []byte) ([]byte, error) {
		if org, ok := strings.CutPrefix(name, "org:"); ok {
			return kr.Rewrap(org, w)
		}
		return kr.Rewrap(wrapName(name), w)
	})
}

// box returns org's open data key, cached: unwrapping costs an AES-GCM
// open, and the wrapped key changes only at rotation, which leaves the data
// key itself as it was.
func (s *Service) box(ctx context.Context, org string) (*vault.Box, error) {
	if b, ok := s.boxes.Load(org); ok {
		return b.(*vault.Box), nil
	}
	if s.Keys == nil {
		return nil, errors.New("caseload: no master key: identities cannot be sealed or opened")
	}
	o, err := s.Store.FindOrg(ctx, org)
	if err != nil {
		return nil, fmt.Errorf("caseload: the organisation's data key: %w", err)
	}
	b, err := s.Keys.Open(org, o.DataKey)
	if err != nil {
		return nil, fmt.Errorf("caseload: open the data key of %s: %w", org, err)
	}
	s.boxes.Store(org, b)
	return b, nil
}

func identityAAD(caseID string) string { return "case/" + caseID + "/identity" }

// seal makes c.Sealed and c.PassportIndex from c.Identity. An empty
// identity is stored as none.
func (s *Service) seal(ctx context.Context, c *Case) error {
	if c.Identity.Empty() {
		c.Sealed, c.PassportIndex = nil, nil
		return nil
	}
	if err := c.Identity.Validate(); err != nil {
		return err
	}
	b, err := s.box(ctx, c.Org)
	if err != nil {
		return err
	}
	plain, err := json.Marshal(c.Identity)
	if err != nil {
		return err
	}
	c.Sealed = b.Seal(plain, identityAAD(c.ID))
	c.PassportIndex = nil
	if strings.TrimSpace(c.Identity.Passport) != "" {
		c.PassportIndex = b.BlindIndex("passport", c.Identity.Passport)
	}
	return nil
}

// open returns the identity sealed for case id of org, or nil if none.
func (s *Service) open(ctx context.Context, org, id string, sealed []byte) (*Identity, error) {
	if len(sealed) == 0 {
		return nil, nil
	}
	b, err := s.box(ctx, org)
	if err != nil {
		return nil, err
	}
	plain, err := b.Open(sealed, identityAAD(id))
	if err != nil {
		return nil, fmt.Errorf("caseload: identity of %s: %w", id, err)
	}
	var ident Identity
	if err := json.Unmarshal(plain, &ident); err != nil {
		return nil, fmt.Errorf("caseload: identity of %s: %w", id, err)
	}
	return &ident, nil
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
// page by page, and returns how many entries it checked.
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
			return n, err
		}
		n += len(page)
		prev = &page[len(page)-1]
	}
}
