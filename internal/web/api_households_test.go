package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"visaclock/internal/caseload"
)

// TestHouseholdsAPI drives the households' routes over real HTTP on both
// databases, each answer checked against the OpenAPI document.
func TestHouseholdsAPI(t *testing.T) {
	doc := loadOpenAPI(t)
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		ok := func(method, pattern, path string, body any, status int, hdr ...string) map[string]any {
			t.Helper()
			r := e.do(method, path, body, hdr...).want(t, status)
			conform(t, doc, method, pattern, r)
			if len(r.Body) == 0 || r.mediaType() != "application/json" {
				return nil
			}
			return r.object(t)
		}
		// Two Schengen members and one UK member, who keeps its own rules.
		a := e.create(t, "F-1", "", schengenStay("2026-01-01", ""))
		b := e.create(t, "F-2", "", schengenStay("2026-01-01", ""))
		uk := e.create(t, "F-3", "", map[string]any{
			"grants": []any{map[string]any{"id": "visit", "rule": "uk-standard-visitor"}},
			"trips":  []any{map[string]any{"entry": "2026-01-01"}},
		})

		p := e.do("POST", "/v1/households", map[string]any{"label": "", "members": []string{a}}).problem(t, http.StatusUnprocessableEntity)
		p.field(t, "label")
		conform(t, doc, "POST", "/v1/households", e.do("POST", "/v1/households", map[string]any{"label": "H-1", "members": []string{}}).want(t, http.StatusUnprocessableEntity))
		conform(t, doc, "POST", "/v1/households", e.do("POST", "/v1/households", map[string]any{"label": "H-1", "members": []string{a}, "surname": "x"}).want(t, http.StatusUnprocessableEntity))
		e.do("POST", "/v1/households", map[string]any{"label": "H-1", "members": []string{a, "c_none"}}).problem(t, http.StatusNotFound)

		h := ok("POST", "/v1/households", "/v1/households", map[string]any{"label": "H-12", "members": []string{a, b, uk}}, http.StatusCreated)
		id := str(t, h, "id")
		path := "/v1/households/" + id
		if got := len(h["members"].([]any)); got != 3 {
			t.Fatalf("created household has %d members, want 3: %v", got, h)
		}
		ok("POST", "/v1/households", "/v1/households", map[string]any{"label": "H-12", "members": []string{a}}, http.StatusConflict)
		list := ok("GET", "/v1/households", "/v1/households", nil, http.StatusOK)
		if items := list["items"].([]any); len(items) != 1 || str(t, items[0], "label") != "H-12" {
			t.Errorf("GET /v1/households = %v, want H-12", list)
		}
		ok("GET", "/v1/households/{id}", path, nil, http.StatusOK)
		ok("GET", "/v1/households/{id}", "/v1/households/h_none", nil, http.StatusNotFound)
		c := ok("GET", "/v1/cases/{id}", "/v1/cases/"+a, nil, http.StatusOK)
		if str(t, c, "household") != id {
			t.Errorf("case %s: household %v, want %s", a, c["household"], id)
		}
		rows := ok("GET", "/v1/cases", "/v1/cases", nil, http.StatusOK)["items"].([]any)
		for _, it := range rows {
			if str(t, it, "household") != id || str(t, it, "household_label") != "H-12" {
				t.Errorf("list row %v, want household %s labelled H-12", it, id)
			}
		}

		// Relabel, with the household's ETag.
		ok("PUT", "/v1/households/{id}", path, map[string]any{"label": "H-13"}, http.StatusPreconditionRequired)
		ok("PUT", "/v1/households/{id}", path, map[string]any{"label": "H-13"}, http.StatusPreconditionFailed, "If-Match", `"9"`)
		if got := ok("PUT", "/v1/households/{id}", path, map[string]any{"label": "H-13"}, http.StatusOK, "If-Match", `"1"`); str(t, got, "label") != "H-13" {
			t.Errorf("relabelled %v", got)
		}

		// An exit once for all three; the engine answers for each under
		// its own rules.
		trip := map[string]any{"kind": "exit", "date": "2026-01-05", "members": []any{map[string]any{"id": a, "version": 2}, map[string]any{"id": b}, map[string]any{"id": uk}}}
		got := ok("POST", "/v1/households/{id}/trips", path+"/trips", trip, http.StatusOK)
		for _, m := range got["members"].([]any) {
			if str(t, m, "state") != "absent" {
				t.Errorf("after the household exit, %v", m)
			}
		}
		// An entry for two; then an exit before it, refused for both, the
		// error naming the first member and its field.
		ok("POST", "/v1/households/{id}/trips", path+"/trips", map[string]any{"kind": "entry", "date": "2026-01-08", "members": []any{map[string]any{"id": a}, map[string]any{"id": uk}}}, http.StatusOK)
		r := e.do("POST", path+"/trips", map[string]any{"kind": "exit", "date": "2026-01-07", "members": []any{map[string]any{"id": uk}, map[string]any{"id": a}}})
		conform(t, doc, "POST", "/v1/households/{id}/trips", r)
		if msg := r.problem(t, http.StatusUnprocessableEntity).field(t, "members[0].history.trips[1].exit"); !strings.Contains(msg, "F-3") {
			t.Errorf("the refusal %q does not name the member F-3", msg)
		}
		ok("POST", "/v1/households/{id}/trips", path+"/trips", map[string]any{"kind": "exit", "date": "2026-01-09", "members": []any{map[string]any{"id": a, "version": 1}}}, http.StatusPreconditionFailed)
		ok("POST", "/v1/households/{id}/trips", path+"/trips", map[string]any{"kind": "leave", "date": "2026-01-09", "members": []any{map[string]any{"id": a}}}, http.StatusUnprocessableEntity)
		ok("POST", "/v1/households/{id}/trips", "/v1/households/h_none/trips", map[string]any{"kind": "exit", "date": "2026-01-09", "members": []any{map[string]any{"id": a}}}, http.StatusNotFound)

		// Members leave and join with the case's ETag.
		cb := ok("GET", "/v1/cases/{id}", "/v1/cases/"+b, nil, http.StatusOK)
		v := etag(int64(cb["version"].(float64)))
		ok("DELETE", "/v1/households/{id}/members/{case}", path+"/members/"+b, nil, http.StatusPreconditionRequired)
		ok("DELETE", "/v1/households/{id}/members/{case}", path+"/members/"+b, nil, http.StatusOK, "If-Match", v)
		ok("DELETE", "/v1/households/{id}/members/{case}", path+"/members/"+b, nil, http.StatusUnprocessableEntity, "If-Match", "*")
		ok("PUT", "/v1/households/{id}/members/{case}", path+"/members/"+b, nil, http.StatusPreconditionFailed, "If-Match", v)
		if got := ok("PUT", "/v1/households/{id}/members/{case}", path+"/members/"+b, nil, http.StatusOK, "If-Match", "*"); str(t, got, "household") != id {
			t.Errorf("joined %v", got)
		}
		ok("PUT", "/v1/households/{id}/members/{case}", "/v1/households/h_none/members/"+b, nil, http.StatusNotFound, "If-Match", "*")

		// A caseworker of another team sees nothing of the household.
		cw, err := e.Server.Service.CreateUser(context.Background(), e.Admin, caseload.UserInput{Username: "hw", Password: testPassword, Role: caseload.RoleCaseworker, Team: "south"})
		if err != nil {
			t.Fatal(err)
		}
		tok := "Bearer " + e.tokenFor(caseload.Principal{User: cw.ID, Org: cw.Org, Role: cw.Role, Team: cw.Team}, caseload.Permissions...)
		ok("GET", "/v1/households/{id}", path, nil, http.StatusNotFound, "Authorization", tok)
		if l := ok("GET", "/v1/households", "/v1/households", nil, http.StatusOK, "Authorization", tok); len(l["items"].([]any)) != 0 {
			t.Errorf("a caseworker with no member in reach lists %v", l)
		}
		ok("DELETE", "/v1/households/{id}", path, nil, http.StatusNotFound, "If-Match", "*", "Authorization", tok)

		ok("DELETE", "/v1/households/{id}", path, nil, http.StatusPreconditionFailed, "If-Match", `"1"`)
		ok("DELETE", "/v1/households/{id}", path, nil, http.StatusNoContent, "If-Match", `"2"`)
		ok("GET", "/v1/households/{id}", path, nil, http.StatusNotFound)
		if c := ok("GET", "/v1/cases/{id}", "/v1/cases/"+a, nil, http.StatusOK); c["household"] != nil {
			t.Errorf("after the household went, case %s still names %v", a, c["household"])
		}
	})
}
