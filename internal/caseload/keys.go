package caseload

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"visaclock/internal/vault"
)

// auditKeyName is the stored key from which the audit chain's HMAC key is
// derived. It is wrapped like an organisation's data key, under a name no
// organisation id can take (ids are lower-case base32 or "default").
const auditKeyName = "audit"

func wrapName(name string) string { return "visaclock/stored-key/" + name }

// RotateKeys re-wraps every organisation's data key and the audit key
// under the current master key of s.Keys, and audits it as p's action, in
// one transaction. The data those keys protect is left as it is, so it
// stays readable; once this returns, older master keys may be dropped from
// the keyring. It is the operator's command (`visaclock keys rotate`),
// offered to no account.
func (s *Service) RotateKeys(ctx context.Context, p Principal) (int, error) {
	kr := s.Keys
	if kr == nil {
		return 0, errors.New("caseload: no master key to rotate to")
	}
	ev := s.event(p, "keys.rotate", "", "master="+strconv.Itoa(int(kr.Current())))
	return s.Store.RewrapKeys(ctx, func(name string, w []byte) ([]byte, error) {
		if org, ok := strings.CutPrefix(name, "org:"); ok {
			return kr.Rewrap(org, w)
		}
		return kr.Rewrap(wrapName(name), w)
	}, ev)
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
