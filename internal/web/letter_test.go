package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"visaclock/internal/audit"
	"visaclock/internal/caseload"
)

// auditOf returns the organisation's audit entries with action.
func auditOf(t *testing.T, e *apiEnv, action string) []audit.Entry {
	t.Helper()
	es, err := e.Server.Service.AuditLog(context.Background(), e.Admin, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Entry
	for _, x := range es {
		if x.Action == action {
			out = append(out, x)
		}
	}
	return out
}

// newViewer makes a viewer account and returns it with a token of every
// permission a viewer has.
func newViewer(t *testing.T, e *apiEnv, name string) (caseload.Principal, string) {
	t.Helper()
	u, err := e.Server.Service.CreateUser(context.Background(), e.Admin, caseload.UserInput{Username: name, Password: testPassword, Role: caseload.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	p := caseload.Principal{User: u.ID, Org: u.Org, Role: u.Role}
	return p, e.tokenFor(p, caseload.Permissions...)
}

// reportCase is a family visit under the pack that encodes a 2019 press
// report, whose evaluation carries the report's disagreements with the
// statute as notes, in English.
var reportCase = map[string]any{
	"grants": []any{map[string]any{"id": "q2", "rule": "cn-family-visit-2019-report"}},
	"trips":  []any{map[string]any{"entry": "2026-05-01"}},
}

// TestStatusLetter reads the status letter of the seeded caseload on both
// stores: in each language, with the state, the last lawful day, the next
// actions, the deadlines, the rules with their citations, the organisation
// and the day it was prepared; the identity only when asked for by someone
// who may reveal it, which the audit log records as a reveal.
func TestStatusLetter(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		ids := seedCaseload(t, e)
		b := newBrowser(t, e)
		b.login("admin", testPassword)
		fv := "/cases/" + ids["FV-2026-014"]
		b.get(fv).want(t, http.StatusOK).contains(t, `<a href="`+fv+`/letter">Printable status letter</a>`)

		for _, tc := range []struct {
			lang, htmlLang string
			want           []string
		}{
			{"en", "en", []string{"<h1 id=\"letter-h\">Status letter</h1>", "Prepared on 20 Jun 2026", "NGO default",
				`<dd id="letter-ref">FV-2026-014</dd>`, "Lawful until 19 Jul 2026, 29 days left",
				`<span id="letter-last-day">19 Jul 2026 (29 days left)</span>`,
				"File an extension application by 12 Jul 2026", "File an extension by 12 Jul 2026",
				`<time datetime="2026-07-19">19 Jul 2026</time>`, "EEAL Art. 29(2)", "Extension</td>",
				"PRC stay visa for family visits (Q2 / S2)", `href="/static/letter.css"`}},
			{"zh", "zh-Hans", []string{"停留状况说明", "出具日期：2026年6月20日", "可合法停留至2026年7月19日，还剩29天",
				`<span id="letter-last-day">2026年7月19日（还剩29天）</span>`,
				"《中华人民共和国出境入境管理法》第二十九条第二款", "延长停留期限</td>", "探亲停留签证（Q2／S2）"}},
			{"ko", "ko", []string{"체류 상황 확인서", "작성일: 2026년 6월 20일", "2026년 7월 19일까지 합법 체류 가능(29일 남음)",
				`<span id="letter-last-day">2026년 7월 19일 (29일 남음)</span>`, "EEAL Art. 29(2)", "근거는 규정 자료에 있는 그대로 영어로 옮겼습니다.",
				"중국 친척 방문 사증(Q2 / S2)"}},
			{"ko-KP", "ko-KP", []string{"체류 상황 확인서", "작성일: 2026년 6월 20일"}},
		} {
			r := b.get(fv+"/letter?lang="+tc.lang).want(t, http.StatusOK).complete(t)
			r.contains(t, append(tc.want, `<html lang="`+tc.htmlLang+`">`)...)
			for _, secret := range []string{"Ri Chol-su", "PX7734521", "1958"} {
				if strings.Contains(r.Body, secret) {
					t.Errorf("%s: the letter shows %q without being asked", tc.lang, secret)
				}
			}
			if tc.lang != "en" && (strings.Contains(r.Body, "Status letter") || strings.Contains(r.Body, "Last lawful day")) {
				t.Errorf("%s: the letter is partly in English", tc.lang)
			}
		}
		// The print stylesheet: one A4 page without the app around it.
		css := b.get("/static/letter.css").want(t, http.StatusOK)
		css.contains(t, "@page { size: A4;", "@media print", ".top, .foot, .skip, .screen-only { display: none !important; }")

		// Other states: an overstay's last lawful day has passed; a
		// pending application's stay stays lawful.
		b.get("/cases/"+ids["FV-2026-009"]+"/letter?lang=en").want(t, http.StatusOK).complete(t).contains(t,
			`<span class="badge overstay">Overstay</span>`, `<span id="letter-last-day">31 May 2026 (passed)</span>`)
		b.get("/cases/"+ids["FV-2026-011"]+"/letter?lang=en").want(t, http.StatusOK).complete(t).contains(t,
			`<span id="letter-last-day">the authorised stay ended on 17 Jun 2026; the stay remains lawful while the application is pending.</span>`,
			"Acceptance receipt</td>", "Regulations Art. 13(1)")

		// A report pack: said in the reader's language, and its notes,
		// which exist in English only, marked as quoted in English.
		rp := e.create(t, "RP-1", "", reportCase)
		if nobody := b.get("/cases/"+rp+"/letter").want(t, http.StatusOK).contains(t, "RP-1"); strings.Contains(nobody.Body, "reveal=identity") {
			t.Error("the letter of a case without an identity offers to name the person")
		}
		b.get("/cases/"+rp+"/letter?lang=zh").want(t, http.StatusOK).complete(t).contains(t,
			"这些规则依据实务情况报告，而非法律条文。", "以下内容引自规则包，仅有英文。", `<ul class="letter-notes" lang="en"><li>Total extension:`)
		if en := b.get("/cases/"+rp+"/letter?lang=en").want(t, http.StatusOK); strings.Contains(en.Body, "Quoted from the rule pack") ||
			!strings.Contains(en.Body, "These rules are taken from a report of practice, not from the law.") {
			t.Error("an English letter of a report pack says its notes are quoted in English, or not that it follows a report")
		}

		// The identity, asked for: shown, and audited as a reveal.
		before := len(auditOf(t, e, "identity.reveal"))
		b.get(fv+"/letter?lang=en").want(t, http.StatusOK).contains(t, `?lang=en&amp;reveal=identity">Name the person in the letter`)
		if n := len(auditOf(t, e, "identity.reveal")); n != before {
			t.Errorf("a letter without the identity added %d reveals to the audit log", n-before)
		}
		r := b.get(fv+"/letter?reveal=identity&lang=zh").want(t, http.StatusOK).complete(t)
		r.contains(t, "<dd>Ri Chol-su</dd>", "<dd>PX7734521</dd>", "<dd>PRK</dd>", "<dd>1958年9月9日</dd>", "不写明当事人身份")
		reveals := auditOf(t, e, "identity.reveal")
		if len(reveals) != before+1 {
			t.Fatalf("%d reveals after a named letter, want %d", len(reveals), before+1)
		}
		if got := reveals[len(reveals)-1]; got.Case != ids["FV-2026-014"] || got.Detail != "letter" || got.Actor != e.Admin.User {
			t.Errorf("the letter's reveal is audited as %+v", got)
		}

		// A viewer reads the letter of a case assigned to them, without
		// the identity and without the offer of it; asking for it is
		// refused and reveals nothing.
		viewer, _ := newViewer(t, e, "reader")
		vid := str(t, e.do("POST", "/v1/cases", withIdentity(map[string]any{"reference": "V-1", "assignee": viewer.User,
			"history": schengenEnding("2026-07-01")}, map[string]any{"name": "Kim Su-ryon"})).want(t, http.StatusCreated).object(t), "id")
		vb := newBrowser(t, e)
		vb.login("reader", testPassword)
		vr := vb.get("/cases/"+vid+"/letter").want(t, http.StatusOK).complete(t)
		vr.contains(t, "V-1", "Leave by 1 Jul 2026")
		if strings.Contains(vr.Body, "reveal=identity") || strings.Contains(vr.Body, "Kim Su-ryon") {
			t.Error("a viewer's letter offers or shows the identity")
		}
		before = len(auditOf(t, e, "identity.reveal"))
		vb.get("/cases/"+vid+"/letter?reveal=identity").want(t, http.StatusForbidden)
		if n := len(auditOf(t, e, "identity.reveal")); n != before {
			t.Errorf("a refused reveal was audited %d times", n-before)
		}
		// A case out of the viewer's reach is not found.
		vb.get(fv+"/letter").want(t, http.StatusNotFound)

		// Bad parameters are refused, by name.
		b.get(fv+"/letter?lang=fr").want(t, http.StatusUnprocessableEntity)
		b.get(fv+"/letter?reveal=all").want(t, http.StatusUnprocessableEntity)
		b.get("/cases/c_0000000000000000000000000/letter").want(t, http.StatusNotFound)

		// The language the address names does not follow the switcher.
		b.get(fv+"/letter?lang=zh").want(t, http.StatusOK).contains(t, `<input type="hidden" name="next" value="`+fv+`/letter">`)
	})
}
