package caseload

import "testing"

// TestRevealsList: an export of the list may carry identities only when
// identity.reveal reaches every case case.list does, for each role and
// for tokens narrowed to some permissions.
func TestRevealsList(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    Principal
		want bool
	}{
		{"admin", Principal{Role: RoleAdmin}, true},
		{"caseworker: team and team", Principal{Role: RoleCaseworker, Team: "north"}, true},
		{"caseworker without a team", Principal{Role: RoleCaseworker}, true},
		{"viewer: no reveal", Principal{Role: RoleViewer}, false},
		{"admin token without identity.reveal", Principal{Role: RoleAdmin, Scopes: []Permission{PermCaseList}}, false},
		{"admin token with both", Principal{Role: RoleAdmin, Scopes: []Permission{PermCaseList, PermIdentityReveal}}, true},
		{"token that may reveal but not list", Principal{Role: RoleAdmin, Scopes: []Permission{PermIdentityReveal}}, false},
		{"a session that must set up a second factor", Principal{Role: RoleAdmin, EnrollOnly: true}, false},
	} {
		if got := tc.p.RevealsList(); got != tc.want {
			t.Errorf("%s: RevealsList() = %v, want %v", tc.name, got, tc.want)
		}
	}
}
