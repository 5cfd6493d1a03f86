package caseload

import (
	"os"
	"strings"
	"testing"
)

// TestPublishedMatrixMatchesCode reads the permission matrix published in
// docs/security.md and compares it with the code, cell by cell, so that
// the document people rely on cannot drift from what the server does.
func TestPublishedMatrixMatchesCode(t *testing.T) {
	b, err := os.ReadFile("../../docs/security.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start := strings.Index(doc, "<!-- matrix:begin -->")
	end := strings.Index(doc, "<!-- matrix:end -->")
	if start < 0 || end < start {
		t.Fatal("docs/security.md has no <!-- matrix:begin --> … <!-- matrix:end --> table")
	}
	var rows [][]string
	for _, line := range strings.Split(doc[start:end], "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			continue
		}
		var cells []string
		for _, c := range strings.Split(strings.Trim(line, "|"), "|") {
			cells = append(cells, strings.Trim(strings.TrimSpace(c), "`"))
		}
		if strings.Trim(cells[0], "-: ") == "" {
			continue // the separator row
		}
		rows = append(rows, cells)
	}
	if len(rows) == 0 {
		t.Fatal("the matrix is empty")
	}
	header := rows[0]
	want := []string{"permission"}
	for _, r := range Roles {
		want = append(want, string(r))
	}
	if strings.Join(header, ",") != strings.Join(want, ",") {
		t.Fatalf("matrix header %q, want %q", header, want)
	}
	seen := map[Permission]bool{}
	for _, row := range rows[1:] {
		p := Permission(row[0])
		seen[p] = true
		if len(row) != len(Roles)+1 {
			t.Errorf("row %q has %d cells, want %d", row[0], len(row), len(Roles)+1)
			continue
		}
		for i, role := range Roles {
			if got, code := row[i+1], ScopeOf(role, p).String(); got != code {
				t.Errorf("%s × %s: the docs say %q, the code says %q", p, role, got, code)
			}
		}
	}
	for _, p := range Permissions {
		if !seen[p] {
			t.Errorf("permission %s is missing from the published matrix", p)
		}
	}
	if len(seen) != len(Permissions) {
		t.Errorf("the matrix lists %d permissions, the code has %d", len(seen), len(Permissions))
	}
}

// TestReaches checks every scope against every relation a case can have to
// an account: assigned to it, to its team, to a colleague elsewhere, and
// another organisation's.
func TestReaches(t *testing.T) {
	me := Principal{User: "u_me", Org: "o_1", Team: "north"}
	cases := map[string]*Case{
		"mine":      {Org: "o_1", Assignee: "u_me", Team: "south"},
		"team":      {Org: "o_1", Assignee: "u_other", Team: "north"},
		"elsewhere": {Org: "o_1", Assignee: "u_other", Team: "south"},
		"unowned":   {Org: "o_1"},
		"other org": {Org: "o_2", Assignee: "u_me", Team: "north"},
	}
	want := map[Scope][]string{
		ScopeNone: {},
		ScopeSelf: {"mine"},
		ScopeTeam: {"mine", "team"},
		ScopeOrg:  {"mine", "team", "elsewhere", "unowned"},
	}
	for role, perms := range matrix {
		for _, perm := range Permissions {
			p := me
			p.Role = role
			scope := perms[perm]
			for name, c := range cases {
				got := p.Reaches(perm, c)
				exp := strings.Contains(","+strings.Join(want[scope], ",")+",", ","+name+",")
				if got != exp {
					t.Errorf("%s %s on %s case: Reaches = %v, want %v (scope %s)", role, perm, name, got, exp, scope)
				}
			}
		}
	}
	// A teamless account reaches no case through an empty team.
	loner := Principal{User: "u_me", Org: "o_1", Role: RoleCaseworker}
	if loner.Reaches(PermCaseRead, cases["unowned"]) {
		t.Error("an account without a team reaches cases without a team")
	}
	// A token narrows its account's permissions; an enrolling session has none.
	tok := Principal{User: "u_me", Org: "o_1", Role: RoleAdmin, Scopes: []Permission{PermCaseRead}}
	if !tok.Can(PermCaseRead) || tok.Can(PermCaseList) || tok.Can(PermCaseExport) {
		t.Error("a case.read token can do more or less than read")
	}
	if (Principal{User: "u_me", Org: "o_1", Role: RoleAdmin, EnrollOnly: true}).Can(PermCaseRead) {
		t.Error("a session that must enrol a second factor can read cases")
	}
}
