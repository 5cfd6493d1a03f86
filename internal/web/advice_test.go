package web

import (
	"net/http"
	"strings"
	"testing"
)

// TestPendingIsNeverToldToLeaveAsIfCertain: a person whose timely
// extension is pending is told to await the decision, and to leave by the
// old date only if it is refused, by the API, the status card and the
// dashboard, in every language. Source: Regulations 2013 Art. 13(1), (3)
// and Art. 36(2) (the receipt of Monday 2018-04-09 is valid 7 working days,
// to 2018-04-18); EEAL Art. 29(2) (refused: leave by the original 2018-04-17).
func TestPendingIsNeverToldToLeaveAsIfCertain(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		e.Clock.Set("2018-04-12")
		hist := map[string]any{
			"grants":     []any{map[string]any{"id": "q2", "rule": "cn-family-visit", "stay_days": 30}},
			"trips":      []any{map[string]any{"entry": "2018-03-18"}},
			"extensions": []any{map[string]any{"filed": "2018-04-09", "requested_days": 30, "outcome": "pending"}},
		}
		id := e.create(t, "P-1", "", hist)
		c := e.do("GET", "/v1/cases/"+id, nil).want(t, http.StatusOK).object(t)
		ev, _ := c["evaluation"].(map[string]any)
		acts, _ := ev["next_actions"].([]any)
		if len(acts) != 2 {
			t.Fatalf("next_actions %v, want await_decision then leave_by if_refused", acts)
		}
		first, _ := acts[0].(map[string]any)
		second, _ := acts[1].(map[string]any)
		if first["kind"] != "await_decision" || first["date"] != "2018-04-18" || second["kind"] != "leave_by" || second["condition"] != "if_refused" {
			t.Errorf("next_actions %v", acts)
		}

		b := newBrowser(t, e)
		b.login("admin", testPassword)
		b.get("/cases/"+id).want(t, http.StatusOK).
			contains(t, "Await the decision. Your stay rests on the acceptance receipt, valid until 18 Apr 2018",
				"If the application is refused, leave by 17 Apr 2018").complete(t)
		dash := b.get("/?within=30").want(t, http.StatusOK)
		dash.contains(t, "If refused: leave by 17 Apr 2018").complete(t)
		if strings.Contains(dash.Body, ">Leave by 17 Apr 2018") {
			t.Error("the dashboard tells a person with a pending application to leave as if it were certain")
		}
		for _, tc := range []struct{ lang, want string }{
			{"zh", "如决定不予延长停留期限，应当按期离境，最迟于2018年4月17日（含当日）"},
			{"ko", "신청이 불허되면 2018년 4월 17일까지 출국하십시오"},
		} {
			b.post("/lang", "lang", tc.lang, "next", "/").want(t, http.StatusSeeOther)
			b.get("/cases/"+id).want(t, http.StatusOK).contains(t, tc.want).complete(t)
		}

		// A week later the receipt has run out with no decision.
		e.Clock.Set("2018-04-19")
		b.post("/lang", "lang", "en", "next", "/").want(t, http.StatusSeeOther)
		b.login("admin", testPassword)
		b.get("/cases/"+id).want(t, http.StatusOK).
			contains(t, "its acceptance receipt ran out on 18 Apr 2018; the law does not say what follows",
				"Go back to the exit-entry office at once: the acceptance receipt ran out on 18 Apr 2018",
				"If the application is refused, leave at once").complete(t)
	})
}

// TestChinesePagesQuoteChineseLaw: on a Chinese case page, PRC citations
// are the statute's own words, as the exit-entry office would quote them;
// on an English page they are the English.
func TestChinesePagesQuoteChineseLaw(t *testing.T) {
	e := newEnv(t, openSQLite, nil)
	e.Clock.Set("2018-04-01") // filing is open until 10 April (EEAL Art. 29(2))
	id := e.create(t, "Z-1", "", map[string]any{
		"grants": []any{map[string]any{"id": "q2", "rule": "cn-family-visit", "stay_days": 30}},
		"trips":  []any{map[string]any{"entry": "2018-03-18"}},
	})
	b := newBrowser(t, e)
	b.login("admin", testPassword)
	en := b.get("/cases/"+id).want(t, http.StatusOK).contains(t, "Art. 29(2)")
	if strings.Contains(en.Body, "届满七日前向停留地县级以上") {
		t.Error("the English page quotes the Chinese statute")
	}
	b.post("/lang", "lang", "zh", "next", "/").want(t, http.StatusSeeOther)
	b.get("/cases/"+id).want(t, http.StatusOK).
		contains(t, "需要延长签证停留期限的，应当在签证注明的停留期限届满七日前向停留地县级以上地方人民政府公安机关出入境管理机构申请").complete(t)
}

// TestBirthDateNeverStoredInClear: a date of birth sent in a history is
// moved into the identity, which is sealed, when an identity is sent with
// it, and refused otherwise; the stored history never holds it and the raw
// database has no trace of it.
func TestBirthDateNeverStoredInClear(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		e.Clock.Set("2024-01-10")
		hist := func() map[string]any {
			return map[string]any{
				"person": map[string]any{"born": "1999-07-23"},
				"grants": []any{map[string]any{"id": "b2", "rule": "us-visitor", "admit_until": "2023-11-20"}},
				"trips":  []any{map[string]any{"entry": "2023-05-21"}},
			}
		}
		body := caseBody("DOB-1", "", hist())
		body["identity"] = map[string]any{"name": "Ri Chol-su"}
		c := e.do("POST", "/v1/cases", body).want(t, http.StatusCreated).object(t)
		if h, _ := c["history"].(map[string]any); h["person"] != nil {
			t.Errorf("the stored history holds the person: %v", h)
		}
		if id, _ := c["identity"].(map[string]any); id["birth_date"] != true {
			t.Errorf("the identity did not take the date of birth: %v", c["identity"])
		}
		refused := e.do("POST", "/v1/cases", caseBody("DOB-2", "", hist()))
		if msg := refused.problem(t, http.StatusUnprocessableEntity).field(t, "history.person.born"); !strings.Contains(msg, "identity.birth_date") {
			t.Errorf("the refusal does not say where the date belongs: %q", msg)
		}
		if dump := rawDump(t, e.Store); strings.Contains(string(dump), "1999-07-23") {
			t.Error("the date of birth is in the database in clear")
		}
	})
}

// TestEvaluateExplainLevels: POST /v1/evaluate answers in full by default,
// with each citation once when asked for compact, and refuses an unknown
// level naming the parameter.
func TestEvaluateExplainLevels(t *testing.T) {
	e := newEnv(t, openSQLite, nil)
	hist := map[string]any{
		"as_of":  "2025-03-20",
		"grants": []any{map[string]any{"id": "vf", "rule": "schengen-short-stay"}},
		"trips":  []any{map[string]any{"entry": "2025-03-01"}},
	}
	full := e.do("POST", "/v1/evaluate", hist).want(t, http.StatusOK).object(t)
	if _, ok := full["citations"]; ok {
		t.Error("the default answer has a citations map")
	}
	compact := e.do("POST", "/v1/evaluate?explain=compact", hist).want(t, http.StatusOK).object(t)
	cites, _ := compact["citations"].(map[string]any)
	if len(cites) == 0 || cites["sbc-art-6-90-180"] == nil {
		t.Errorf("compact: citations %v", compact["citations"])
	}
	for _, s := range compact["explanation"].([]any) {
		if _, ok := s.(map[string]any)["citation"]; ok {
			t.Errorf("compact: a step repeats its citation: %v", s)
		}
	}
	if msg := e.do("POST", "/v1/evaluate?explain=verbose", hist).problem(t, http.StatusUnprocessableEntity).field(t, "explain"); msg == "" {
		t.Error("an unknown explain level is not refused by name")
	}
}
