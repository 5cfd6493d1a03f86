package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"visaclock/internal/archive"
	"visaclock/internal/caseload"
	"visaclock/internal/login"
)

// exportPass is the passphrase of every export these tests make.
const exportPass = "correct horse battery staple"

// revealName is the name in every identity of the matrix: a read that is not
// a reveal must never carry it whole.
const revealName = "Amina Quispe Example"

// cheapExports lowers the scrypt cost of exports for one test. It is set
// before the test's parallel subtests start and put back after they end, so
// that no export runs while it changes.
func cheapExports(t *testing.T) {
	old := exportWorkFactor
	exportWorkFactor = 10
	t.Cleanup(func() { exportWorkFactor = old })
}

// skipAhead moves the test clock on by d, for session limits, rate limits
// and token expiry, which count in seconds and minutes rather than days.
func skipAhead(c *testClock, d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// bearer sends token in place of the env's own, which do would add.
func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

func hdrs(pairs ...[]string) []string { return slices.Concat(pairs...) }

// optStr is the string at path, or "" when it is left out (as assignee and
// team are when empty).
func optStr(v any, path string) string {
	x, _ := jsonPath(v, path)
	s, _ := x.(string)
	return s
}

func listedIDs(t *testing.T, r *response) map[string]bool {
	t.Helper()
	items, ok := r.object(t)["items"].([]any)
	if !ok {
		t.Fatalf("%s: no items array: %s", r.req, r.Body)
	}
	ids := map[string]bool{}
	for _, it := range items {
		ids[str(t, it, "id")] = true
	}
	return ids
}

// feedCases gives the summaries of a feed's events by case id. Summaries
// carry only the reference, so the id is read from the UID, which starts
// with it (case ids hold no "-").
func feedCases(t *testing.T, body []byte) map[string][]string {
	t.Helper()
	byID := map[string][]string{}
	for _, ev := range parseFeed(t, body) {
		id, _, _ := strings.Cut(ev.UID, "-")
		byID[id] = append(byID[id], ev.Summary)
	}
	return byID
}

func feedCaseIDs(t *testing.T, body []byte) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	for id := range feedCases(t, body) {
		ids[id] = true
	}
	return ids
}

func bundleOf(t *testing.T, r *response) caseload.Bundle {
	t.Helper()
	plain, err := archive.Decrypt(bytes.NewReader(r.Body), archive.Key{Passphrase: exportPass})
	if err != nil {
		t.Fatalf("%s: the export does not decrypt: %v", r.req, err)
	}
	var b caseload.Bundle
	if err := json.Unmarshal(plain, &b); err != nil {
		t.Fatalf("%s: the export holds no bundle: %v", r.req, err)
	}
	return b
}

func bundleIDs(b caseload.Bundle) map[string]bool {
	ids := map[string]bool{}
	for _, c := range b.Cases {
		ids[c.ID] = true
	}
	return ids
}

// setDiff is sorted, for stable messages.
func setDiff(got, want map[string]bool) (missing, extra []string) {
	for id := range want {
		if !got[id] {
			missing = append(missing, id)
		}
	}
	for id := range got {
		if !want[id] {
			extra = append(extra, id)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	return missing, extra
}

// inReach is the matrix's definition of scope, written out again here so
// that the test does not take the code's word for it: an organisation-wide
// scope reaches every case; a team scope, the cases assigned to the account
// or to its team (no team is not a team); a self scope, the cases assigned
// to the account.
func inReach(s caseload.Scope, p caseload.Principal, assignee, team string) bool {
	switch s {
	case caseload.ScopeOrg:
		return true
	case caseload.ScopeTeam:
		return assignee == p.User || (p.Team != "" && team == p.Team)
	case caseload.ScopeSelf:
		return assignee == p.User
	}
	return false
}

// actor is an account acting with a token holding every permission of its
// role.
type actor struct {
	name  string
	p     caseload.Principal
	token string
}

func (a actor) hdr() []string { return bearer(a.token) }

// tracked is a case of the matrix's organisation as its first admin sees it.
type tracked struct {
	id, ref, passport, assignee, team string
}

// matrixOrg keeps every case of the organisation, so that lists, feeds and
// exports can be checked for exactly the cases in reach, no more, no fewer.
type matrixOrg struct {
	e     *apiEnv
	cases map[string]*tracked
	n     int
}

// mk has the first admin create a case assigned as asked, with an identity
// and a deadline (the 90th day, 2026-03-31), so that it shows in feeds.
func (m *matrixOrg) mk(t *testing.T, assignee, team string) *tracked {
	t.Helper()
	m.n++
	c := &tracked{ref: fmt.Sprintf("M-%03d", m.n), passport: fmt.Sprintf("PM%06d", m.n)}
	got := m.e.do("POST", "/v1/cases", m.body(c, assignee, team)).want(t, http.StatusCreated).object(t)
	c.id, c.assignee, c.team = str(t, got, "id"), optStr(got, "assignee"), optStr(got, "team")
	if c.assignee != assignee || c.team != team {
		t.Fatalf("the admin asked for a case assigned to %q of team %q and got %q of %q", assignee, team, c.assignee, c.team)
	}
	m.cases[c.id] = c
	return c
}

func (m *matrixOrg) mkFor(t *testing.T, rel relation, x actor) *tracked {
	t.Helper()
	assignee, team := rel.of(x)
	return m.mk(t, assignee, team)
}

func (m *matrixOrg) body(c *tracked, assignee, team string) map[string]any {
	b := caseBody(c.ref, "", schengenStay("2026-01-01", ""))
	b["identity"] = map[string]any{"name": revealName, "passport": c.passport}
	b["assignee"], b["team"] = assignee, team
	return b
}

// snapshot is the case as the first admin reads it, nil once it is gone.
// Same clock, same bytes: any change to the case shows.
func (m *matrixOrg) snapshot(t *testing.T, id string) []byte {
	t.Helper()
	r := m.e.do("GET", "/v1/cases/"+id, nil)
	if r.Status == http.StatusNotFound {
		return nil
	}
	return r.want(t, http.StatusOK).Body
}

// refresh reads the case back rather than trusting what a check expected,
// so that one failed check does not throw off the lists checked later.
func (m *matrixOrg) refresh(t *testing.T, id string, c *tracked) {
	t.Helper()
	r := m.e.do("GET", "/v1/cases/"+id, nil)
	if r.Status == http.StatusNotFound {
		delete(m.cases, id)
		return
	}
	got := r.want(t, http.StatusOK).object(t)
	c.assignee, c.team = optStr(got, "assignee"), optStr(got, "team")
	m.cases[id] = c
}

func (m *matrixOrg) reachable(a actor, perm caseload.Permission) map[string]bool {
	ids := map[string]bool{}
	for id, c := range m.cases {
		if inReach(caseload.ScopeOf(a.p.Role, perm), a.p, c.assignee, c.team) {
			ids[id] = true
		}
	}
	return ids
}

// verdict is what the matrix says of one request on one case.
type verdict int

const (
	allowed verdict = iota
	// forbidden: the account may read the case but not do this: 403.
	forbidden
	// unseen: the case is beyond the account's reading, so the answer must
	// be the one a case id that does not exist gets, lest ids leak.
	unseen
)

func (v verdict) String() string { return [...]string{"allowed", "forbidden", "unseen"}[v] }

func judge(a actor, perm caseload.Permission, c *tracked) verdict {
	switch {
	case inReach(caseload.ScopeOf(a.p.Role, perm), a.p, c.assignee, c.team):
		return allowed
	case inReach(caseload.ScopeOf(a.p.Role, caseload.PermCaseRead), a.p, c.assignee, c.team):
		return forbidden
	}
	return unseen
}

// refused checks the answer to a request the matrix refuses; ghost is the
// same request aimed at a case id that does not exist. A role without the
// permission may be told so (403) before any case is looked up, but then
// it must be told so for a missing case too.
func refused(t *testing.T, v verdict, lacks bool, got, ghost *response) {
	t.Helper()
	switch v {
	case forbidden:
		got.problem(t, http.StatusForbidden)
	case unseen:
		if got.Status != http.StatusNotFound && !(lacks && got.Status == http.StatusForbidden) {
			t.Errorf("%s: status %d for a case out of reach, want 404 (or 403 for a role without the permission); body: %s", got.req, got.Status, got.Body)
		}
		var pg, pw problemDoc
		_ = json.Unmarshal(got.Body, &pg)
		_ = json.Unmarshal(ghost.Body, &pw)
		// A message may name the id asked for; only the rest must agree.
		pg.Detail, pw.Detail = anyCaseID.ReplaceAllString(pg.Detail, "c_…"), anyCaseID.ReplaceAllString(pw.Detail, "c_…")
		if got.Status != ghost.Status || pg.Detail != pw.Detail {
			t.Errorf("%s: a case out of reach answers %d %q, a case that does not exist %d %q: the answer tells which ids exist",
				got.req, got.Status, pg.Detail, ghost.Status, pw.Detail)
		}
	default:
		t.Fatalf("refused called for a request the matrix allows")
	}
}

var anyCaseID = regexp.MustCompile(`c_[0-9a-z]+`)

// relation is how a case stands to the acting account.
type relation struct {
	name string
	of   func(a actor) (assignee, team string)
}

func TestPermissionMatrix(t *testing.T) {
	cheapExports(t)
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		ctx := context.Background()
		newAccount := func(name string, role caseload.Role, team string) actor {
			t.Helper()
			u, err := e.Server.Service.CreateUser(ctx, e.Admin, caseload.UserInput{Username: name, Password: testPassword, Role: role, Team: team})
			if err != nil {
				t.Fatal(err)
			}
			p := caseload.Principal{User: u.ID, Org: u.Org, Role: u.Role, Team: u.Team}
			return actor{name: name, p: p, token: e.tokenFor(p, caseload.Permissions...)}
		}
		// An admin with a team, to show a team does not narrow an admin; a
		// caseworker without one, whose empty team must not make every case
		// without a team theirs.
		boss := newAccount("boss", caseload.RoleAdmin, "north")
		a := newAccount("worker-a", caseload.RoleCaseworker, "north")
		b := newAccount("worker-b", caseload.RoleCaseworker, "north")
		south := newAccount("worker-c", caseload.RoleCaseworker, "south")
		d := newAccount("worker-d", caseload.RoleCaseworker, "")
		v := newAccount("viewer-v", caseload.RoleViewer, "north")
		byRole := map[caseload.Role][]actor{
			caseload.RoleAdmin:      {boss},
			caseload.RoleCaseworker: {a, d},
			caseload.RoleViewer:     {v},
		}
		rels := []relation{
			{"assigned to them", func(x actor) (string, string) { return x.p.User, x.p.Team }},
			{"assigned to b of north", func(actor) (string, string) { return b.p.User, "north" }},
			{"assigned to c of south", func(actor) (string, string) { return south.p.User, "south" }},
			{"assigned to the first admin, no team", func(actor) (string, string) { return e.Admin.User, "" }},
		}
		m := &matrixOrg{e: e, cases: map[string]*tracked{}}
		ghostID := func() string { return caseload.NewID("c_") }

		// perCase tries a request on a fresh case of each relation. done
		// checks an allowed answer and its effect; a refused one must change
		// nothing.
		perCase := func(perm caseload.Permission, try func(t *testing.T, x actor, c *tracked) *response, done func(t *testing.T, x actor, c *tracked, r *response)) func(*testing.T, actor) {
			return func(t *testing.T, x actor) {
				for _, rel := range rels {
					t.Run(rel.name, func(t *testing.T) {
						cs := m.mkFor(t, rel, x)
						defer m.refresh(t, cs.id, cs)
						verdict := judge(x, perm, cs)
						before := m.snapshot(t, cs.id)
						r := try(t, x, cs)
						if verdict == allowed {
							done(t, x, cs, r)
							return
						}
						ghost := try(t, x, &tracked{id: ghostID(), ref: cs.ref})
						refused(t, verdict, caseload.ScopeOf(x.p.Role, perm) == caseload.ScopeNone, r, ghost)
						if strings.Contains(string(r.Body), revealName) || strings.Contains(string(r.Body), cs.ref) {
							t.Errorf("%s: a refusal (%s) shows the case: %s", r.req, verdict, r.Body)
						}
						if after := m.snapshot(t, cs.id); !bytes.Equal(before, after) {
							t.Errorf("%s was refused (%d) but the case changed:\nbefore %s\nafter  %s", r.req, r.Status, before, after)
						}
					})
				}
			}
		}
		// global checks a request that concerns no one case: allowed when the
		// role has the permission at all, 403 otherwise.
		global := func(t *testing.T, perm caseload.Permission, x actor, r *response) bool {
			t.Helper()
			if caseload.ScopeOf(x.p.Role, perm) == caseload.ScopeNone {
				r.problem(t, http.StatusForbidden)
				return false
			}
			return true
		}

		checks := map[caseload.Permission]func(t *testing.T, x actor){
			caseload.PermCaseRead: perCase(caseload.PermCaseRead,
				func(t *testing.T, x actor, c *tracked) *response {
					return e.do("GET", "/v1/cases/"+c.id, nil, x.hdr()...)
				},
				func(t *testing.T, x actor, c *tracked, r *response) {
					got := r.want(t, http.StatusOK).object(t)
					if str(t, got, "id") != c.id || got["identity_revealed"] != false {
						t.Errorf("read %s: %s", c.id, r.Body)
					}
					if strings.Contains(string(r.Body), revealName) {
						t.Errorf("a read without ?reveal=identity shows the name: %s", r.Body)
					}
				}),

			// The body asks for the relation's assignment; only an
			// organisation-wide scope may honour it, and anyone else's new
			// case is theirs and their team's, so that it stays in their reach.
			caseload.PermCaseCreate: func(t *testing.T, x actor) {
				for _, rel := range rels {
					t.Run(rel.name, func(t *testing.T) {
						assignee, team := rel.of(x)
						m.n++
						c := &tracked{ref: fmt.Sprintf("M-%03d", m.n), passport: fmt.Sprintf("PM%06d", m.n)}
						r := e.do("POST", "/v1/cases", m.body(c, assignee, team), x.hdr()...)
						if caseload.ScopeOf(x.p.Role, caseload.PermCaseCreate) == caseload.ScopeNone {
							r.problem(t, http.StatusForbidden)
							if ids := listedIDs(t, e.do("GET", "/v1/cases?limit=500", nil)); len(ids) != len(m.cases) {
								t.Errorf("a refused create left %d cases, want %d", len(ids), len(m.cases))
							}
							return
						}
						got := r.want(t, http.StatusCreated).object(t)
						c.id = str(t, got, "id")
						m.refresh(t, c.id, c)
						wantAssignee, wantTeam := x.p.User, x.p.Team
						if caseload.ScopeOf(x.p.Role, caseload.PermCaseCreate) == caseload.ScopeOrg {
							wantAssignee, wantTeam = assignee, team
						}
						if c.assignee != wantAssignee || c.team != wantTeam {
							t.Errorf("%s asked for %q of %q and got a case assigned to %q of %q, want %q of %q",
								x.name, assignee, team, c.assignee, c.team, wantAssignee, wantTeam)
						}
						e.do("GET", "/v1/cases/"+c.id, nil, x.hdr()...).want(t, http.StatusOK)
					})
				}
			},

			caseload.PermCaseWrite: perCase(caseload.PermCaseWrite,
				func(t *testing.T, x actor, c *tracked) *response {
					return e.do("POST", "/v1/cases/"+c.id+"/trips", map[string]any{"entry": "2025-03-01", "exit": "2025-03-02"}, hdrs(x.hdr(), []string{"If-Match", "*"})...)
				},
				func(t *testing.T, x actor, c *tracked, r *response) {
					got := r.want(t, http.StatusCreated).object(t)
					if trips, _ := jsonPath(got, "history.trips"); len(trips.([]any)) != 2 {
						t.Errorf("after a trip was added the case has trips %v, want 2", trips)
					}
				}),

			caseload.PermCaseErase: perCase(caseload.PermCaseErase,
				func(t *testing.T, x actor, c *tracked) *response {
					return e.do("DELETE", "/v1/cases/"+c.id, nil, hdrs(x.hdr(), []string{"If-Match", "*"})...)
				},
				func(t *testing.T, x actor, c *tracked, r *response) {
					r.want(t, http.StatusNoContent)
					if m.snapshot(t, c.id) != nil {
						t.Errorf("erased case %s is still there", c.id)
					}
				}),

			// Reassigning is a write that changes assignee; caseworkers may
			// write their cases but not hand them to someone else.
			caseload.PermCaseAssign: perCase(caseload.PermCaseAssign,
				func(t *testing.T, x actor, c *tracked) *response {
					to := b.p.User
					if c.assignee == b.p.User {
						to = south.p.User
					}
					return e.do("PUT", "/v1/cases/"+c.id, m.body(c, to, c.team), hdrs(x.hdr(), []string{"If-Match", "*"})...)
				},
				func(t *testing.T, x actor, c *tracked, r *response) {
					got := r.want(t, http.StatusOK).object(t)
					if optStr(got, "assignee") == c.assignee {
						t.Errorf("the assignee is still %s: %s", c.assignee, r.Body)
					}
				}),

			caseload.PermIdentityReveal: perCase(caseload.PermIdentityReveal,
				func(t *testing.T, x actor, c *tracked) *response {
					return e.do("GET", "/v1/cases/"+c.id+"?reveal=identity", nil, x.hdr()...)
				},
				func(t *testing.T, x actor, c *tracked, r *response) {
					got := r.want(t, http.StatusOK).object(t)
					if optStr(got, "identity.name") != revealName || optStr(got, "identity.passport") != c.passport || got["identity_revealed"] != true {
						t.Errorf("a reveal gave %s", r.Body)
					}
				}),

			caseload.PermCaseList: func(t *testing.T, x actor) {
				// One case per relation, each with a passport of its own to
				// look up.
				var mine []*tracked
				for _, rel := range rels {
					mine = append(mine, m.mkFor(t, rel, x))
				}
				r := e.do("GET", "/v1/cases?limit=500", nil, x.hdr()...)
				if !global(t, caseload.PermCaseList, x, r) {
					e.do("POST", "/v1/cases/lookup", map[string]any{"passport": mine[0].passport}, x.hdr()...).problem(t, http.StatusForbidden)
					return
				}
				if missing, extra := setDiff(listedIDs(t, r.want(t, http.StatusOK)), m.reachable(x, caseload.PermCaseList)); missing != nil || extra != nil {
					t.Errorf("%s's list lacks %v in reach and has %v out of reach", x.name, missing, extra)
				}
				for i, cs := range mine {
					want := map[string]bool{}
					if judge(x, caseload.PermCaseList, cs) == allowed {
						want[cs.id] = true
					}
					got := listedIDs(t, e.do("POST", "/v1/cases/lookup", map[string]any{"passport": cs.passport}, x.hdr()...).want(t, http.StatusOK))
					if missing, extra := setDiff(got, want); missing != nil || extra != nil {
						t.Errorf("%s looking up the passport of a case %s: lacks %v, has %v", x.name, rels[i].name, missing, extra)
					}
				}
			},

			caseload.PermCaseExport: func(t *testing.T, x actor) {
				r := e.do("POST", "/v1/export", map[string]any{"passphrase": exportPass}, x.hdr()...)
				if global(t, caseload.PermCaseExport, x, r) {
					bundle := bundleOf(t, r.want(t, http.StatusOK))
					if missing, extra := setDiff(bundleIDs(bundle), m.reachable(x, caseload.PermCaseExport)); missing != nil || extra != nil {
						t.Errorf("%s's export lacks %v in reach and has %v out of reach", x.name, missing, extra)
					}
				}
				perCase(caseload.PermCaseExport,
					func(t *testing.T, x actor, c *tracked) *response {
						return e.do("POST", "/v1/export", map[string]any{"passphrase": exportPass, "ids": []string{c.id}}, x.hdr()...)
					},
					func(t *testing.T, x actor, c *tracked, r *response) {
						bundle := bundleOf(t, r.want(t, http.StatusOK))
						if len(bundle.Cases) != 1 || bundle.Cases[0].ID != c.id || bundle.Cases[0].Identity == nil || bundle.Cases[0].Identity.Passport != c.passport {
							t.Errorf("an export of %s holds %+v", c.id, bundle.Cases)
						}
					})(t, x)
			},

			// Each relation's case is exported by the first admin and erased,
			// and its file then imported by the account.
			caseload.PermCaseImport: func(t *testing.T, x actor) {
				for _, rel := range rels {
					t.Run(rel.name, func(t *testing.T) {
						cs := m.mkFor(t, rel, x)
						file := e.do("POST", "/v1/export", map[string]any{"passphrase": exportPass, "ids": []string{cs.id}}).want(t, http.StatusOK).Body
						e.do("DELETE", "/v1/cases/"+cs.id, nil, "If-Match", "*").want(t, http.StatusNoContent)
						m.refresh(t, cs.id, cs)
						scope := caseload.ScopeOf(x.p.Role, caseload.PermCaseImport)
						if inReach(scope, x.p, cs.assignee, cs.team) {
							got := e.do("POST", "/v1/import", file, hdrs(x.hdr(), []string{PassphraseHeader, exportPass})...).want(t, http.StatusCreated).object(t)
							if got["imported"] != float64(1) {
								t.Errorf("import answered %v, want 1 case", got)
							}
							assignee, team := cs.assignee, cs.team
							m.refresh(t, cs.id, cs)
							if _, ok := m.cases[cs.id]; !ok || cs.assignee != assignee || cs.team != team {
								t.Errorf("the imported case %s is not back as it was: there %t, assigned to %q of %q, want %q of %q",
									cs.id, ok, cs.assignee, cs.team, assignee, team)
							}
							return
						}
						// A wrong passphrase would be a 422 from a handler that
						// decrypted first: a 403 shows the refusal comes before.
						for _, pass := range []string{"not the passphrase of this file", exportPass} {
							r := e.do("POST", "/v1/import", file, hdrs(x.hdr(), []string{PassphraseHeader, pass})...)
							if scope == caseload.ScopeNone {
								r.problem(t, http.StatusForbidden)
							} else if r.Status < 400 {
								t.Errorf("%s imported a case out of its reach: %d %s", x.name, r.Status, r.Body)
							}
						}
						if m.snapshot(t, cs.id) != nil {
							t.Errorf("a refused import stored case %s", cs.id)
							m.refresh(t, cs.id, cs)
						}
					})
				}
			},

			caseload.PermCalendar: func(t *testing.T, x actor) {
				r := e.do("POST", "/v1/calendar-tokens", nil, x.hdr()...)
				if !global(t, caseload.PermCalendar, x, r) {
					return
				}
				url := str(t, r.want(t, http.StatusCreated).object(t), "url")
				feed := e.do("GET", url, nil, "Authorization", "").want(t, http.StatusOK)
				if missing, extra := setDiff(feedCaseIDs(t, feed.Body), m.reachable(x, caseload.PermCalendar)); missing != nil || extra != nil {
					t.Errorf("%s's feed lacks %v in reach and has %v out of reach", x.name, missing, extra)
				}
				for id, summaries := range feedCases(t, feed.Body) {
					for _, sum := range summaries {
						if c := m.cases[id]; c != nil && !strings.HasPrefix(sum, c.ref+": ") {
							t.Errorf("%s's feed: event %q of case %s, whose reference is %s", x.name, sum, id, c.ref)
						}
					}
				}
			},

			caseload.PermUserManage: func(t *testing.T, x actor) {
				if r := e.do("GET", "/v1/users", nil, x.hdr()...); global(t, caseload.PermUserManage, x, r) {
					if !strings.Contains(string(r.want(t, http.StatusOK).Body), `"username":"`+x.name+`"`) {
						t.Errorf("the accounts %s lists lack their own: %s", x.name, r.Body)
					}
				}
				name := "made-by-" + x.name
				r := e.do("POST", "/v1/users", map[string]any{"username": name, "password": testPassword, "role": "viewer"}, x.hdr()...)
				made := global(t, caseload.PermUserManage, x, r)
				if made {
					r.want(t, http.StatusCreated)
				}
				if got := strings.Contains(string(e.do("GET", "/v1/users", nil).want(t, http.StatusOK).Body), `"username":"`+name+`"`); got != made {
					t.Errorf("after %s's POST /v1/users (%d), account %s exists: %t, want %t", x.name, r.Status, name, got, made)
				}
			},

			caseload.PermOrgSettings: func(t *testing.T, x actor) {
				if r := e.do("GET", "/v1/org/settings", nil, x.hdr()...); global(t, caseload.PermOrgSettings, x, r) {
					r.want(t, http.StatusOK)
				}
				before := e.do("GET", "/v1/org/settings", nil).want(t, http.StatusOK).object(t)["retention_days"].(float64)
				want := before
				r := e.do("PUT", "/v1/org/settings", map[string]any{"require_totp": false, "retention_days": before + 1}, x.hdr()...)
				if global(t, caseload.PermOrgSettings, x, r) {
					r.want(t, http.StatusOK)
					want = before + 1
				}
				if got := e.do("GET", "/v1/org/settings", nil).want(t, http.StatusOK).object(t)["retention_days"]; got != want {
					t.Errorf("after %s's PUT /v1/org/settings (%d), retention_days is %v, want %v", x.name, r.Status, got, want)
				}
			},

			caseload.PermAuditRead: func(t *testing.T, x actor) {
				if r := e.do("GET", "/v1/audit?limit=5", nil, x.hdr()...); global(t, caseload.PermAuditRead, x, r) {
					if es, _ := r.want(t, http.StatusOK).object(t)["entries"].([]any); len(es) == 0 {
						t.Errorf("the audit log is empty: %s", r.Body)
					}
				}
			},
		}

		for _, role := range caseload.Roles {
			if len(byRole[role]) == 0 {
				t.Errorf("role %s has no account in the matrix test", role)
			}
			for _, x := range byRole[role] {
				// /v1/me publishes the account's row of the matrix.
				var want []any
				for _, perm := range caseload.Permissions {
					if caseload.ScopeOf(role, perm) != caseload.ScopeNone {
						want = append(want, string(perm))
					}
				}
				me := e.do("GET", "/v1/me", nil, x.hdr()...).want(t, http.StatusOK).object(t)
				if got, _ := jsonPath(me, "user.permissions"); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("GET /v1/me of %s lists %v, want %v", x.name, got, want)
				}
				for _, perm := range caseload.Permissions {
					check := checks[perm]
					if check == nil {
						t.Errorf("permission %s has no check in the matrix test", perm)
						continue
					}
					t.Run(fmt.Sprintf("%s %s/%s", role, x.name, perm), func(t *testing.T) { check(t, x) })
				}
			}
		}

		t.Run("a token narrower than its role", func(t *testing.T) {
			narrow := bearer(e.tokenFor(a.p, caseload.PermCaseRead))
			own := m.mk(t, a.p.User, a.p.Team)
			e.do("GET", "/v1/cases/"+own.id, nil, narrow...).want(t, http.StatusOK)
			e.do("POST", "/v1/cases", m.body(&tracked{ref: "NARROW-1"}, "", ""), narrow...).problem(t, http.StatusForbidden)
			e.do("GET", "/v1/cases", nil, narrow...).problem(t, http.StatusForbidden)
			e.do("POST", "/v1/cases/lookup", map[string]any{"passport": own.passport}, narrow...).problem(t, http.StatusForbidden)
			e.do("POST", "/v1/cases/"+own.id+"/trips", map[string]any{"entry": "2025-03-01", "exit": "2025-03-02"}, hdrs(narrow, []string{"If-Match", "*"})...).problem(t, http.StatusForbidden)
			e.do("POST", "/v1/calendar-tokens", nil, narrow...).problem(t, http.StatusForbidden)
		})
	})
}

func TestOrganisationsAreIsolated(t *testing.T) {
	cheapExports(t)
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		_, tokenB := e.newOrg("o_second", "admin2")
		asB := bearer(tokenB)

		const ref, notes, passport = "ORG-A-1", "org A only: lives at 3 Hidden Lane", "PA7654321"
		body := caseBody(ref, notes, schengenStay("2026-01-01", ""))
		body["identity"] = map[string]any{"name": "Nadia Private", "passport": passport}
		idA := str(t, e.do("POST", "/v1/cases", body).want(t, http.StatusCreated).object(t), "id")
		// B's own case has the same passport number, so that a lookup in B
		// has something to find, and must stop at it.
		bodyB := caseBody("ORG-B-1", "", schengenStay("2026-01-02", ""))
		bodyB["identity"] = map[string]any{"name": "Other Person", "passport": passport}
		idB := str(t, e.do("POST", "/v1/cases", bodyB, asB...).want(t, http.StatusCreated).object(t), "id")

		before := e.do("GET", "/v1/cases/"+idA, nil).want(t, http.StatusOK)
		unchanged := func(t *testing.T, what string) {
			t.Helper()
			if after := e.do("GET", "/v1/cases/"+idA, nil).want(t, http.StatusOK); !bytes.Equal(after.Body, before.Body) {
				t.Errorf("after %s, org A's case changed:\nbefore %s\nafter  %s", what, before.Body, after.Body)
			}
		}
		leaks := func(r *response) bool {
			s := string(r.Body)
			return strings.Contains(s, ref) || strings.Contains(s, "Hidden Lane") || strings.Contains(s, "Nadia")
		}

		// Every route on one case, by its real id and ETag as if guessed,
		// and by "*"; each answer must be the one an id that does not exist
		// gets.
		ghost := caseload.NewID("c_")
		partBodies := map[string]any{
			"grants":     map[string]any{"id": "g2", "rule": "schengen-short-stay"},
			"trips":      map[string]any{"entry": "2025-05-01", "exit": "2025-05-02"},
			"extensions": map[string]any{"filed": "2026-01-05", "requested_days": 30, "outcome": "pending"},
		}
		type attempt struct {
			method, pattern, part, query string
			body                         any
		}
		var attempts []attempt
		attempts = append(attempts,
			attempt{method: "GET", pattern: "/v1/cases/{id}"},
			attempt{method: "GET", pattern: "/v1/cases/{id}", query: "?reveal=identity"},
			attempt{method: "PUT", pattern: "/v1/cases/{id}", body: caseBody("TAKEN", "", schengenStay("2026-01-01", ""))},
			attempt{method: "DELETE", pattern: "/v1/cases/{id}"},
		)
		for _, part := range []string{"grants", "trips", "extensions"} {
			attempts = append(attempts,
				attempt{method: "POST", pattern: "/v1/cases/{id}/{part}", part: part, body: partBodies[part]},
				attempt{method: "PUT", pattern: "/v1/cases/{id}/{part}/{n}", part: part, body: partBodies[part]},
				attempt{method: "DELETE", pattern: "/v1/cases/{id}/{part}/{n}", part: part},
			)
		}
		tried := map[string]bool{}
		for _, at := range attempts {
			tried[at.method+" "+at.pattern] = true
			path := func(id string) string {
				return strings.NewReplacer("{id}", id, "{part}", at.part, "{n}", "0").Replace(at.pattern) + at.query
			}
			matches := []string{""}
			if at.method != "GET" {
				matches = []string{"*", before.Header.Get("ETag")}
			}
			for _, im := range matches {
				h := hdrs(asB, []string{"If-Match", im})
				got := e.do(at.method, path(idA), at.body, h...)
				none := e.do(at.method, path(ghost), at.body, h...)
				var pg, pn problemDoc
				_ = json.Unmarshal(got.Body, &pg)
				_ = json.Unmarshal(none.Body, &pn)
				if got.Status != http.StatusNotFound || got.Status != none.Status || pg.Detail != pn.Detail {
					t.Errorf("%s (If-Match %q) by org B: org A's case answers %d %q, no case %d %q; want 404 for both",
						got.req, im, got.Status, pg.Detail, none.Status, pn.Detail)
				}
				if leaks(got) {
					t.Errorf("%s: org B sees org A's case: %s", got.req, got.Body)
				}
				unchanged(t, got.req+" by org B")
			}
		}
		for _, r := range e.Server.Routes() {
			if strings.Contains(r.Pattern, "/v1/cases/{id}") && !tried[r.Method+" "+r.Pattern] {
				t.Errorf("route %s %s takes a case id but this test does not try it from another organisation", r.Method, r.Pattern)
			}
		}

		t.Run("accounts", func(t *testing.T) {
			e.do("PUT", "/v1/users/"+e.Admin.User, map[string]any{"role": "viewer", "disabled": true}, hdrs(asB, []string{"If-Match", "*"})...).problem(t, http.StatusNotFound)
			e.do("DELETE", "/v1/users/"+e.Admin.User+"/totp", nil, asB...).problem(t, http.StatusNotFound)
			me := e.do("GET", "/v1/me", nil).want(t, http.StatusOK).object(t)
			if role, disabled := optStr(me, "user.role"), me["user"].(map[string]any)["disabled"]; role != "admin" || disabled != false {
				t.Errorf("org A's admin is now %s, disabled %v", role, disabled)
			}
			users := string(e.do("GET", "/v1/users", nil, asB...).want(t, http.StatusOK).Body)
			if strings.Contains(users, e.Admin.User) || !strings.Contains(users, `"username":"admin2"`) {
				t.Errorf("org B's accounts: %s", users)
			}
		})

		t.Run("list and passport lookup", func(t *testing.T) {
			for _, q := range []string{"?limit=500", "?due_within=3660d&state=overstay,pending,lawful,absent"} {
				got := listedIDs(t, e.do("GET", "/v1/cases"+q, nil, asB...).want(t, http.StatusOK))
				if missing, extra := setDiff(got, map[string]bool{idB: true}); missing != nil || extra != nil {
					t.Errorf("org B's list%s lacks %v and has %v", q, missing, extra)
				}
			}
			got := listedIDs(t, e.do("POST", "/v1/cases/lookup", map[string]any{"passport": passport}, asB...).want(t, http.StatusOK))
			if missing, extra := setDiff(got, map[string]bool{idB: true}); missing != nil || extra != nil {
				t.Errorf("org B's lookup of a passport both organisations hold lacks %v and has %v", missing, extra)
			}
		})

		t.Run("calendar feed", func(t *testing.T) {
			url := str(t, e.do("POST", "/v1/calendar-tokens", nil, asB...).want(t, http.StatusCreated).object(t), "url")
			feed := e.do("GET", url, nil, "Authorization", "").want(t, http.StatusOK)
			if missing, extra := setDiff(feedCaseIDs(t, feed.Body), map[string]bool{idB: true}); missing != nil || extra != nil || leaks(feed) {
				t.Errorf("org B's feed lacks %v and has %v:\n%s", missing, extra, feed.Body)
			}
		})

		t.Run("export", func(t *testing.T) {
			r := e.do("POST", "/v1/export", map[string]any{"passphrase": exportPass}, asB...).want(t, http.StatusOK)
			b := bundleOf(t, r)
			if missing, extra := setDiff(bundleIDs(b), map[string]bool{idB: true}); missing != nil || extra != nil || b.Org != "o_second" {
				t.Errorf("org B's export of org %q lacks %v and has %v", b.Org, missing, extra)
			}
			if plain, _ := json.Marshal(b); strings.Contains(string(plain), ref) || strings.Contains(string(plain), "Nadia") {
				t.Errorf("org B's export holds org A's case: %s", plain)
			}
			for _, ids := range [][]string{{idA}, {idB, idA}} {
				got := e.do("POST", "/v1/export", map[string]any{"passphrase": exportPass, "ids": ids}, asB...)
				got.problem(t, http.StatusNotFound)
				none := e.do("POST", "/v1/export", map[string]any{"passphrase": exportPass, "ids": []string{idB, ghost}}, asB...)
				var pg, pn problemDoc
				_ = json.Unmarshal(got.Body, &pg)
				_ = json.Unmarshal(none.Body, &pn)
				if strings.ReplaceAll(pg.Detail, idA, ghost) != pn.Detail {
					t.Errorf("an export naming org A's case answers %q, one naming no case %q", pg.Detail, pn.Detail)
				}
			}
		})

		t.Run("audit log", func(t *testing.T) {
			r := e.do("GET", "/v1/audit?limit=1000", nil, asB...).want(t, http.StatusOK)
			if strings.Contains(string(r.Body), idA) {
				t.Errorf("org B's audit log names org A's case: %s", r.Body)
			}
		})

		// A file of org A's cases can reach org B, as when one organisation
		// hands its cases to another. Importing it gives org B a copy of its
		// own under a new id, since ids are unique on the server, and leaves
		// org A's case alone.
		t.Run("import of org A's file", func(t *testing.T) {
			file := e.do("POST", "/v1/export", map[string]any{"passphrase": exportPass, "ids": []string{idA}}).want(t, http.StatusOK).Body
			e.do("POST", "/v1/import", file, hdrs(asB, []string{PassphraseHeader, exportPass})...).want(t, http.StatusCreated)
			unchanged(t, "org B's import of org A's file")
			var copyID string
			for id := range listedIDs(t, e.do("GET", "/v1/cases?limit=500", nil, asB...).want(t, http.StatusOK)) {
				if id != idB {
					copyID = id
				}
			}
			if copyID == "" || copyID == idA {
				t.Fatalf("after the import org B's copy has id %q; want a new id, not org A's %s", copyID, idA)
			}
			if got := e.do("GET", "/v1/cases/"+copyID, nil, asB...).want(t, http.StatusOK).object(t); got["reference"] != ref {
				t.Errorf("org B's copy: %v", got)
			}
			// The copy is org B's alone: org A cannot reach it.
			e.do("GET", "/v1/cases/"+copyID, nil).problem(t, http.StatusNotFound)
		})

		unchanged(t, "everything org B tried")
	})
}

// logIn posts a login; code is the TOTP code, "" for none.
func logIn(e *apiEnv, username, password, code string) *response {
	e.t.Helper()
	body := map[string]any{"username": username, "password": password}
	if code != "" {
		body["totp"] = code
	}
	return e.do("POST", "/v1/login", body, "Authorization", "")
}

// sessionFrom is the session cookie a login set.
func sessionFrom(t *testing.T, r *response) *http.Cookie {
	t.Helper()
	for _, line := range r.Header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("%s: Set-Cookie %q: %v", r.req, line, err)
		}
		if c.Name == SessionCookie {
			return c
		}
	}
	t.Fatalf("%s: no %s cookie in %v", r.req, SessionCookie, r.Header.Values("Set-Cookie"))
	return nil
}

// withSession sends the cookie and no token.
func withSession(c *http.Cookie) []string {
	return []string{"Authorization", "", "Cookie", c.Name + "=" + c.Value}
}

func TestSessionsAndLogin(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		svc := e.Server.Service
		account := func(t *testing.T, name string) caseload.Principal {
			t.Helper()
			u, err := svc.CreateUser(context.Background(), e.Admin, caseload.UserInput{Username: name, Password: testPassword, Role: caseload.RoleCaseworker, Team: "north"})
			if err != nil {
				t.Fatal(err)
			}
			return caseload.Principal{User: u.ID, Org: u.Org, Role: u.Role, Team: u.Team}
		}

		t.Run("a wrong password reads as an unknown username", func(t *testing.T) {
			account(t, "wendy")
			wrong := logIn(e, "wendy", "not the password at all", "")
			unknown := logIn(e, "nobody-here", testPassword, "")
			pw, pu := wrong.problem(t, http.StatusUnauthorized), unknown.problem(t, http.StatusUnauthorized)
			if fmt.Sprint(pw) != fmt.Sprint(pu) {
				t.Errorf("a wrong password answers %+v, an unknown username %+v", pw, pu)
			}
			if wrong.Header.Get("Set-Cookie") != "" {
				t.Errorf("a failed login set a cookie: %s", wrong.Header.Get("Set-Cookie"))
			}
		})

		t.Run("five failures hold the account, not the address", func(t *testing.T) {
			account(t, "walt")
			for range 5 {
				logIn(e, "walt", "not the password at all", "").problem(t, http.StatusUnauthorized)
			}
			// Even the right password waits: guessing cannot go on.
			r := logIn(e, "walt", testPassword, "")
			r.problem(t, http.StatusTooManyRequests)
			wait, err := strconv.Atoi(r.Header.Get("Retry-After"))
			if err != nil || wait < 1 || wait > 60 {
				t.Fatalf("Retry-After %q, want 1 to 60 seconds", r.Header.Get("Retry-After"))
			}
			account(t, "pat")
			logIn(e, "pat", testPassword, "").want(t, http.StatusOK)
			skipAhead(e.Clock, time.Duration(wait)*time.Second)
			logIn(e, "walt", testPassword, "").want(t, http.StatusOK)
		})

		t.Run("a session works until logout", func(t *testing.T) {
			account(t, "lou")
			ck := sessionFrom(t, logIn(e, "lou", testPassword, "").want(t, http.StatusOK))
			me := e.do("GET", "/v1/me", nil, withSession(ck)...).want(t, http.StatusOK).object(t)
			if optStr(me, "user.username") != "lou" || me["token"] != false {
				t.Errorf("GET /v1/me with lou's session: %v", me)
			}
			e.do("POST", "/v1/logout", nil, withSession(ck)...).want(t, http.StatusNoContent)
			e.do("GET", "/v1/me", nil, withSession(ck)...).problem(t, http.StatusUnauthorized)
		})

		t.Run("a session ends once idle", func(t *testing.T) {
			svc.SessionIdle = 10 * time.Minute
			account(t, "sam")
			ck := sessionFrom(t, logIn(e, "sam", testPassword, "").want(t, http.StatusOK))
			// Idle counts from the last use, not from the login.
			for _, step := range []time.Duration{5 * time.Minute, 8 * time.Minute} {
				skipAhead(e.Clock, step)
				e.do("GET", "/v1/me", nil, withSession(ck)...).want(t, http.StatusOK)
			}
			skipAhead(e.Clock, 11*time.Minute)
			e.do("GET", "/v1/me", nil, withSession(ck)...).problem(t, http.StatusUnauthorized)
		})

		t.Run("a session ends at its absolute limit, however busy", func(t *testing.T) {
			svc.SessionIdle, svc.SessionMax = 10*time.Minute, 30*time.Minute
			defer func() { svc.SessionMax = 0 }()
			account(t, "abe")
			ck := sessionFrom(t, logIn(e, "abe", testPassword, "").want(t, http.StatusOK))
			for range 5 {
				skipAhead(e.Clock, 5*time.Minute)
				e.do("GET", "/v1/me", nil, withSession(ck)...).want(t, http.StatusOK)
			}
			skipAhead(e.Clock, 6*time.Minute) // 31 minutes after the login, 6 after the last use
			e.do("GET", "/v1/me", nil, withSession(ck)...).problem(t, http.StatusUnauthorized)
		})

		t.Run("a disabled account is shut out at once", func(t *testing.T) {
			p := account(t, "dora")
			ck := sessionFrom(t, logIn(e, "dora", testPassword, "").want(t, http.StatusOK))
			token := bearer(e.tokenFor(p, caseload.PermCaseRead, caseload.PermCaseList))
			feed := str(t, e.do("POST", "/v1/calendar-tokens", nil, withSession(ck)...).want(t, http.StatusCreated).object(t), "url")
			e.do("GET", "/v1/me", nil, withSession(ck)...).want(t, http.StatusOK)
			e.do("GET", "/v1/cases", nil, token...).want(t, http.StatusOK)
			e.do("GET", feed, nil, "Authorization", "").want(t, http.StatusOK)

			var version float64
			for _, u := range e.do("GET", "/v1/users", nil).want(t, http.StatusOK).object(t)["users"].([]any) {
				if optStr(u, "id") == p.User {
					version = u.(map[string]any)["version"].(float64)
				}
			}
			e.do("PUT", "/v1/users/"+p.User, map[string]any{"role": "caseworker", "team": "north", "disabled": true},
				"If-Match", etag(int64(version))).want(t, http.StatusOK)

			e.do("GET", "/v1/me", nil, withSession(ck)...).problem(t, http.StatusUnauthorized)
			e.do("GET", "/v1/cases", nil, token...).problem(t, http.StatusUnauthorized)
			e.do("GET", feed, nil, "Authorization", "").problem(t, http.StatusNotFound)
			logIn(e, "dora", testPassword, "").problem(t, http.StatusUnauthorized)
		})

		t.Run("second factor", func(t *testing.T) {
			p := account(t, "tina")
			ck := sessionFrom(t, logIn(e, "tina", testPassword, "").want(t, http.StatusOK))
			e.do("POST", "/v1/me/totp", nil, bearer(e.tokenFor(p, caseload.PermCaseRead))...).problem(t, http.StatusForbidden)
			enrol := e.do("POST", "/v1/me/totp", nil, withSession(ck)...).want(t, http.StatusCreated).object(t)
			secret, err := login.DecodeSecret(str(t, enrol, "secret"))
			if err != nil {
				t.Fatal(err)
			}
			e.do("POST", "/v1/me/totp/confirm", map[string]any{"code": login.TOTPCode(secret, e.Clock.Now())}, withSession(ck)...).want(t, http.StatusNoContent)

			logIn(e, "tina", testPassword, "").problem(t, http.StatusUnauthorized).field(t, "totp")
			// The confirming code's time step is spent; the next one is not.
			skipAhead(e.Clock, 30*time.Second)
			now := e.Clock.Now()
			code := login.TOTPCode(secret, now)
			near := []string{login.TOTPCode(secret, now.Add(-30*time.Second)), code, login.TOTPCode(secret, now.Add(30*time.Second))}
			wrong := "000000"
			for i := 0; slices.Contains(near, wrong); i++ {
				wrong = fmt.Sprintf("%06d", 111111*(i+1))
			}
			logIn(e, "tina", testPassword, wrong).problem(t, http.StatusUnauthorized)
			logIn(e, "tina", testPassword, code).want(t, http.StatusOK)
			logIn(e, "tina", testPassword, code).problem(t, http.StatusUnauthorized)
		})

		t.Run("an organisation that requires a second factor", func(t *testing.T) {
			_, adminTok := e.newOrg("o_strict", "strictadmin")
			made := e.do("POST", "/v1/users", map[string]any{"username": "newbie", "password": testPassword, "role": "caseworker"}, bearer(adminTok)...).want(t, http.StatusCreated).object(t)
			newbie := caseload.Principal{User: str(t, made, "id"), Org: "o_strict", Role: caseload.RoleCaseworker}
			token := bearer(e.tokenFor(newbie, caseload.PermCaseList))
			e.do("PUT", "/v1/org/settings", map[string]any{"require_totp": true, "retention_days": 0}, bearer(adminTok)...).want(t, http.StatusOK)

			r := logIn(e, "newbie", testPassword, "").want(t, http.StatusOK)
			if r.object(t)["enroll_totp"] != true {
				t.Errorf("login of an account without a second factor in a strict organisation: %s, want enroll_totp", r.Body)
			}
			ck := sessionFrom(t, r)
			e.do("GET", "/v1/cases", nil, withSession(ck)...).problem(t, http.StatusForbidden)
			// Nor does a token made before the rule get round it.
			e.do("GET", "/v1/cases", nil, token...).problem(t, http.StatusForbidden)
			e.do("GET", "/v1/me", nil, withSession(ck)...).want(t, http.StatusOK)

			enrol := e.do("POST", "/v1/me/totp", nil, withSession(ck)...).want(t, http.StatusCreated).object(t)
			secret, err := login.DecodeSecret(str(t, enrol, "secret"))
			if err != nil {
				t.Fatal(err)
			}
			e.do("GET", "/v1/cases", nil, withSession(ck)...).problem(t, http.StatusForbidden) // pending is not enrolled
			e.do("POST", "/v1/me/totp/confirm", map[string]any{"code": login.TOTPCode(secret, e.Clock.Now())}, withSession(ck)...).want(t, http.StatusNoContent)
			e.do("GET", "/v1/cases", nil, withSession(ck)...).want(t, http.StatusOK)
			e.do("GET", "/v1/cases", nil, token...).want(t, http.StatusOK)
		})

		// Last: expiry moves the clock a day on.
		t.Run("revoked and expired tokens", func(t *testing.T) {
			account(t, "tess")
			ck := sessionFrom(t, logIn(e, "tess", testPassword, "").want(t, http.StatusOK))
			newToken := func() (id string, hdr []string) {
				t.Helper()
				got := e.do("POST", "/v1/tokens", map[string]any{"name": "nightly", "scopes": []string{"case.read", "case.list"}, "expires_in_days": 1}, withSession(ck)...).want(t, http.StatusCreated).object(t)
				return str(t, got, "id"), bearer(str(t, got, "token"))
			}
			id, revoked := newToken()
			_, expiring := newToken()
			e.do("GET", "/v1/cases", nil, revoked...).want(t, http.StatusOK)
			e.do("DELETE", "/v1/tokens/"+id, nil, withSession(ck)...).want(t, http.StatusNoContent)
			e.do("GET", "/v1/cases", nil, revoked...).problem(t, http.StatusUnauthorized)

			skipAhead(e.Clock, 24*time.Hour-time.Second)
			e.do("GET", "/v1/cases", nil, expiring...).want(t, http.StatusOK)
			skipAhead(e.Clock, time.Second)
			e.do("GET", "/v1/cases", nil, expiring...).problem(t, http.StatusUnauthorized)
		})
	})
}

func TestCrossOriginWritesRefused(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		if _, err := e.Server.Service.CreateUser(context.Background(), e.Admin, caseload.UserInput{Username: "cora", Password: testPassword, Role: caseload.RoleCaseworker, Team: "north"}); err != nil {
			t.Fatal(err)
		}
		ck := sessionFrom(t, logIn(e, "cora", testPassword, "").want(t, http.StatusOK))
		if !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" || ck.Domain != "" {
			t.Errorf("session cookie: HttpOnly %t, Secure %t, SameSite %v, Path %q, Domain %q; want HttpOnly, Secure, SameSite=Strict, Path=/, no Domain",
				ck.HttpOnly, ck.Secure, ck.SameSite, ck.Path, ck.Domain)
		}

		session := withSession(ck)
		foreign := [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}}
		for _, h := range foreign {
			e.do("POST", "/v1/cases", caseBody("XS-1", "", schengenStay("2026-01-01", "")), hdrs(session, h)...).problem(t, http.StatusForbidden)
			// Nor may a page on another site log a browser in as someone of its choosing.
			logged := e.do("POST", "/v1/login", map[string]any{"username": "cora", "password": testPassword}, hdrs([]string{"Authorization", ""}, h)...)
			logged.problem(t, http.StatusForbidden)
			if logged.Header.Get("Set-Cookie") != "" {
				t.Errorf("a cross-origin login set a cookie")
			}
		}
		if ids := listedIDs(t, e.do("GET", "/v1/cases", nil, session...).want(t, http.StatusOK)); len(ids) != 0 {
			t.Errorf("a cross-origin POST created cases: %v", ids)
		}
		// The same session from the same origin may write: it was the origin
		// that was refused.
		created := e.do("POST", "/v1/cases", caseBody("XS-2", "", schengenStay("2026-01-01", "")), hdrs(session, []string{"Sec-Fetch-Site", "same-origin"})...).want(t, http.StatusCreated).object(t)
		path := "/v1/cases/" + str(t, created, "id")
		for _, h := range foreign {
			e.do("DELETE", path, nil, hdrs(session, h, []string{"If-Match", "*"})...).problem(t, http.StatusForbidden)
			e.do("POST", "/v1/logout", nil, hdrs(session, h)...).problem(t, http.StatusForbidden)
		}
		e.do("GET", path, nil, session...).want(t, http.StatusOK)
	})
}
