package caseload

import (
	"slices"
	"strings"
)

// Role is what an account may do in its organisation.
type Role string

// The roles. An admin manages accounts, keys and retention and sees the
// whole organisation; a caseworker works on the cases assigned to them or
// to their team; a viewer reads the cases assigned to them.
const (
	RoleAdmin      Role = "admin"
	RoleCaseworker Role = "caseworker"
	RoleViewer     Role = "viewer"
)

// Roles lists every role, for validation and the permission matrix.
var Roles = []Role{RoleAdmin, RoleCaseworker, RoleViewer}

// Permission is one kind of action. Listing, export and the calendar feed
// are permissions of their own, apart from reading one case, because a list
// of people and their deadlines is the dangerous object.
type Permission string

// The permissions.
const (
	PermCaseRead       Permission = "case.read"       // one case, identity masked
	PermCaseCreate     Permission = "case.create"     // a new case
	PermCaseWrite      Permission = "case.write"      // trips, grants, extensions, notes
	PermCaseErase      Permission = "case.erase"      // delete a case and its identity for good
	PermCaseAssign     Permission = "case.assign"     // change who a case is assigned to
	PermIdentityReveal Permission = "identity.reveal" // see identity fields unmasked (audited)
	PermCaseList       Permission = "case.list"       // the working list and passport lookup
	PermCaseExport     Permission = "case.export"     // encrypted exports
	PermCaseImport     Permission = "case.import"     // imports
	PermCalendar       Permission = "calendar.feed"   // calendar feed tokens
	PermUserManage     Permission = "user.manage"     // accounts and roles
	PermOrgSettings    Permission = "org.settings"    // retention, mandatory second factor
	PermAuditRead      Permission = "audit.read"      // the audit log
)

// Permissions lists every permission, in the order of the published matrix.
var Permissions = []Permission{
	PermCaseRead, PermCaseCreate, PermCaseWrite, PermCaseErase, PermCaseAssign,
	PermIdentityReveal, PermCaseList, PermCaseExport, PermCaseImport, PermCalendar,
	PermUserManage, PermOrgSettings, PermAuditRead,
}

// Scope is which of the organisation's cases a permission reaches.
type Scope int

// The scopes, from none to the whole organisation.
const (
	ScopeNone Scope = iota // not allowed
	ScopeSelf              // cases assigned to the account
	ScopeTeam              // cases assigned to the account or to its team
	ScopeOrg               // every case of the organisation
)

func (s Scope) String() string {
	return [...]string{"—", "assigned", "assigned or team", "organisation"}[s]
}

// matrix is the permission matrix, published in docs/security.md and
// tested cell by cell.
var matrix = map[Role]map[Permission]Scope{
	RoleAdmin: {
		PermCaseRead: ScopeOrg, PermCaseCreate: ScopeOrg, PermCaseWrite: ScopeOrg, PermCaseErase: ScopeOrg,
		PermCaseAssign: ScopeOrg, PermIdentityReveal: ScopeOrg, PermCaseList: ScopeOrg, PermCaseExport: ScopeOrg,
		PermCaseImport: ScopeOrg, PermCalendar: ScopeOrg, PermUserManage: ScopeOrg, PermOrgSettings: ScopeOrg,
		PermAuditRead: ScopeOrg,
	},
	RoleCaseworker: {
		PermCaseRead: ScopeTeam, PermCaseCreate: ScopeTeam, PermCaseWrite: ScopeTeam,
		PermIdentityReveal: ScopeTeam, PermCaseList: ScopeTeam, PermCalendar: ScopeTeam,
	},
	RoleViewer: {
		PermCaseRead: ScopeSelf, PermCaseList: ScopeSelf,
	},
}

// ScopeOf returns how far role's permission p reaches.
func ScopeOf(role Role, p Permission) Scope { return matrix[role][p] }

// ValidRole reports whether r is a role.
func ValidRole(r Role) bool { return slices.Contains(Roles, r) }

// Principal is who is acting: an account of an organisation, with its role,
// its team, and, for an API token, the permissions the token was given.
type Principal struct {
	User string // the account id; never a name
	Org  string
	Role Role
	Team string
	// Scopes limits a token to these permissions; nil means all the
	// role has (a browser session).
	Scopes []Permission
	// EnrollOnly marks a session that must set up a second factor before
	// anything else, because its organisation requires one.
	EnrollOnly bool
}

// System is the principal of the server's own work, such as retention
// purges, for the audit log.
func System(org string) Principal { return Principal{User: "system", Org: org, Role: RoleAdmin} }

// Scope returns how far the principal's permission p reaches.
func (p Principal) Scope(perm Permission) Scope {
	if p.EnrollOnly {
		return ScopeNone
	}
	if p.Scopes != nil && !slices.Contains(p.Scopes, perm) {
		return ScopeNone
	}
	return ScopeOf(p.Role, perm)
}

// Can reports whether p may use perm at all.
func (p Principal) Can(perm Permission) bool { return p.Scope(perm) != ScopeNone }

// Reaches reports whether p's permission perm reaches case c.
func (p Principal) Reaches(perm Permission, c *Case) bool {
	if c.Org != p.Org {
		return false
	}
	switch p.Scope(perm) {
	case ScopeOrg:
		return true
	case ScopeTeam:
		return c.Assignee == p.User || (p.Team != "" && c.Team == p.Team)
	case ScopeSelf:
		return c.Assignee == p.User
	}
	return false
}

// ListScope is the restriction a list or feed for p must apply: the
// assignee and team whose cases it may hold (both empty for the whole
// organisation). ok is false when p may not list at all.
func (p Principal) ListScope(perm Permission) (assignee, team string, ok bool) {
	switch p.Scope(perm) {
	case ScopeOrg:
		return "", "", true
	case ScopeTeam:
		return p.User, p.Team, true
	case ScopeSelf:
		return p.User, "", true
	}
	return "", "", false
}

// ParseScopes reads a token's permissions, written comma-separated.
func ParseScopes(s string) ([]Permission, error) {
	var out []Permission
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !slices.Contains(Permissions, Permission(f)) {
			return nil, Errorf(EInvalid, "scopes", "unknown permission %q; accepted: %s", f, joinPerms(Permissions))
		}
		if !slices.Contains(out, Permission(f)) {
			out = append(out, Permission(f))
		}
	}
	if len(out) == 0 {
		return nil, Errorf(EInvalid, "scopes", "at least one permission is needed; accepted: %s", joinPerms(Permissions))
	}
	return out, nil
}

func joinPerms(ps []Permission) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ", ")
}
