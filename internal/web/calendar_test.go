package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// vevent is one event of a feed.
type vevent struct {
	UID, Start, Summary string
	Triggers            []string
}

// parseFeed unfolds an iCalendar feed and returns its events.
func parseFeed(t *testing.T, body []byte) []vevent {
	t.Helper()
	text := string(body)
	if !strings.HasPrefix(text, "BEGIN:VCALENDAR\r\n") || !strings.HasSuffix(text, "END:VCALENDAR\r\n") {
		t.Fatalf("not an iCalendar feed with CRLF lines:\n%s", text)
	}
	text = strings.ReplaceAll(text, "\r\n ", "")
	var out []vevent
	var cur *vevent
	for _, line := range strings.Split(text, "\r\n") {
		switch {
		case line == "BEGIN:VEVENT":
			out = append(out, vevent{})
			cur = &out[len(out)-1]
		case line == "END:VEVENT":
			cur = nil
		case cur == nil:
		case strings.HasPrefix(line, "UID:"):
			cur.UID = strings.TrimPrefix(line, "UID:")
		case strings.HasPrefix(line, "DTSTART;VALUE=DATE:"):
			cur.Start = strings.TrimPrefix(line, "DTSTART;VALUE=DATE:")
		case strings.HasPrefix(line, "SUMMARY:"):
			cur.Summary = strings.TrimPrefix(line, "SUMMARY:")
		case strings.HasPrefix(line, "TRIGGER:"):
			cur.Triggers = append(cur.Triggers, strings.TrimPrefix(line, "TRIGGER:"))
		}
	}
	return out
}

func TestCalendar(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		const secret = "secret-note-77: lives with her aunt at 12 Rue X"
		// Lawful until 2026-03-31.
		schengen := e.create(t, "CAL-S", secret, schengenStay("2026-01-01", ""))
		// A 30-day family visit from 2026-01-05: filing closes on 01-28, the stay ends on 02-04.
		cn := e.create(t, "CAL-CN", secret, map[string]any{
			"grants": []any{map[string]any{"id": "q2", "rule": "cn-family-visit", "stay_days": 30}},
			"trips":  []any{map[string]any{"entry": "2026-01-05"}},
		})

		// The deadlines the cases' own evaluations give.
		type dl struct{ start, summary string }
		titles := map[string]string{"must_leave_by": "must leave by", "extension_filing_closes": "extension filing closes"}
		var want []dl
		for ref, id := range map[string]string{"CAL-S": schengen, "CAL-CN": cn} {
			c := e.do("GET", "/v1/cases/"+id, nil).want(t, http.StatusOK).object(t)
			ds, _ := jsonPath(c, "evaluation.deadlines")
			for _, d := range ds.([]any) {
				m := d.(map[string]any)
				want = append(want, dl{strings.ReplaceAll(m["date"].(string), "-", ""), ref + ": " + titles[m["kind"].(string)]})
			}
		}
		slices.SortFunc(want, func(a, b dl) int { return strings.Compare(a.start+a.summary, b.start+b.summary) })
		if wantNow := []dl{{"20260128", "CAL-CN: extension filing closes"}, {"20260204", "CAL-CN: must leave by"}, {"20260331", "CAL-S: must leave by"}}; !slices.Equal(want, wantNow) {
			t.Fatalf("the cases' deadlines are %v, want %v", want, wantNow)
		}

		tok := e.do("POST", "/v1/calendar-tokens", nil).want(t, http.StatusCreated).object(t)
		tokID, feedURL := str(t, tok, "id"), str(t, tok, "url")
		if !strings.HasPrefix(feedURL, "/v1/calendar.ics?token=") || len(feedURL) < len("/v1/calendar.ics?token=")+20 {
			t.Fatalf("calendar url %q", feedURL)
		}
		if tokID == "" || strings.Contains(feedURL, tokID) {
			t.Errorf("token id %q, url %q: the id must be there and must not be the secret", tokID, feedURL)
		}

		fetch := func() []vevent {
			t.Helper()
			r := e.do("GET", feedURL, nil).want(t, http.StatusOK)
			if mt := r.mediaType(); mt != "text/calendar" {
				t.Errorf("Content-Type %q, want text/calendar", r.Header.Get("Content-Type"))
			}
			if strings.Contains(string(r.Body), "secret-note-77") {
				t.Errorf("the feed carries the notes:\n%s", r.Body)
			}
			if n := strings.Count(string(r.Body), "BEGIN:VEVENT"); n != len(want) {
				t.Errorf("%d VEVENTs, want %d", n, len(want))
			}
			return parseFeed(t, r.Body)
		}
		first := fetch()
		var got []dl
		for _, ev := range first {
			got = append(got, dl{ev.Start, ev.Summary})
			if !slices.Equal(ev.Triggers, []string{"-P7D", "-P1D"}) {
				t.Errorf("event %q: triggers %v, want -P7D and -P1D", ev.Summary, ev.Triggers)
			}
			if ev.UID == "" {
				t.Errorf("event %q has no UID", ev.Summary)
			}
		}
		slices.SortFunc(got, func(a, b dl) int { return strings.Compare(a.start+a.summary, b.start+b.summary) })
		if !slices.Equal(got, want) {
			t.Errorf("feed events %v, want %v", got, want)
		}
		uids := func(evs []vevent) []string {
			var out []string
			for _, ev := range evs {
				out = append(out, ev.UID)
			}
			slices.Sort(out)
			return out
		}
		if u := uids(first); len(slices.Compact(slices.Clone(u))) != len(u) {
			t.Errorf("UIDs repeat: %v", u)
		}
		// Stable across fetches, and across days while the deadlines stand.
		if a, b := uids(first), uids(fetch()); !slices.Equal(a, b) {
			t.Errorf("UIDs changed between two fetches: %v then %v", a, b)
		}
		e.Clock.Set("2026-01-12")
		if a, b := uids(first), uids(fetch()); !slices.Equal(a, b) {
			t.Errorf("UIDs changed when the day changed: %v then %v", a, b)
		}

		t.Run("wrong tokens", func(t *testing.T) {
			e.do("GET", "/v1/calendar.ics?token=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", nil).problem(t, http.StatusNotFound)
			e.do("GET", "/v1/calendar.ics", nil).problem(t, http.StatusNotFound)
			e.do("GET", feedURL+"x", nil).problem(t, http.StatusNotFound)
			e.do("GET", "/v1/calendar.ics?token="+tokID, nil).problem(t, http.StatusNotFound)
		})

		t.Run("revoke", func(t *testing.T) {
			other := e.do("POST", "/v1/calendar-tokens", nil).want(t, http.StatusCreated).object(t)
			if str(t, other, "url") == feedURL || str(t, other, "id") == tokID {
				t.Fatalf("two tokens alike: %v and %v", tok, other)
			}
			r := e.do("DELETE", "/v1/calendar-tokens/"+tokID, nil).want(t, http.StatusNoContent)
			if len(r.Body) != 0 {
				t.Errorf("204 with a body: %s", r.Body)
			}
			e.do("GET", feedURL, nil).problem(t, http.StatusNotFound)
			// The other token still works.
			e.do("GET", str(t, other, "url"), nil).want(t, http.StatusOK)
			e.do("DELETE", "/v1/calendar-tokens/cal_nosuchtoken", nil).problem(t, http.StatusNotFound)
		})

		t.Run("a deleted case leaves the feed", func(t *testing.T) {
			feed := e.do("POST", "/v1/calendar-tokens", nil).want(t, http.StatusCreated).object(t)
			e.do("DELETE", "/v1/cases/"+cn, nil, "If-Match", `"1"`).want(t, http.StatusNoContent)
			evs := parseFeed(t, e.do("GET", str(t, feed, "url"), nil).want(t, http.StatusOK).Body)
			if len(evs) != 1 || evs[0].Summary != "CAL-S: must leave by" {
				t.Errorf("after deleting CAL-CN the feed has %v, want only CAL-S's deadline", evs)
			}
		})
	})
}

// TestCalendarHasEveryDeadline: a US admission ends on the day the I-539
// must be filed by; both deadlines fall on one day and both belong in the
// feed.
func TestCalendarHasEveryDeadline(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		id := e.create(t, "US-1", "", map[string]any{
			"grants": []any{map[string]any{"id": "b2", "rule": "us-visitor", "admit_until": "2026-03-02"}},
			"trips":  []any{map[string]any{"entry": "2026-01-01"}},
		})
		c := e.do("GET", "/v1/cases/"+id, nil).want(t, http.StatusOK).object(t)
		ds, _ := jsonPath(c, "evaluation.deadlines")
		var want []string
		for _, d := range ds.([]any) {
			m := d.(map[string]any)
			want = append(want, fmt.Sprintf("%s-%s-%s@visaclock", id, m["kind"], m["date"]))
		}
		if len(want) != 2 {
			t.Fatalf("the evaluation's deadlines are %v; want must_leave_by and extension_filing_closes on 2026-03-02", want)
		}
		tok := e.do("POST", "/v1/calendar-tokens", nil).want(t, http.StatusCreated).object(t)
		var uids []string
		for _, ev := range parseFeed(t, e.do("GET", str(t, tok, "url"), nil).want(t, http.StatusOK).Body) {
			uids = append(uids, ev.UID)
		}
		for _, w := range want {
			if !slices.Contains(uids, w) {
				t.Errorf("the feed lacks the deadline %s the case's evaluation gives; feed UIDs: %v", w, uids)
			}
		}
	})
}
