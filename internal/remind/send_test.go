package remind

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"visaclock/internal/caseload"
	"visaclock/internal/date"
	"visaclock/internal/i18n"
)

// TestCompose checks a reminder's words in each language: the reference,
// the deadline as an instruction, how far ahead, and the link.
func TestCompose(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	leave := caseload.Reminder{Key: "rmd_1", CaseID: "c_1", Reference: "FV-7", Kind: "must_leave_by", Date: date.MustParse("2026-09-30"), Offset: 7}
	tomorrow := leave
	tomorrow.Offset = 1
	over := caseload.Reminder{Key: "rmd_2", CaseID: "c_2", Reference: "FV-8", Kind: caseload.ReminderOverstay, Date: date.MustParse("2026-09-23")}
	for _, c := range []struct {
		lang          i18n.Lang
		r             caseload.Reminder
		subject, text string
	}{
		{i18n.English, leave, "FV-7: Leave by 30 Sep 2026", "Case FV-7: Leave by 30 Sep 2026. That is in 7 days.\n\nOpen the case: https://v.example/cases/c_1\n\n"},
		{i18n.English, tomorrow, "FV-7: Leave by 30 Sep 2026", "Case FV-7: Leave by 30 Sep 2026. That is tomorrow.\n"},
		{i18n.English, over, "FV-8: overstaying from 23 Sep 2026", "Case FV-8 starts to overstay today, 23 Sep 2026.\n\nOpen the case: https://v.example/cases/c_2\n"},
		{i18n.Chinese, leave, "FV-7：", "案件 FV-7：" + cat.Printer(i18n.Chinese).T("action.must_leave_by", "date", "2026年9月30日") + "。还有 7 天。\n\n打开案件：https://v.example/cases/c_1\n"},
		{i18n.Korean, over, "FV-8: 2026년 9월 23일부터 초과 체류", "사건 FV-8은(는) 오늘(2026년 9월 23일)부터 초과 체류입니다.\n"},
	} {
		m := compose(cat.Printer(c.lang), c.r, "https://v.example")
		if !strings.HasPrefix(m.Subject, c.subject) || !strings.HasPrefix(m.Text, c.text) || strings.Contains(m.Text, "[") {
			t.Errorf("%s %s:\nsubject %q\ntext %q\nwant subject %q, text starting %q", c.lang, c.r.Kind, m.Subject, m.Text, c.subject, c.text)
		}
	}
	// The mail: the key in the Message-ID, the subject encoded, the text
	// quoted-printable, dated by the clock given.
	m := compose(cat.Printer(i18n.Chinese), over, "https://v.example")
	raw := string(m.mail("visaclock@example.org", "wei@example.org", over.Key, time.Date(2026, 9, 23, 8, 0, 0, 0, time.UTC)))
	for _, want := range []string{"Message-ID: <rmd_2@example.org>\r\n", "Subject: =?utf-8?q?", "Date: Wed, 23 Sep 2026 08:00:00 +0000\r\n",
		"Content-Transfer-Encoding: quoted-printable\r\n", "To: wei@example.org\r\n"} {
		if !strings.Contains(raw, want) {
			t.Errorf("the mail lacks %q:\n%s", want, raw)
		}
	}
}

// TestWebhookPublicOnly checks that, unless allowed, a webhook cannot
// reach a loopback or private address, even by a name that resolves to
// one, and that a redirect is not followed.
func TestWebhookPublicOnly(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/hook", http.StatusTemporaryRedirect)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	target := func(url string) caseload.ReminderTarget {
		return caseload.ReminderTarget{WebhookURL: url, Secret: []byte("s")}
	}
	m := message{r: caseload.Reminder{Key: "rmd_1"}}
	now := time.Date(2026, 9, 23, 8, 0, 0, 0, time.UTC)
	for _, url := range []string{srv.URL + "/hook", "http://localhost:" + port + "/hook", "http://10.0.0.1:" + port + "/hook", "http://[::1]:" + port + "/hook"} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := postWebhook(ctx, webhookClient(false), target(url), m, now)
		cancel()
		if err == nil || !strings.Contains(err.Error(), "not a public address") {
			t.Errorf("%s: %v; want refused as not public", url, err)
		}
	}
	if hits != 0 {
		t.Errorf("%d requests reached the private server", hits)
	}
	if err := postWebhook(context.Background(), webhookClient(true), target(srv.URL+"/hook"), m, now); err != nil {
		t.Errorf("allowed private: %v", err)
	}
	if err := postWebhook(context.Background(), webhookClient(true), target(srv.URL+"/moved"), m, now); err == nil || !strings.Contains(err.Error(), "307") {
		t.Errorf("a redirect: %v; want it refused, not followed", err)
	}
	if hits != 2 {
		t.Errorf("%d requests, want 2 (the redirect not followed)", hits)
	}
}
