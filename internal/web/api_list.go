package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"visaclock/internal/caseload"
	"visaclock/internal/date"
	"visaclock/internal/stay"
)

type listJSON struct {
	On         date.Date  `json:"on"`
	Items      []itemJSON `json:"items"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

type itemJSON struct {
	ID              string     `json:"id"`
	Reference       string     `json:"reference"`
	Name            string     `json:"name,omitempty"` // masked
	State           stay.State `json:"state"`
	AuthorizedUntil *date.Date `json:"authorized_until"`
	Deadline        *date.Date `json:"deadline"`
	DeadlineKind    string     `json:"deadline_kind,omitempty"`
	Version         int64      `json:"version"`
	// Stale: the case was evaluated with other rule packs than the loaded
	// ones and awaits re-evaluation; its state and place are the earlier
	// rules' until then.
	Stale bool `json:"stale,omitempty"`
	// Household and HouseholdLabel are the case's household, if any.
	Household      string `json:"household,omitempty"`
	HouseholdLabel string `json:"household_label,omitempty"`
}

func item(it caseload.ListItem) itemJSON {
	return itemJSON{it.ID, it.Reference, it.Name, it.State, datePtr(it.AuthorizedUntil), datePtr(it.Deadline), it.DeadlineKind, it.Version, it.Stale,
		it.Household, it.HouseholdLabel}
}

func datePtr(d date.Date) *date.Date {
	if d == 0 {
		return nil
	}
	return &d
}

// listCases serves the working list:
// GET /v1/cases?due_within=14d&state=overstay,pending&sort=urgency.
func (s *Server) listCases(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f, err := listFilter(q, s.Service.Today())
	if err != nil {
		return err
	}
	f.Limit, f.Cursor = 50, q.Get("cursor")
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return &caseload.Error{Code: caseload.EInvalid, Field: "limit", Msg: "a number from 1 to 500"}
		}
		f.Limit = n
	}
	items, next, err := s.Service.List(r.Context(), principal(r), f)
	if err != nil {
		return err
	}
	return writeList(w, f.On, items, next)
}

// listFilter reads the working list's filters, which the list and its CSV
// export share: on, due_within, state and sort.
func listFilter(q url.Values, today date.Date) (caseload.Filter, error) {
	f := caseload.Filter{On: today}
	if v := q.Get("on"); v != "" {
		d, err := date.Parse(v)
		if err != nil {
			return f, &caseload.Error{Code: caseload.EInvalid, Field: "on", Msg: err.Error()}
		}
		if d < f.On {
			return f, &caseload.Error{Code: caseload.EInvalid, Field: "on", Msg: fmt.Sprintf("the working list is kept from today (%s) on; ask for today or a later day, or evaluate a case's history for an earlier one", f.On)}
		}
		f.On = d
	}
	if v := q.Get("due_within"); v != "" {
		digits := strings.TrimSuffix(v, "d")
		n, err := strconv.Atoi(digits)
		if err != nil || n < 0 || n > 3660 || digits != strconv.Itoa(n) {
			return f, &caseload.Error{Code: caseload.EInvalid, Field: "due_within", Msg: fmt.Sprintf("%q is not a number of days such as 14d (0–3660)", v)}
		}
		f.Due, f.DueWithin = true, n
	}
	if v := q.Get("state"); v != "" {
		for _, st := range strings.Split(v, ",") {
			switch s := stay.State(st); s {
			case stay.StateOverstay, stay.StatePending, stay.StateLawful, stay.StateAbsent:
				f.States = append(f.States, s)
			default:
				return f, &caseload.Error{Code: caseload.EInvalid, Field: "state", Msg: fmt.Sprintf("%q is not a state; accepted: overstay, pending, lawful, absent", st)}
			}
		}
	}
	if v := q.Get("sort"); v != "" && v != "urgency" {
		return f, &caseload.Error{Code: caseload.EInvalid, Field: "sort", Msg: fmt.Sprintf("%q is not accepted; accepted: urgency", v)}
	}
	if q.Has("passport") {
		return f, &caseload.Error{Code: caseload.EInvalid, Field: "passport", Msg: "a passport number does not go in a URL, which proxies and browsers keep; POST it to /v1/cases/lookup"}
	}
	return f, nil
}

func writeList(w http.ResponseWriter, on date.Date, items []caseload.ListItem, next string) error {
	out := listJSON{On: on, Items: []itemJSON{}, NextCursor: next}
	for _, it := range items {
		out.Items = append(out.Items, item(it))
	}
	return writeJSON(w, http.StatusOK, out)
}

// lookup answers POST /v1/cases/lookup: the cases whose passport number is
// the one in the body, found through the blind index. The number travels
// in the body, so that no URL, access log or browser history keeps it.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Passport string `json:"passport"`
	}
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	f := caseload.Filter{On: s.Service.Today(), Limit: 50}
	items, next, err := s.Service.FindByPassport(r.Context(), principal(r), in.Passport, f)
	if err != nil {
		return err
	}
	return writeList(w, f.On, items, next)
}
