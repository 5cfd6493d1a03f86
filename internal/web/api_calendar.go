package web

import (
	"fmt"
	"net/http"
	"time"
	"visaclock/internal/calendar"
	"visaclock/internal/caseload"
	"visaclock/internal/stay"
)

func (s *Server) createCalendarToken(w http.ResponseWriter, r *http.Request) error {
	id, token, err := s.Service.IssueCalendarToken(r.Context(), principal(r))
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
	notFound := errStatus(http.StatusNotFound, "not found", "", "no such calendar")
	p, err := s.Service.CalendarOwner(r.Context(), r.URL.Query().Get("token"))
	if err != nil {
		if caseload.ErrorCode(err) == caseload.ENotFound {
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
