package caseload

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"visaclock/internal/date"
)

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

// Identity is who a case is about. Every field is optional: the engine
// needs none of them, and the least collected is the least that can leak.
// It is kept only sealed under the organisation's data key; the passport
// number is findable only through a keyed blind index.
type Identity struct {
	Name        string    `json:"name,omitempty"`
	BirthDate   date.Date `json:"birth_date,omitzero"`
	Nationality string    `json:"nationality,omitempty"`
	Passport    string    `json:"passport,omitempty"`
	Contact     string    `json:"contact,omitempty"`
}

// Empty reports whether no field is set.
func (id *Identity) Empty() bool { return id == nil || *id == Identity{} }

// Validate checks each field's length and text.
func (id *Identity) Validate() error {
	if id == nil {
		return nil
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"name", id.Name, 200}, {"nationality", id.Nationality, 60}, {"passport", id.Passport, 40}, {"contact", id.Contact, 500}} {
		if n := utf8.RuneCountInString(f.v); n > f.max {
			return Invalid("identity."+f.name, "too_long", "at most %d characters, got %d", f.max, n)
		}
		if err := checkText(f.v); err != "" {
			return &Error{Code: EInvalid, Field: "identity." + f.name, Reason: "bad_text", Msg: err}
		}
	}
	return nil
}

// Masked returns the identity as lists and unrevealed reads show it: each
// word of the name cut to its first letter, the passport number to its last
// two characters, and the other fields to whether they are set.
func (id *Identity) Masked() *MaskedIdentity {
	if id.Empty() {
		return nil
	}
	m := &MaskedIdentity{
		Name:        maskName(id.Name),
		BirthDate:   id.BirthDate != 0,
		Nationality: id.Nationality != "",
		Contact:     id.Contact != "",
	}
	if p := []rune(strings.TrimSpace(id.Passport)); len(p) > 0 {
		tail := p[max(0, len(p)-2):]
		if len(p) <= 4 {
			tail = nil // too short to show any of it
		}
		m.Passport = "•••" + string(tail)
	}
	return m
}

// MaskedIdentity is an identity with its content hidden.
type MaskedIdentity struct {
	Name        string `json:"name,omitempty"`
	BirthDate   bool   `json:"birth_date"`
	Nationality bool   `json:"nationality"`
	Passport    string `json:"passport,omitempty"`
	Contact     bool   `json:"contact"`
}

func maskName(name string) string {
	var parts []string
	for _, w := range strings.Fields(name) {
		r, _ := utf8.DecodeRuneInString(w)
		parts = append(parts, string(r)+"•••")
	}
	return strings.Join(parts, " ")
}
