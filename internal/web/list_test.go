package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// listItem is one row of GET /v1/cases.
type listItem struct {
	ID              string  `json:"id"`
	Reference       string  `json:"reference"`
	State           string  `json:"state"`
	AuthorizedUntil *string `json:"authorized_until"`
	Deadline        *string `json:"deadline"`
	DeadlineKind    string  `json:"deadline_kind"`
	Version         int64   `json:"version"`
}

type listPage struct {
	On         string     `json:"on"`
	Items      []listItem `json:"items"`
	NextCursor string     `json:"next_cursor"`
}

// list fetches one page of the working list.
func (e *apiEnv) list(t *testing.T, query string) listPage {
	t.Helper()
	r := e.do("GET", "/v1/cases"+query, nil).want(t, http.StatusOK)
	r.object(t) // checks the content type
	var p listPage
	dec := json.NewDecoder(strings.NewReader(string(r.Body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("GET /v1/cases%s: %v\n%s", query, err, r.Body)
	}
	if p.Items == nil {
		t.Errorf("GET /v1/cases%s: items is null, want an array", query)
	}
	return p
}

// refs gives "reference:state" for each item.
func refs(items []listItem) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, it.Reference+":"+it.State)
	}
	return out
}

func strp(p *string) string {
	if p == nil {
		return "null"
	}
	return *p
}

const urgent = "?due_within=14d&state=overstay,pending&sort=urgency"
const urgentOrDue = "?due_within=14d&state=overstay,pending,lawful&sort=urgency"

func TestWorkingList(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		e.Clock.Set("2026-01-20")
		ids := map[string]string{}
		mk := func(ref string, h any) { ids[ref] = e.create(t, ref, "notes of "+ref, h) }
		mk("OVER", schengenStay("2025-09-02", "")) // the 90th day was 2025-11-30
		mk("ENDS-0121", schengenEnding("2026-01-21"))
		mk("ENDS-0125", schengenEnding("2026-01-25"))
		mk("ENDS-0201", schengenEnding("2026-02-01"))
		mk("ENDS-0331", schengenEnding("2026-03-31"))
		mk("PENDING", cnPending("2025-12-01", "2025-12-20", 30)) // stay until 12-31, filed in time
		mk("GONE", schengenStay("2025-10-01", "2025-10-20"))

		t.Run("today", func(t *testing.T) {
			p := e.list(t, urgent)
			if p.On != "2026-01-20" {
				t.Errorf("on %q, want the clock's 2026-01-20", p.On)
			}
			if got, want := refs(p.Items), []string{"OVER:overstay", "PENDING:pending"}; !slices.Equal(got, want) {
				t.Errorf("%s on 01-20: %v, want %v", urgent, got, want)
			}
			p = e.list(t, urgentOrDue)
			want := []string{"OVER:overstay", "PENDING:pending", "ENDS-0121:lawful", "ENDS-0125:lawful", "ENDS-0201:lawful"}
			if got := refs(p.Items); !slices.Equal(got, want) {
				t.Errorf("%s on 01-20: %v, want %v", urgentOrDue, got, want)
			}
			p = e.list(t, "")
			want = []string{"OVER:overstay", "PENDING:pending", "ENDS-0121:lawful", "ENDS-0125:lawful", "ENDS-0201:lawful", "ENDS-0331:lawful", "GONE:absent"}
			if got := refs(p.Items); !slices.Equal(got, want) {
				t.Errorf("everything on 01-20: %v, want %v", got, want)
			}
			for _, it := range p.Items {
				if it.ID != ids[it.Reference] || it.Version != 1 {
					t.Errorf("%s: id %s version %d, want %s and 1", it.Reference, it.ID, it.Version, ids[it.Reference])
				}
				switch it.Reference {
				case "ENDS-0121":
					if strp(it.AuthorizedUntil) != "2026-01-21" || strp(it.Deadline) != "2026-01-21" || it.DeadlineKind != "must_leave_by" {
						t.Errorf("ENDS-0121: %+v, want authorized_until and must_leave_by 2026-01-21", it)
					}
				case "PENDING":
					if strp(it.AuthorizedUntil) != "2025-12-31" {
						t.Errorf("PENDING: authorized_until %s, want 2025-12-31", strp(it.AuthorizedUntil))
					}
				case "GONE":
					if it.AuthorizedUntil != nil || it.Deadline != nil {
						t.Errorf("GONE: %+v, want null authorized_until and deadline", it)
					}
				}
			}
			p = e.list(t, "?state=absent")
			if got := refs(p.Items); !slices.Equal(got, []string{"GONE:absent"}) {
				t.Errorf("state=absent: %v", got)
			}
		})

		t.Run("the list follows the clock without writes", func(t *testing.T) {
			defer e.Clock.Set("2026-01-20")
			// The last day of the stay: still lawful, and due.
			e.Clock.Set("2026-01-21")
			if got, want := refs(e.list(t, urgent).Items), []string{"OVER:overstay", "PENDING:pending"}; !slices.Equal(got, want) {
				t.Errorf("on 01-21: %v, want %v", got, want)
			}
			// The day after: an overstay, after the older one.
			e.Clock.Set("2026-01-22")
			p := e.list(t, urgent)
			if p.On != "2026-01-22" {
				t.Errorf("on %q, want 2026-01-22", p.On)
			}
			if got, want := refs(p.Items), []string{"OVER:overstay", "ENDS-0121:overstay", "PENDING:pending"}; !slices.Equal(got, want) {
				t.Errorf("on 01-22: %v, want %v", got, want)
			}
			want := []string{"OVER:overstay", "ENDS-0121:overstay", "PENDING:pending", "ENDS-0125:lawful", "ENDS-0201:lawful"}
			if got := refs(e.list(t, urgentOrDue).Items); !slices.Equal(got, want) {
				t.Errorf("%s on 01-22: %v, want %v", urgentOrDue, got, want)
			}
			c := e.do("GET", "/v1/cases/"+ids["ENDS-0121"], nil).want(t, http.StatusOK).object(t)
			if str(t, c, "evaluation.state") != "overstay" || c["version"] != 1.0 {
				t.Errorf("ENDS-0121 on 01-22: state %v version %v, want overstay at version 1", c["evaluation"].(map[string]any)["state"], c["version"])
			}
		})

		t.Run("on", func(t *testing.T) {
			p := e.list(t, urgent+"&on=2026-02-02")
			if p.On != "2026-02-02" {
				t.Errorf("on %q, want 2026-02-02", p.On)
			}
			want := []string{"OVER:overstay", "ENDS-0121:overstay", "ENDS-0125:overstay", "ENDS-0201:overstay", "PENDING:pending"}
			if got := refs(p.Items); !slices.Equal(got, want) {
				t.Errorf("on=2026-02-02: %v, want %v", got, want)
			}
			// A later day in the query does not move the clock.
			if p := e.list(t, urgent); p.On != "2026-01-20" {
				t.Errorf("on %q after a query for another day, want 2026-01-20", p.On)
			}
			want = []string{"OVER:overstay", "ENDS-0121:overstay", "ENDS-0125:overstay", "ENDS-0201:overstay", "ENDS-0331:overstay", "PENDING:pending", "GONE:absent"}
			if got := refs(e.list(t, "?on=2026-04-01").Items); !slices.Equal(got, want) {
				t.Errorf("on=2026-04-01: %v, want %v", got, want)
			}
		})

		t.Run("pages", func(t *testing.T) {
			for _, q := range []string{"", urgentOrDue, "?state=lawful,absent"} {
				whole := e.list(t, q)
				if whole.NextCursor != "" {
					t.Fatalf("%s: a next_cursor on a list shorter than the default limit", q)
				}
				var walked []string
				sep := "?"
				if q != "" {
					sep = "&"
				}
				cursor := ""
				for page := 0; ; page++ {
					if page > len(whole.Items) {
						t.Fatalf("%s: more pages than items", q)
					}
					pq := q + sep + "limit=2"
					if cursor != "" {
						pq += "&cursor=" + url.QueryEscape(cursor)
					}
					p := e.list(t, pq)
					if len(p.Items) > 2 {
						t.Fatalf("%s: %d items on a page of 2", pq, len(p.Items))
					}
					for _, it := range p.Items {
						walked = append(walked, it.ID)
					}
					if p.NextCursor == "" {
						break
					}
					if len(p.Items) == 0 {
						t.Fatalf("%s: an empty page with a next_cursor", pq)
					}
					cursor = p.NextCursor
				}
				var want []string
				for _, it := range whole.Items {
					want = append(want, it.ID)
				}
				if !slices.Equal(walked, want) {
					t.Errorf("%s: pages of 2 gave %v, the whole list %v", q, walked, want)
				}
			}
		})

		t.Run("a deleted case leaves the list", func(t *testing.T) {
			e.do("DELETE", "/v1/cases/"+ids["GONE"], nil, "If-Match", `"1"`).want(t, http.StatusNoContent)
			if got := refs(e.list(t, "?state=absent").Items); len(got) != 0 {
				t.Errorf("state=absent after deleting GONE: %v", got)
			}
			if n := len(e.list(t, "").Items); n != 6 {
				t.Errorf("%d cases listed after deleting one of 7", n)
			}
		})

		t.Run("bad parameters", func(t *testing.T) {
			for _, tc := range []struct{ query, field string }{
				{"?due_within=abc", "due_within"},
				{"?due_within=-3d", "due_within"},
				{"?state=foo", "state"},
				{"?state=overstay,foo", "state"},
				{"?sort=name", "sort"},
				{"?limit=0", "limit"},
				{"?limit=501", "limit"},
				{"?limit=two", "limit"},
				{"?cursor=garbage", "cursor"},
				{"?on=2026-13-01", "on"},
				{"?on=tomorrow", "on"},
			} {
				e.do("GET", "/v1/cases"+tc.query, nil).problem(t, http.StatusUnprocessableEntity).field(t, tc.field)
			}
		})
	})
}

func TestWorkingListOldestOverstayFirst(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		// Entered on 01-10, this stay ends on 01-12: an overstay from 01-13.
		e.Clock.Set("2026-01-10")
		newer := e.create(t, "NEWER", "", schengenEnding("2026-01-12"))
		// Entered on 01-20, this case has overstayed since 2025-12-01.
		e.Clock.Set("2026-01-20")
		older := e.create(t, "OLDER", "", schengenStay("2025-09-02", ""))
		p := e.list(t, "?state=overstay&sort=urgency")
		want := []string{"OLDER:overstay", "NEWER:overstay"}
		if got := refs(p.Items); !slices.Equal(got, want) {
			t.Errorf("overstays on 01-20: %v, want %v (the overstay that began on 2025-12-01 before the one that began on 2026-01-13)", got, want)
		}
		// A write (new notes) must not make an old overstay younger.
		e.Clock.Set("2026-01-25")
		e.do("PUT", "/v1/cases/"+newer, caseBody("NEWER", "called", schengenEnding("2026-01-12")), "If-Match", `"1"`).want(t, http.StatusOK)
		e.do("PUT", "/v1/cases/"+older, caseBody("OLDER", "called", schengenStay("2025-09-02", "")), "If-Match", `"1"`).want(t, http.StatusOK)
		if got := refs(e.list(t, "?state=overstay").Items); !slices.Equal(got, want) {
			t.Errorf("overstays on 01-25 after writes: %v, want %v", got, want)
		}
	})
}

func TestWorkingListForAnEarlierDay(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		e.Clock.Set("2026-01-20")
		e.create(t, "A", "", schengenEnding("2026-03-31"))
		e.create(t, "B", "", schengenStay("2025-09-02", ""))
		today := e.list(t, "")
		if len(today.Items) != 2 {
			t.Fatalf("today: %v", refs(today.Items))
		}
		// Both cases existed on 01-15 (their histories say so). A list for
		// that day must show them, or refuse the day; not come back empty.
		r := e.do("GET", "/v1/cases?on=2026-01-15", nil)
		if r.Status == http.StatusUnprocessableEntity {
			r.problem(t, http.StatusUnprocessableEntity).field(t, "on")
			return
		}
		if got := refs(e.list(t, "?on=2026-01-15").Items); len(got) != 2 {
			t.Errorf("on=2026-01-15 (before the cases were written): %v, want both cases (A lawful, B overstay) or a 422 naming on", got)
		}
	})
}
