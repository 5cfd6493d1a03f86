package web

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"visaclock/internal/caseload"
	"visaclock/internal/sqlstore/sqlstoretest"
)

// The person of TestBirthDateInIdentityDrivesAgeRules: a US visitor
// admitted until 2023-11-20 (I-94), so unlawfully present from 2023-11-21,
// who left on 2025-01-31, born on 2006-03-01: 18 on 2024-03-01, partway
// through the overstay. The date of birth is given only in the identity.
const (
	bornDate    = "2006-03-01"
	bornUntil3  = "2028-01-31" // 3 years from departure
	bornUntil10 = "2035-01-31" // 10 years from departure
)

func usLeft() map[string]any {
	return map[string]any{
		"grants": []any{map[string]any{"id": "b2", "rule": "us-visitor", "admit_until": "2023-11-20"}},
		"trips":  []any{map[string]any{"entry": "2023-05-21", "exit": "2025-01-31"}},
	}
}

// reentryBar is the one re-entry bar of a case answer's evaluation.
func reentryBar(t *testing.T, c map[string]any) map[string]any {
	t.Helper()
	all, _ := jsonPath(c, "evaluation.consequences")
	list, _ := all.([]any)
	var bars []map[string]any
	for _, x := range list {
		if m, ok := x.(map[string]any); ok && m["kind"] == "reentry_bar" {
			bars = append(bars, m)
		}
	}
	if len(bars) != 1 {
		t.Fatalf("re-entry bars %v, want one; evaluation %v", bars, c["evaluation"])
	}
	return bars[0]
}

// wantBar checks a bar's years, counted days and end.
func wantBar(t *testing.T, what string, bar map[string]any, years, days int, until string) {
	t.Helper()
	if fmt.Sprint(bar["years"]) != fmt.Sprint(years) || fmt.Sprint(bar["days"]) != fmt.Sprint(days) || bar["until"] != until {
		t.Errorf("%s: bar %v; want %d years on %d days, until %s", what, bar, years, days, until)
	}
}

// noBirthDate fails if text shows the date of birth in any form.
func noBirthDate(t *testing.T, where string, text []byte) {
	t.Helper()
	for _, s := range []string{bornDate, "20060301", "1 Mar 2006", "2006년 3월 1일", "2006年3月1日", `"born"`} {
		if bytes.Contains(text, []byte(s)) {
			t.Errorf("%s shows the date of birth (%q)", where, s)
		}
	}
}

// TestBirthDateInIdentityDrivesAgeRules: a date of birth given only in the
// sealed identity reaches the rules that depend on age, on every write and
// on every read, without being stored, shown, logged or audited in clear,
// and without counting as a reveal.
//
// INA 212(a)(9)(B)(iii)(I): "No period of time in which an alien is under
// 18 years of age shall be taken into account in determining the period of
// unlawful presence in the United States under clause (i)." By hand:
// unlawful presence 2023-11-21 to 2025-01-31 is 10 + 31 + 366 + 31 = 438
// days; from the 18th birthday, 2024-03-01, to 2025-01-31 it is 365 - 28 =
// 337 days. Under the us-visitor pack (INA 212(a)(9)(B)(i)(I) and (II)),
// more than 180 days and less than a year bar re-entry for 3 years, a year
// (365 days) or more for 10, from departure: 3 years to 2028-01-31 with the
// date of birth, 10 years to 2035-01-31 without it.
func TestBirthDateInIdentityDrivesAgeRules(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		var logs syncBuffer
		e := newEnv(t, open, slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
		e.Clock.Set("2025-03-01")
		identity := map[string]any{"name": "Kim Ha-eun", "birth_date": bornDate}

		created := e.do("POST", "/v1/cases", withIdentity(caseBody("US-18", "", usLeft()), identity)).want(t, http.StatusCreated)
		noBirthDate(t, "the answer to the create", created.Body)
		c := created.object(t)
		id := str(t, c, "id")
		wantBar(t, "create, date of birth in the identity", reentryBar(t, c), 3, 337, bornUntil3)

		// A masked read: the evaluation reflects the date, the answer does
		// not show it, and the history holds no person.
		got := e.do("GET", "/v1/cases/"+id, nil).want(t, http.StatusOK)
		noBirthDate(t, "a masked read", got.Body)
		g := got.object(t)
		wantBar(t, "masked read", reentryBar(t, g), 3, 337, bornUntil3)
		if v, _ := jsonPath(g, "identity.birth_date"); v != true {
			t.Errorf("masked identity.birth_date = %v, want true", v)
		}
		if v, ok := jsonPath(g, "history.person"); ok {
			t.Errorf("the history shows a person: %v", v)
		}

		// The same case without a date of birth: every day counts.
		other := e.do("POST", "/v1/cases", withIdentity(caseBody("US-18-NOBIRTH", "", usLeft()), map[string]any{"name": "Kim Ha-eun"})).want(t, http.StatusCreated).object(t)
		wantBar(t, "no date of birth", reentryBar(t, other), 10, 438, bornUntil10)
		otherID := str(t, other, "id")

		// A write that leaves the identity out keeps it, and its date.
		put := e.do("PUT", "/v1/cases/"+id, caseBody("US-18", "called", usLeft()), "If-Match", `"1"`).want(t, http.StatusOK)
		noBirthDate(t, "the answer to a PUT", put.Body)
		wantBar(t, "PUT keeping the identity", reentryBar(t, put.object(t)), 3, 337, bornUntil3)
		// A partial write too.
		trip := e.do("PUT", "/v1/cases/"+id+"/trips/0", map[string]any{"entry": "2023-05-21", "exit": "2025-01-31"}, "If-Match", `"2"`).want(t, http.StatusOK).object(t)
		wantBar(t, "trip update", reentryBar(t, trip), 3, 337, bornUntil3)

		// Two dates of birth for one person are refused, naming both fields
		// and neither date.
		h := usLeft()
		h["person"] = map[string]any{"born": "2006-03-02"}
		refused := e.do("PUT", "/v1/cases/"+id, caseBody("US-18", "called", h), "If-Match", "*")
		noBirthDate(t, "the refusal", refused.Body)
		if msg := refused.problem(t, http.StatusUnprocessableEntity).field(t, "history.person.born"); !strings.Contains(msg, "identity.birth_date") {
			t.Errorf("the refusal does not name identity.birth_date: %q", msg)
		}

		// The case page evaluates with the date too, and does not show it.
		b := newBrowser(t, e)
		b.login("admin", testPassword)
		page := b.get("/cases/"+id).want(t, http.StatusOK).contains(t, "31 Jan 2028")
		noBirthDate(t, "the case page", []byte(page.Body))
		if strings.Contains(page.Body, "31 Jan 2035") {
			t.Error("the case page shows the 10-year bar")
		}
		b.get("/cases/"+otherID).want(t, http.StatusOK).contains(t, "31 Jan 2035")

		// Evaluating is not revealing: nothing so far was audited as a
		// reveal, and no entry carries the date.
		reveals := func() int {
			entries, err := e.Store.AuditEntries(context.Background(), caseload.DefaultOrg, 0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, en := range entries {
				if en.Action == "identity.reveal" {
					n++
				}
				if s := fmt.Sprintf("%+v", en); strings.Contains(s, bornDate) || strings.Contains(s, "20060301") {
					t.Errorf("an audit entry carries the date of birth: %s", s)
				}
			}
			return n
		}
		if n := reveals(); n != 0 {
			t.Errorf("%d reveals audited before anyone asked for one", n)
		}
		// A reveal shows it, and is audited.
		rev := e.do("GET", "/v1/cases/"+id+"?reveal=identity", nil).want(t, http.StatusOK).object(t)
		if str(t, rev, "identity.birth_date") != bornDate {
			t.Errorf("revealed birth_date = %v", rev["identity"])
		}
		if n := reveals(); n != 1 {
			t.Errorf("%d reveals audited, want 1", n)
		}

		dump := sqlstoretest.RawDump(t, e.Store)
		if !bytes.Contains(dump, []byte("US-18-NOBIRTH")) {
			t.Fatal("the dump does not hold a case's reference: it is not a dump of this store")
		}
		noBirthDate(t, "the raw database", dump)
		e.HTTP.Close()
		noBirthDate(t, "the logs", []byte(logs.String()))
	})
}
