package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"visaclock/internal/caseload"
	"visaclock/internal/date"
	"visaclock/internal/i18n"
	"visaclock/internal/stay"
	"visaclock/internal/wording"
)

// dashRow is one case on the dashboard.
type dashRow struct {
	ID, Reference, Name string
	State               stay.State
	StateWord           string
	Left                string // days left, or days overstayed
	Action, ActionDate  string
	Stale               bool // awaits re-evaluation under changed rule packs
	// Household and HouseholdLabel are the case's household, if any.
	Household, HouseholdLabel string
}

type dashGroup struct {
	Key, Title, Class string
	Rows              []dashRow
	Blocks            []dashBlock // Rows, a household's members together
}

type dashView struct {
	Groups      []dashGroup
	Search      []dashRow
	Q           string
	Within      int
	States      map[string]bool
	Count       int
	More        bool
	Lookup      bool   // a passport lookup's results
	LookupError string // beside the passport field
	CanList     bool
	Cursor      string
	NextLink    string
	// CSVLink downloads the list shown, with its filters, as CSV;
	// CSVIdentities the same with the people in clear, for those who may
	// see every identity in their list.
	CSVLink, CSVIdentities string
}

// stateWord is a state as the UI says it; colour never says it alone.
func stateWord(p *i18n.Printer, st stay.State) string { return p.T("state." + string(st)) }

func (s *Server) row(p *i18n.Printer, today date.Date, it caseload.ListItem) dashRow {
	r := dashRow{ID: it.ID, Reference: it.Reference, Name: it.Name, State: it.State, StateWord: stateWord(p, it.State), Stale: it.Stale,
		Household: it.Household, HouseholdLabel: it.HouseholdLabel}
	switch it.State {
	case stay.StateLawful:
		if it.AuthorizedUntil != 0 {
			r.Left = p.N("days_left", it.AuthorizedUntil.Sub(today))
		}
	case stay.StateOverstay:
		if it.Since != 0 {
			r.Left = p.N("days_over", today.Sub(it.Since)+1)
		}
	case stay.StatePending:
		r.Left = p.T("dash.waiting")
	}
	if it.Deadline != 0 {
		r.Action = wording.Deadline(p, it.DeadlineKind, it.Deadline)
		r.ActionDate = it.Deadline.String()
	}
	return r
}

// dashboard serves GET /: the working list by urgency, with filters and a
// search by reference.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) error {
	pr := principal(r)
	p := s.printer(r)
	today := s.Service.Today()
	q := r.URL.Query()
	v := dashView{Within: 30, States: map[string]bool{}, Q: strings.TrimSpace(q.Get("q")), CanList: pr.Can(caseload.PermCaseList)}
	if !v.CanList {
		return s.render(w, r, http.StatusOK, "dashboard", p.T("dash.title"), v)
	}
	switch q.Get("within") {
	case "7":
		v.Within = 7
	case "14":
		v.Within = 14
	case "", "30":
	default:
		return &caseload.Error{Code: caseload.EInvalid, Field: "within", Msg: "7, 14 or 30"}
	}
	f := caseload.Filter{On: today, Due: true, DueWithin: v.Within, Limit: 200, Cursor: q.Get("cursor")}
	for _, st := range q["state"] {
		switch x := stay.State(st); x {
		case stay.StateOverstay, stay.StatePending, stay.StateLawful, stay.StateAbsent:
			v.States[string(x)] = true
			f.States = append(f.States, x)
		default:
			return &caseload.Error{Code: caseload.EInvalid, Field: "state", Msg: "overstay, pending, lawful or absent"}
		}
	}
	if v.Q != "" {
		items, err := s.Service.Search(r.Context(), pr, v.Q, 100)
		if err != nil {
			return err
		}
		for _, it := range items {
			v.Search = append(v.Search, s.row(p, today, it))
		}
		v.Count = len(items)
		return s.render(w, r, http.StatusOK, "dashboard", p.T("dash.title"), v)
	}
	items, next, err := s.Service.List(r.Context(), pr, f)
	if err != nil {
		return err
	}
	groups := []dashGroup{
		{Key: "overstay", Title: p.T("dash.group.overstay"), Class: "overstay"},
		{Key: "pending", Title: p.T("dash.group.pending"), Class: "pending"},
		{Key: "7", Title: p.T("dash.group.within", "n", 7), Class: "soon"},
		{Key: "14", Title: p.T("dash.group.within", "n", 14), Class: "later"},
		{Key: "30", Title: p.T("dash.group.within", "n", 30), Class: "later"},
	}
	// A household's members are shown together, in the group of the most
	// urgent of them, each with its own state.
	items = householdsTogether(items)
	groupOf := map[string]int{}
	for _, it := range items {
		g := 4
		if hg, ok := groupOf[it.Household]; ok && it.Household != "" {
			groups[hg].Rows = append(groups[hg].Rows, s.row(p, today, it))
			continue
		}
		switch {
		case it.State == stay.StateOverstay:
			g = 0
		case it.State == stay.StatePending:
			g = 1
		case it.Deadline != 0 && it.Deadline.Sub(today) <= 7:
			g = 2
		case it.Deadline != 0 && it.Deadline.Sub(today) <= 14:
			g = 3
		}
		groups[g].Rows = append(groups[g].Rows, s.row(p, today, it))
		groupOf[it.Household] = g
	}
	for _, g := range groups {
		g.Blocks = householdBlocks(g.Rows)
		if len(g.Rows) > 0 && (g.Key != "14" || v.Within >= 14) && (g.Key != "30" || v.Within >= 30) {
			v.Groups = append(v.Groups, g)
		}
	}
	v.Count, v.More, v.Cursor = len(items), next != "", next
	v.CSVLink = csvLink(v)
	if pr.RevealsList() {
		v.CSVIdentities = v.CSVLink + "&identities=1"
	}
	if next != "" {
		nq := r.URL.Query()
		nq.Set("cursor", next)
		v.NextLink = "/?" + nq.Encode()
	}
	return s.render(w, r, http.StatusOK, "dashboard", p.T("dash.title"), v)
}

// lookupForm serves POST /cases/lookup: a passport number, posted so that
// it stays out of every URL.
func (s *Server) lookupForm(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errStatus(http.StatusBadRequest, "bad request", "", "the form could not be read")
	}
	pr, p := principal(r), s.printer(r)
	today := s.Service.Today()
	v := dashView{Within: 30, States: map[string]bool{}, CanList: pr.Can(caseload.PermCaseList), Lookup: true}
	items, _, err := s.Service.FindByPassport(r.Context(), pr, r.PostForm.Get("passport"), caseload.Filter{On: today, Limit: 50})
	if err != nil {
		if caseload.ErrorCode(err) == caseload.EInvalid {
			v.Lookup, v.LookupError = false, p.T("dash.lookup_invalid")
			return s.render(w, r, http.StatusUnprocessableEntity, "dashboard", p.T("dash.title"), v)
		}
		return err
	}
	for _, it := range items {
		v.Search = append(v.Search, s.row(p, today, it))
	}
	v.Count = len(items)
	return s.render(w, r, http.StatusOK, "dashboard", p.T("dash.title"), v)
}

// csvLink is the CSV export of the list the dashboard shows: the same
// filters, with a byte order mark, since people open it in a spreadsheet.
func csvLink(v dashView) string {
	q := url.Values{"due_within": {strconv.Itoa(v.Within) + "d"}, "bom": {"1"}}
	var states []string
	for _, st := range []string{"overstay", "pending", "lawful", "absent"} {
		if v.States[st] {
			states = append(states, st)
		}
	}
	if len(states) > 0 {
		q.Set("state", strings.Join(states, ","))
	}
	return "/v1/cases.csv?" + q.Encode()
}
