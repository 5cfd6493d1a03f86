package web

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"visaclock/internal/calendar"
	"visaclock/internal/casefile"
	"visaclock/internal/caseload"
	"visaclock/internal/date"
	"visaclock/internal/document"
	"visaclock/internal/stay"
)

// readBody reads the (size-limited) request body.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, err
		}
		return nil, errStatus(http.StatusBadRequest, "bad request", "", "the body could not be read")
	}
	return b, nil
}

// invalid turns a decoding or validation error into a 422 naming the field.
func invalid(err error, prefix string) error {
	var de *document.Error
	if errors.As(err, &de) {
		field := de.Path
		if prefix != "" {
			field = strings.TrimSuffix(prefix+"."+field, ".")
		}
		return &caseload.Error{Code: caseload.EInvalid, Field: field, Msg: de.Msg}
	}
	var fe *stay.FieldError
	if errors.As(err, &fe) {
		return &caseload.Error{Code: caseload.EInvalid, Field: fe.Path, Msg: fe.Msg}
	}
	return err
}

// evaluate answers POST /v1/evaluate: the body is a history document, the
// answer what `visaclock check --json` prints.
func (s *Server) evaluate(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	c, err := casefile.ParseJSON(body, s.Packs.Lookup, s.Service.Today())
	if err != nil {
		return invalid(err, "")
	}
	ev := evaluations.Get().(*stay.Evaluation)
	defer evaluations.Put(ev)
	c.EvaluateInto(ev, c.History.AsOf)
	b, err := ev.MarshalJSON()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write(append(b, '\n'))
	return err
}

// evaluations reuses Evaluation buffers across requests, which keeps the
// garbage collector out of the way under load.
var evaluations = sync.Pool{New: func() any { return new(stay.Evaluation) }}

type planRequest struct {
	History stay.History `json:"history"`
	Enter   date.Date    `json:"enter"`
	Grant   string       `json:"grant"`
}

// plan answers POST /v1/plan as `visaclock plan --json` does.
func (s *Server) plan(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var req planRequest
	if _, err := document.Decode(body, &req); err != nil {
		return invalid(err, "")
	}
	if req.History.AsOf == 0 {
		req.History.AsOf = s.Service.Today()
	}
	pl, err := stay.PlanEntry(&req.History, s.Packs.Lookup, req.Enter, req.Grant)
	if err != nil {
		var fe *stay.FieldError
		if errors.As(err, &fe) && fe.Path != "enter" && fe.Path != "grant" {
			return &caseload.Error{Code: caseload.EInvalid, Field: "history." + fe.Path, Msg: fe.Msg}
		}
		return invalid(err, "")
	}
	b, err := pl.MarshalJSON()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write(append(b, '\n'))
	return err
}

type ruleJSON struct {
	ID           string `json:"id"`
	Version      string `json:"version"`
	Title        string `json:"title"`
	Jurisdiction string `json:"jurisdiction"`
	Source       string `json:"source"`
}

func (s *Server) listRules(w http.ResponseWriter, r *http.Request) error {
	out := []ruleJSON{}
	for _, id := range s.Packs.IDs() {
		f, _ := s.Packs.File(id)
		out = append(out, ruleJSON{f.ID, f.Version, f.Title, f.Jurisdiction, f.Source})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"rules": out})
}

// caseInput is the body of POST and PUT /v1/cases.
type caseInput struct {
	Reference string       `json:"reference"`
	Notes     string       `json:"notes"`
	History   stay.History `json:"history"`
	// Identity is optional; on PUT, leaving it out keeps the stored one,
	// and an empty object removes it.
	Identity *caseload.Identity `json:"identity"`
	// Assignee and Team, when left out, keep the stored ones (on PUT) or
	// are the creator's (on POST).
	Assignee *string `json:"assignee"`
	Team     *string `json:"team"`
	// Closed closes (true) or reopens (false) the case; left out, it
	// stays as it is.
	Closed *bool `json:"closed"`
}

type caseJSON struct {
	ID        string        `json:"id"`
	Reference string        `json:"reference"`
	Notes     string        `json:"notes"`
	History   *stay.History `json:"history"`
	// Identity is masked unless ?reveal=identity was asked, and allowed.
	Identity   any              `json:"identity"`
	Revealed   bool             `json:"identity_revealed"`
	Assignee   string           `json:"assignee,omitempty"`
	Team       string           `json:"team,omitempty"`
	Closed     *time.Time       `json:"closed"`
	Version    int64            `json:"version"`
	Created    time.Time        `json:"created"`
	Updated    time.Time        `json:"updated"`
	Evaluation *stay.Evaluation `json:"evaluation"`
	// EvaluationError says why evaluation is null.
	EvaluationError string `json:"evaluation_error,omitempty"`
}

// decodeBody decodes a JSON body strictly into v, naming the field at
// fault.
func decodeBody(r *http.Request, v any) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	if _, err := document.Decode(body, v); err != nil {
		return invalid(err, "")
	}
	return nil
}

// intParam reads an optional integer query parameter.
func intParam(v, name string, lo, hi int) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, &caseload.Error{Code: caseload.EInvalid, Field: name, Msg: fmt.Sprintf("a whole number from %d to %d", lo, hi)}
	}
	return n, nil
}

func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// ifMatch returns the versions a write is conditional on: the ETags listed
// in If-Match, compared strongly (RFC 9110 13.1.1), or none for "*" (any
// current version). Writes must send it, so that no update is lost.
func ifMatch(r *http.Request) ([]int64, error) {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "" {
		return nil, errStatus(http.StatusPreconditionRequired, "precondition required", "If-Match", "send If-Match with the ETag of the case you are changing")
	}
	if v == "*" {
		return nil, nil
	}
	var versions []int64
	for _, tag := range strings.Split(v, ",") {
		tag = strings.TrimSpace(tag)
		n, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(tag, `"`), `"`), 10, 63)
		if err != nil || n < 1 || len(tag) < 3 || tag[0] != '"' || tag[len(tag)-1] != '"' {
			continue // weak or foreign tags never match strongly
		}
		versions = append(versions, int64(n))
	}
	if len(versions) == 0 {
		return nil, errStatus(http.StatusPreconditionFailed, "precondition failed", "If-Match", "not a current strong ETag of this case")
	}
	return versions, nil
}

// writeCase answers with the case, its identity masked, or in clear when
// the request asks ?reveal=identity and the principal may see it (which is
// audited).
func (s *Server) writeCase(w http.ResponseWriter, r *http.Request, status int, c *caseload.Case) error {
	out := caseJSON{ID: c.ID, Reference: c.Reference, Notes: c.Notes, History: &c.History,
		Assignee: c.Assignee, Team: c.Team, Version: c.Version, Created: c.Created, Updated: c.Updated}
	if !c.Closed.IsZero() {
		out.Closed = &c.Closed
	}
	switch v := r.URL.Query().Get("reveal"); v {
	case "":
		m, err := s.Service.Masked(r.Context(), c)
		if err != nil {
			return err
		}
		if m != nil {
			out.Identity = m
		}
	case "identity":
		id, err := s.Service.Reveal(r.Context(), principal(r), c)
		if err != nil {
			return err
		}
		if id != nil {
			out.Identity = id
		}
		out.Revealed = true
	default:
		return &caseload.Error{Code: caseload.EInvalid, Field: "reveal", Msg: fmt.Sprintf("%q is not accepted; accepted: identity", v)}
	}
	// A case stays readable when it cannot be evaluated any more, as when a
	// rule pack it uses is no longer loaded; the reason says why.
	h, err := s.Service.EngineHistory(r.Context(), c) // with the sealed birth date, unaudited: not shown
	if err != nil {
		return err
	}
	if sc, err := stay.Prepare(&h, s.Packs.Lookup); err != nil {
		out.EvaluationError = "history." + err.Error()
	} else {
		out.Evaluation = sc.Evaluate(s.Service.Today())
	}
	w.Header().Set("ETag", etag(c.Version))
	return writeJSON(w, status, out)
}

func decodeCase(r *http.Request) (*caseInput, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	var in caseInput
	if _, err := document.Decode(body, &in); err != nil {
		return nil, invalid(err, "")
	}
	return &in, nil
}

// noReveal refuses ?reveal on a write: the permission to reveal is checked
// against the stored case, and a write must not land before a refusal.
func noReveal(r *http.Request) error {
	if r.URL.Query().Has("reveal") {
		return &caseload.Error{Code: caseload.EInvalid, Field: "reveal", Msg: "reveal is for GET /v1/cases/{id}; writes answer with the identity masked"}
	}
	return nil
}

func (s *Server) createCase(w http.ResponseWriter, r *http.Request) error {
	if err := noReveal(r); err != nil {
		return err
	}
	in, err := decodeCase(r)
	if err != nil {
		return err
	}
	c := &caseload.Case{Reference: in.Reference, Notes: in.Notes, History: in.History, Identity: in.Identity}
	if in.Assignee != nil {
		c.Assignee = *in.Assignee
	}
	if in.Team != nil {
		c.Team = *in.Team
	}
	if in.Closed != nil && *in.Closed {
		c.Closed = s.Service.Now().UTC().Truncate(time.Microsecond)
	}
	if err := s.Service.Create(r.Context(), principal(r), c); err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/cases/"+c.ID)
	return s.writeCase(w, r, http.StatusCreated, c)
}

// caseID returns the {id} of the request, or a 404 for text that is no id
// this server gives out (ids are "c_" and lower-case base32), before it
// reaches a database.
func caseID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !caseload.ValidID(id, "c_") {
		return "", caseload.ErrNotFound
	}
	return id, nil
}

func (s *Server) getCase(w http.ResponseWriter, r *http.Request) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	c, err := s.Service.Get(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	// No 304 for If-None-Match: the ETag is the case's version, for If-Match,
	// while the answer carries today's evaluation, which changes daily.
	return s.writeCase(w, r, http.StatusOK, c)
}

func (s *Server) putCase(w http.ResponseWriter, r *http.Request) error {
	if err := noReveal(r); err != nil {
		return err
	}
	versions, err := ifMatch(r)
	if err != nil {
		return err
	}
	in, err := decodeCase(r)
	if err != nil {
		return err
	}
	id, err := caseID(r)
	if err != nil {
		return err
	}
	now := s.Service.Now().UTC().Truncate(time.Microsecond)
	c, err := s.Service.UpdateMatching(r.Context(), principal(r), id, versions, "case", func(c *caseload.Case) error {
		c.Reference, c.Notes, c.History = in.Reference, in.Notes, in.History
		if in.Identity != nil {
			c.Identity = in.Identity
		}
		if in.Assignee != nil {
			c.Assignee = *in.Assignee
		}
		if in.Team != nil {
			c.Team = *in.Team
		}
		switch {
		case in.Closed == nil:
		case !*in.Closed:
			c.Closed = time.Time{}
		case c.Closed.IsZero():
			c.Closed = now
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.writeCase(w, r, http.StatusOK, c)
}

func (s *Server) deleteCase(w http.ResponseWriter, r *http.Request) error {
	versions, err := ifMatch(r)
	if err != nil {
		return err
	}
	id, err := caseID(r)
	if err != nil {
		return err
	}
	version := int64(0)
	if len(versions) > 0 {
		// Delete the version listed that is current, if any is.
		c, err := s.Service.Get(r.Context(), principal(r), id)
		if err != nil {
			return err
		}
		if !slices.Contains(versions, c.Version) {
			return caseload.ErrConflict
		}
		version = c.Version
	}
	if err := s.Service.Delete(r.Context(), principal(r), id, version); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// part gives uniform access to the lists inside a history: grants, trips
// and extensions, addressed by position.
type part struct {
	name string
	len  func(h *stay.History) int
	// set decodes body into position i (i == len appends); del removes i.
	set func(h *stay.History, i int, body []byte) error
	del func(h *stay.History, i int)
}

func listPart[T any](name string, get func(h *stay.History) *[]T) part {
	return part{
		name: name,
		len:  func(h *stay.History) int { return len(*get(h)) },
		set: func(h *stay.History, i int, body []byte) error {
			var v T
			if _, err := document.Decode(body, &v); err != nil {
				return invalid(err, fmt.Sprintf("history.%s[%d]", name, i))
			}
			l := get(h)
			if i == len(*l) {
				*l = append(*l, v)
			} else {
				(*l)[i] = v
			}
			return nil
		},
		del: func(h *stay.History, i int) {
			l := get(h)
			*l = append((*l)[:i], (*l)[i+1:]...)
		},
	}
}

var parts = map[string]part{
	"grants":     listPart("grants", func(h *stay.History) *[]stay.Grant { return &h.Grants }),
	"trips":      listPart("trips", func(h *stay.History) *[]stay.Trip { return &h.Trips }),
	"extensions": listPart("extensions", func(h *stay.History) *[]stay.Extension { return &h.Extensions }),
}

func partOf(r *http.Request) (part, error) {
	p, ok := parts[r.PathValue("part")]
	if !ok {
		return part{}, errStatus(http.StatusNotFound, "not found", "", "no such part of a case; accepted: grants, trips, extensions")
	}
	return p, nil
}

func index(r *http.Request, p part, h *stay.History) (int, error) {
	v := r.PathValue("n")
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n >= p.len(h) || v != strconv.Itoa(n) {
		return 0, errStatus(http.StatusNotFound, "not found", "", "no %s at position %s", p.name, r.PathValue("n"))
	}
	return n, nil
}

// changePart runs a conditional update of one part of a case.
func (s *Server) changePart(w http.ResponseWriter, r *http.Request, status int, change func(p part, h *stay.History, body []byte) error) error {
	if err := noReveal(r); err != nil {
		return err
	}
	p, err := partOf(r)
	if err != nil {
		return err
	}
	versions, err := ifMatch(r)
	if err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	id, err := caseID(r)
	if err != nil {
		return err
	}
	c, err := s.Service.UpdateMatching(r.Context(), principal(r), id, versions, p.name, func(c *caseload.Case) error {
		return change(p, &c.History, body)
	})
	if err != nil {
		return err
	}
	return s.writeCase(w, r, status, c)
}

func (s *Server) addPart(w http.ResponseWriter, r *http.Request) error {
	return s.changePart(w, r, http.StatusCreated, func(p part, h *stay.History, body []byte) error {
		return p.set(h, p.len(h), body)
	})
}

func (s *Server) putPart(w http.ResponseWriter, r *http.Request) error {
	return s.changePart(w, r, http.StatusOK, func(p part, h *stay.History, body []byte) error {
		i, err := index(r, p, h)
		if err != nil {
			return err
		}
		return p.set(h, i, body)
	})
}

func (s *Server) deletePart(w http.ResponseWriter, r *http.Request) error {
	return s.changePart(w, r, http.StatusOK, func(p part, h *stay.History, _ []byte) error {
		i, err := index(r, p, h)
		if err != nil {
			return err
		}
		p.del(h, i)
		return nil
	})
}

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
	f := caseload.Filter{On: s.Service.Today(), Limit: 50, Cursor: q.Get("cursor")}
	if v := q.Get("on"); v != "" {
		d, err := date.Parse(v)
		if err != nil {
			return &caseload.Error{Code: caseload.EInvalid, Field: "on", Msg: err.Error()}
		}
		if d < f.On {
			return &caseload.Error{Code: caseload.EInvalid, Field: "on", Msg: fmt.Sprintf("the working list is kept from today (%s) on; ask for today or a later day, or evaluate a case's history for an earlier one", f.On)}
		}
		f.On = d
	}
	if v := q.Get("due_within"); v != "" {
		digits := strings.TrimSuffix(v, "d")
		n, err := strconv.Atoi(digits)
		if err != nil || n < 0 || n > 3660 || digits != strconv.Itoa(n) {
			return &caseload.Error{Code: caseload.EInvalid, Field: "due_within", Msg: fmt.Sprintf("%q is not a number of days such as 14d (0–3660)", v)}
		}
		f.Due, f.DueWithin = true, n
	}
	if v := q.Get("state"); v != "" {
		for _, st := range strings.Split(v, ",") {
			switch s := stay.State(st); s {
			case stay.StateOverstay, stay.StatePending, stay.StateLawful, stay.StateAbsent:
				f.States = append(f.States, s)
			default:
				return &caseload.Error{Code: caseload.EInvalid, Field: "state", Msg: fmt.Sprintf("%q is not a state; accepted: overstay, pending, lawful, absent", st)}
			}
		}
	}
	if v := q.Get("sort"); v != "" && v != "urgency" {
		return &caseload.Error{Code: caseload.EInvalid, Field: "sort", Msg: fmt.Sprintf("%q is not accepted; accepted: urgency", v)}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return &caseload.Error{Code: caseload.EInvalid, Field: "limit", Msg: "a number from 1 to 500"}
		}
		f.Limit = n
	}
	var items []caseload.ListItem
	var next string
	var err error
	if q.Has("passport") {
		return &caseload.Error{Code: caseload.EInvalid, Field: "passport", Msg: "a passport number does not go in a URL, which proxies and browsers keep; POST it to /v1/cases/lookup"}
	}
	items, next, err = s.Service.List(r.Context(), principal(r), f)
	if err != nil {
		return err
	}
	return writeList(w, f.On, items, next)
}

func writeList(w http.ResponseWriter, on date.Date, items []caseload.ListItem, next string) error {
	out := listJSON{On: on, Items: []itemJSON{}, NextCursor: next}
	for _, it := range items {
		out.Items = append(out.Items, itemJSON{it.ID, it.Reference, it.Name, it.State, datePtr(it.AuthorizedUntil), datePtr(it.Deadline), it.DeadlineKind, it.Version})
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

func (s *Server) createCalendarToken(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.Can(caseload.PermCalendar) {
		return caseload.ErrForbidden
	}
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	token := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
	id, err := s.Service.CreateCalendarToken(r.Context(), p, hashToken(token))
	if err != nil {
		return err
	}
	// The token is shown this once; only its hash is kept.
	return writeJSON(w, http.StatusCreated, map[string]string{"id": id, "url": "/v1/calendar.ics?token=" + token})
}

func (s *Server) revokeCalendarToken(w http.ResponseWriter, r *http.Request) error {
	if !caseload.ValidID(r.PathValue("id"), "cal_") {
		return errStatus(http.StatusNotFound, "not found", "", "no such calendar token")
	}
	if err := s.Service.RevokeCalendarToken(r.Context(), principal(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

var deadlineTitles = map[string]string{
	stay.FilingOpens:                        "extension filing opens",
	stay.FilingCloses:                       "extension filing closes",
	stay.MustLeaveBy:                        "must leave by",
	stay.LeaveToAvoidBar:                    "leave to avoid a re-entry bar",
	stay.ReceiptExpires:                     "acceptance receipt runs out",
	stay.MustLeaveBy + "." + stay.IfRefused: "if the application is refused, leave by",
}

// calendar serves the deadlines of the cases the token's account may see
// in a calendar, as iCalendar, with the account's permissions as they are
// now: a disabled or demoted account's feed empties or stops. Events carry
// the case reference only.
func (s *Server) calendar(w http.ResponseWriter, r *http.Request) error {
	token := r.URL.Query().Get("token")
	if token == "" {
		return errStatus(http.StatusNotFound, "not found", "", "no such calendar")
	}
	notFound := errStatus(http.StatusNotFound, "not found", "", "no such calendar")
	_, user, err := s.Service.Store.FindCalendarToken(r.Context(), hashToken(token))
	if err != nil {
		if caseload.ErrorCode(err) == caseload.ENotFound {
			return notFound
		}
		return err
	}
	p, err := s.Service.PrincipalOf(r.Context(), user)
	if err != nil {
		if code := caseload.ErrorCode(err); code == caseload.ENotFound || code == caseload.EUnauthenticated {
			return notFound
		}
		return err
	}
	today := s.Service.Today()
	entries, err := s.Service.CalendarEntries(r.Context(), p, today.AddDays(-30))
	if err != nil {
		if caseload.ErrorCode(err) == caseload.EForbidden {
			return notFound
		}
		return err
	}
	feed := calendar.Feed{Name: "visaclock deadlines", Stamp: s.Service.Now().UTC().Truncate(time.Second)}
	for _, e := range entries {
		title := deadlineTitles[e.Kind]
		if title == "" {
			title = e.Kind
		}
		feed.Events = append(feed.Events, calendar.Event{
			UID:     fmt.Sprintf("%s-%s-%s@visaclock", e.CaseID, e.Kind, e.Date),
			Date:    e.Date,
			Summary: e.Reference + ": " + title,
		})
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Cache-Control", "private, no-store")
	return feed.Write(w)
}

// openapi serves the API description.
func (s *Server) openapi(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(openAPIDoc)
	return err
}
