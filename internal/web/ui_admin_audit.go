package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"visaclock/internal/audit"
	"visaclock/internal/caseload"
)

// auditPage is how many audit entries a page shows.
const auditPage = 100

// adminAuditView is the audit log page.
type adminAuditView struct {
	Nav                  []subnavItem
	Rows                 []auditRow
	Older, Newer, Newest string // links to the pages around this one
}

type auditRow struct {
	Seq                 int64
	Day, Time, When     string
	Actor, Action, Code string
	Case, Detail        string
	Known               bool // the action has a name in the catalogue
	Person              bool // the actor is an account of the organisation
}

// adminAudit serves GET /admin/audit: the newest entries first; ?before=N
// pages back from entry N, ?after=N forward from it.
func (s *Server) adminAudit(w http.ResponseWriter, r *http.Request) error {
	pr, p := principal(r), s.printer(r)
	ctx := r.Context()
	q := r.URL.Query()
	after, err := intParam(q.Get("after"), "after", 0, 1<<62)
	if err != nil {
		return err
	}
	before, err := intParam(q.Get("before"), "before", 1, 1<<62)
	if err != nil {
		return err
	}
	read := func(after int64, limit int) ([]audit.Entry, error) { return s.Service.AuditLog(ctx, pr, after, limit) }
	var es []audit.Entry
	if q.Has("after") {
		es, err = read(int64(after), auditPage)
	} else {
		es, err = lastEntries(read, int64(before))
	}
	if err != nil {
		return err
	}
	v := &adminAuditView{Nav: adminNav(p, "/admin/audit")}
	if q.Has("after") || q.Has("before") {
		v.Newest = "/admin/audit"
	}
	if len(es) > 0 {
		first, last := es[0].Seq, es[len(es)-1].Seq
		oldest, err := read(0, 1)
		if err != nil {
			return err
		}
		if len(oldest) > 0 && oldest[0].Seq < first {
			v.Older = fmt.Sprintf("/admin/audit?before=%d", first)
		}
		if v.Newest != "" {
			newer, err := read(last, 1)
			if err != nil {
				return err
			}
			if len(newer) > 0 {
				v.Newer = fmt.Sprintf("/admin/audit?after=%d", last)
			}
		}
	}
	names := map[string]string{}
	if users, err := s.Service.Users(ctx, pr); err == nil {
		for _, u := range users {
			names[u.ID] = u.Username
		}
	} else if caseload.ErrorCode(err) != caseload.EForbidden {
		return err
	}
	// Newest first, on every page.
	for i := len(es) - 1; i >= 0; i-- {
		e := es[i]
		row := auditRow{Seq: e.Seq, Day: p.Date(s.day(e.At)), Time: e.At.In(s.location()).Format("15:04:05 MST"), When: e.At.UTC().Format(time.RFC3339),
			Actor: e.Actor, Code: e.Action, Action: e.Action, Case: e.Case, Detail: withNames(e.Detail, names)}
		if n, ok := names[e.Actor]; ok {
			row.Actor, row.Person = n, true
		}
		if _, ok := s.catalog.Message(p.Lang, "audit.action."+e.Action); ok {
			row.Action, row.Known = p.T("audit.action."+e.Action), true
		}
		v.Rows = append(v.Rows, row)
	}
	return s.render(w, r, http.StatusOK, "admin_audit", p.T("admin.audit.title"), v)
}

func (s *Server) location() *time.Location {
	if s.Service.Location != nil {
		return s.Service.Location
	}
	return time.UTC
}

// withNames writes the account ids an audit detail names ("user=u_…") as
// their usernames, where they are accounts of the organisation.
func withNames(detail string, names map[string]string) string {
	fields := strings.Fields(detail)
	for i, f := range fields {
		if id, ok := strings.CutPrefix(f, "user="); ok {
			if n, ok := names[id]; ok {
				fields[i] = "user=" + n
			}
		}
	}
	return strings.Join(fields, " ")
}

// lastEntries returns the organisation's last auditPage entries before
// sequence number before (0: the newest of all), in order, through read,
// which can only read forward from a sequence number. Sequence numbers
// are shared by every organisation, so they have gaps; the page's start is
// found by a binary search on the count after it (capped at a page),
// which costs two dozen short indexed reads where scanning the log from
// its start would cost one read per thousand entries.
func lastEntries(read func(after int64, limit int) ([]audit.Entry, error), before int64) ([]audit.Entry, error) {
	// page is the first page of entries after a and before before; full
	// reports whether it is whole, which is true up to some a and false
	// from there on.
	page := func(a int64) ([]audit.Entry, error) {
		es, err := read(a, auditPage)
		if err != nil {
			return nil, err
		}
		if before > 0 {
			es = slices.DeleteFunc(es, func(e audit.Entry) bool { return e.Seq >= before })
		}
		return es, nil
	}
	full := func(a int64) (bool, error) {
		es, err := page(a)
		return len(es) == auditPage, err
	}
	es, err := page(0)
	if err != nil || len(es) < auditPage {
		return es, err
	}
	// full(lo) holds and full(hi) does not.
	lo, hi := int64(0), before-1
	if before == 0 {
		for hi = 2 * auditPage; ; lo, hi = hi, hi*2 {
			ok, err := full(hi)
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
		}
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, err := full(mid)
		if err != nil {
			return nil, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return page(lo)
}
