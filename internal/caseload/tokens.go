package caseload

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"visaclock/internal/login"
)

// MaxTokenLife bounds how long an API token may live.
const MaxTokenLife = 366 * 24 * time.Hour

// CreateToken makes an API token for p's own account, limited to scopes
// (each of which p's role must have) and expiring after life.
func (s *Service) CreateToken(ctx context.Context, p Principal, name string, scopes []Permission, life time.Duration) (*APIToken, string, error) {
	if p.Scopes != nil {
		return nil, "", Errorf(EForbidden, "", "a token cannot make tokens; log in")
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 || checkText(name) != "" {
		return nil, "", Errorf(EInvalid, "name", "a name of 1 to 100 characters, to tell your tokens apart")
	}
	for _, sc := range scopes {
		if ScopeOf(p.Role, sc) == ScopeNone {
			return nil, "", Errorf(EInvalid, "scopes", "your role (%s) does not have %s", p.Role, sc)
		}
	}
	if life <= 0 || life > MaxTokenLife {
		return nil, "", Errorf(EInvalid, "expires_in_days", "from 1 to 366 days")
	}
	secret, hash, err := login.NewSecret("vct_")
	if err != nil {
		return nil, "", err
	}
	now := s.now()
	t := &APIToken{ID: NewID("tok_"), Hash: hash, User: p.User, Name: name, Scopes: scopes, Created: now, Expires: now.Add(life)}
	if err := s.Store.CreateAPIToken(ctx, t, s.event(p, "token.create", "", "token="+t.ID)); err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// AuthenticateToken returns the principal of an API token: its account's,
// limited to the token's scopes.
func (s *Service) AuthenticateToken(ctx context.Context, secret string) (Principal, error) {
	t, err := s.Store.FindAPIToken(ctx, login.HashSecret(secret))
	if err != nil {
		if ErrorCode(err) == ENotFound {
			return Principal{}, Errorf(EUnauthenticated, "", "unknown token")
		}
		return Principal{}, err
	}
	if t.Revoked || !s.now().Before(t.Expires) {
		return Principal{}, Errorf(EUnauthenticated, "", "the token was revoked or has expired")
	}
	p, err := s.principal(ctx, t.User)
	if err != nil {
		return Principal{}, err
	}
	p.Scopes = slices.Clone(t.Scopes)
	if p.Scopes == nil {
		p.Scopes = []Permission{}
	}
	return p, nil
}

// Tokens lists p's own tokens.
func (s *Service) Tokens(ctx context.Context, p Principal) ([]APIToken, error) {
	return s.Store.APITokens(ctx, p.User)
}

// RevokeToken revokes one of p's own tokens.
func (s *Service) RevokeToken(ctx context.Context, p Principal, id string) error {
	return s.Store.RevokeAPIToken(ctx, p.User, id, s.event(p, "token.revoke", "", "token="+id))
}
