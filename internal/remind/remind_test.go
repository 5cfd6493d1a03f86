package remind_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"visaclock/internal/caseload"
	"visaclock/internal/date"
	"visaclock/internal/packs"
	"visaclock/internal/remind"
	"visaclock/internal/remind/remindtest"
	"visaclock/internal/sqlstore"
	"visaclock/internal/sqlstore/sqlstoretest"
	"visaclock/internal/stay"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

var today = date.MustParse("2026-06-15")

func TestRemindersSQLite(t *testing.T) {
	testReminders(t, sqlstoretest.SQLite(t), false, 1)
}

func TestRemindersPostgres(t *testing.T) {
	testReminders(t, sqlstoretest.Postgres(t, "remind"), true, 1)
}

// TestRemindersTwoServersPostgres runs two senders, as two servers do, on
// one database: both run the daily pass and both send, and each reminder
// still arrives once.
func TestRemindersTwoServersPostgres(t *testing.T) {
	testReminders(t, sqlstoretest.Postgres(t, "remind2"), false, 2)
}

// world is an organisation with one caseworker who chose reminders by
// e-mail and webhook, and 200 UK visitors assigned to them who entered on
// each of the 200 days before today, so that today some deadline falls
// 30, 14, 7 and 1 days ahead and one case starts to overstay.
type world struct {
	svc    *caseload.Service
	user   string
	secret string
	ids    map[string]string // case id → reference
}

const identity = "Zhang Wei"

func newWorld(t *testing.T, st *sqlstore.Store, clk *clock, email, hook string) *world {
	t.Helper()
	ctx := context.Background()
	reg, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	svc, err := caseload.New(caseload.Config{Store: st, Lookup: reg.Lookup, Now: clk.Now, Keys: sqlstoretest.Keyring()})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.CreateOrg(ctx, "acme", "Acme"); err != nil {
		t.Fatal(err)
	}
	admin := caseload.System("acme")
	u, err := svc.CreateUser(ctx, admin, caseload.UserInput{Username: "wei", Password: "correct horse battery staple", Role: caseload.RoleCaseworker})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{svc: svc, user: u.ID, ids: map[string]string{}}
	for i := range 200 {
		c := &caseload.Case{Reference: fmt.Sprintf("R-%03d", i), Assignee: u.ID, History: stay.History{
			Grants: []stay.Grant{{ID: "visit", Rule: "uk-standard-visitor"}},
			Trips:  []stay.Trip{{Entry: today.AddDays(-i)}},
		}}
		c.Identity = &caseload.Identity{Name: identity}
		if err := svc.Create(ctx, admin, c); err != nil {
			t.Fatal(err)
		}
		w.ids[c.ID] = c.Reference
	}
	p, err := svc.PrincipalOf(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	w.secret, err = svc.SetReminders(ctx, p, caseload.ReminderSettings{Email: email, WebhookURL: hook, Offsets: []int{30, 14, 7, 1}, Overstay: true, Lang: "en"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(w.secret, "whsec_") {
		t.Fatalf("secret %q", w.secret)
	}
	return w
}

// expected is what is due today, worked out from the calendar (the
// deadlines 30, 14, 7 and 1 days ahead) and from each case's own
// evaluation (the overstay that starts today), per channel.
func (w *world) expected(t *testing.T) map[string]caseload.Reminder {
	ctx := context.Background()
	p, err := w.svc.PrincipalOf(ctx, w.user)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := w.svc.CalendarEntries(ctx, p, today)
	if err != nil {
		t.Fatal(err)
	}
	var due []caseload.CalendarEntry
	for _, e := range entries {
		if slices.Contains([]int{30, 14, 7, 1}, e.Date.Sub(today)) {
			due = append(due, e)
		}
	}
	for id := range w.ids {
		c, err := w.svc.Get(ctx, p, id)
		if err != nil {
			t.Fatal(err)
		}
		rd, err := w.svc.Read(ctx, c)
		if err != nil || rd.Evaluation == nil {
			t.Fatal(err)
		}
		if ev := rd.Evaluation; ev.State == stay.StateOverstay && ev.Since == today {
			due = append(due, caseload.CalendarEntry{CaseID: id, Reference: w.ids[id], Kind: caseload.ReminderOverstay, Date: today})
		}
	}
	out := map[string]caseload.Reminder{}
	for _, e := range due {
		off := e.Date.Sub(today)
		for _, ch := range []string{caseload.ChannelEmail, caseload.ChannelWebhook} {
			k := caseload.ReminderKey(w.user, e.CaseID, e.Kind, e.Date, off, ch)
			out[k] = caseload.Reminder{Key: k, CaseID: e.CaseID, Reference: e.Reference, Kind: e.Kind, Date: e.Date, Offset: off, Channel: ch}
		}
	}
	return out
}

func testReminders(t *testing.T, st *sqlstore.Store, implicitTLS bool, servers int) {
	ctx := context.Background()
	clk := &clock{now: time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC)}
	mail := remindtest.NewSMTP(t, implicitTLS)
	hook := remindtest.NewReceiver(t)
	w := newWorld(t, st, clk, "wei@example.org", hook.URL)
	hook.SetSecret(w.secret)
	want := w.expected(t)
	kinds := map[int]bool{}
	for _, r := range want {
		kinds[r.Offset] = true
	}
	if len(kinds) != 5 {
		t.Fatalf("the cases give reminders %d days ahead; the test needs 30, 14, 7, 1 and the overstay (0)", len(kinds))
	}
	// One webhook fails once: River tries it again, and it is logged as
	// sent on the second attempt.
	var retried string
	for k, r := range want {
		if r.Channel == caseload.ChannelWebhook && r.Offset == 7 {
			retried = k
			hook.FailOnce(k)
			break
		}
	}
	security := "starttls"
	if implicitTLS {
		security = "tls"
	}
	reg, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	var senders []*remind.Sender
	for i := range servers {
		svc, sst := w.svc, st
		if i > 0 {
			if sst, err = sqlstore.Open(ctx, st.DSN(), sqlstore.Options{Keys: sqlstoretest.Keyring()}); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { sst.Close() })
			if svc, err = caseload.New(caseload.Config{Store: sst, Lookup: reg.Lookup, Now: clk.Now, Keys: sqlstoretest.Keyring()}); err != nil {
				t.Fatal(err)
			}
		}
		s, err := remind.New(remind.Config{Service: svc, Store: sst, BaseURL: "https://visaclock.example/",
			SMTP:    remind.SMTP{Addr: mail.Addr, Security: security, From: "visaclock@example.org", RootCAs: mail.Pool},
			Timeout: 5 * time.Second, Holder: fmt.Sprintf("server-%d", i), PrivateWebhooks: true})
		if err != nil {
			t.Fatal(err)
		}
		senders = append(senders, s)
	}
	// The servers' daily passes race; together they queue each reminder once.
	var queued sync.WaitGroup
	counts := make([]int, servers)
	for i, s := range senders {
		queued.Go(func() {
			n, err := s.Pass(ctx)
			if err != nil {
				t.Error(err)
			}
			counts[i] = n
		})
	}
	queued.Wait()
	if total := sum(counts); total != len(want) {
		t.Fatalf("the passes queued %v, %d in all; want %d", counts, total, len(want))
	}
	for _, s := range senders {
		if n, err := s.Pass(ctx); err != nil || n != 0 {
			t.Fatalf("a second pass the same day queued %d, %v; want 0", n, err)
		}
		if err := s.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			s.Stop(sctx)
		})
	}
	wait, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		logs, err := st.ReminderLogs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sent := 0
		for _, l := range logs {
			if !l.Sent.IsZero() {
				sent++
			}
		}
		if len(logs) != len(want) {
			t.Fatalf("%d reminders logged, want %d", len(logs), len(want))
		}
		if sent == len(want) {
			for _, l := range logs {
				wantAttempts := 1
				if l.Key == retried {
					wantAttempts = 2
				}
				if l.Attempts != wantAttempts || !l.Sent.Equal(clk.Now()) {
					t.Errorf("log %s: attempts %d, sent %s; want %d, %s", l.Key, l.Attempts, l.Sent, wantAttempts, clk.Now())
				}
			}
			break
		}
		if wait.Err() != nil {
			t.Fatalf("%d of %d reminders sent after 60 s", sent, len(want))
		}
		time.Sleep(50 * time.Millisecond)
	}

	got := map[string]int{}
	for _, m := range mail.Mails() {
		key, _, _ := strings.Cut(strings.Trim(m.MessageID, "<>"), "@")
		got[key]++
		r, ok := want[key]
		if !ok || r.Channel != caseload.ChannelEmail {
			t.Errorf("unexpected mail %s", m.MessageID)
			continue
		}
		if m.To != "wei@example.org" || m.From != "visaclock@example.org" {
			t.Errorf("mail %s from %s to %s", key, m.From, m.To)
		}
		checkContent(t, key, m.Header.Get("Subject")+"\n"+string(m.Body), r)
	}
	ds, bad := hook.Deliveries()
	if bad != 0 {
		t.Errorf("%d webhooks with a bad signature", bad)
	}
	for _, d := range ds {
		got[d.Key]++
		r, ok := want[d.Key]
		if !ok || r.Channel != caseload.ChannelWebhook {
			t.Errorf("unexpected webhook %s", d.Key)
			continue
		}
		if d.Payload["key"] != d.Key || d.Payload["case_id"] != r.CaseID || d.Payload["date"] != r.Date.String() || d.Payload["days_before"] != float64(r.Offset) {
			t.Errorf("webhook %s: payload %v", d.Key, d.Payload)
		}
		if d.Timestamp != fmt.Sprint(clk.Now().Unix()) {
			t.Errorf("webhook %s: timestamp %s", d.Key, d.Timestamp)
		}
		checkContent(t, d.Key, string(d.Body), r)
	}
	for k := range want {
		if got[k] != 1 {
			t.Errorf("reminder %s (%s) arrived %d times, want once", k, want[k].Channel, got[k])
		}
	}
}

// checkContent checks that a reminder names the case's reference and
// links to it, and never names the person.
func checkContent(t *testing.T, key, text string, r caseload.Reminder) {
	t.Helper()
	for _, s := range []string{r.Reference, "https://visaclock.example/cases/" + r.CaseID} {
		if !strings.Contains(text, s) {
			t.Errorf("reminder %s lacks %q:\n%s", key, s, text)
		}
	}
	if strings.Contains(text, "[remind.") || strings.Contains(text, "[action.") {
		t.Errorf("reminder %s has an untranslated message:\n%s", key, text)
	}
	if strings.Contains(text, identity) || strings.Contains(text, "Zhang") {
		t.Errorf("reminder %s names the person:\n%s", key, text)
	}
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// TestRemindersFollowTheAccount checks that reminders follow the account
// as it is when they are sent: a channel dropped after queueing is not
// used, a disabled account is owed none, and a viewer (no calendar) may
// not choose any.
func TestRemindersFollowTheAccount(t *testing.T) {
	ctx := context.Background()
	st := sqlstoretest.SQLite(t)
	clk := &clock{now: time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC)}
	mail := remindtest.NewSMTP(t, false)
	hook := remindtest.NewReceiver(t)
	w := newWorld(t, st, clk, "wei@example.org", hook.URL)
	hook.SetSecret(w.secret)
	want := w.expected(t)
	s, err := remind.New(remind.Config{Service: w.svc, Store: st, BaseURL: "https://visaclock.example",
		SMTP: remind.SMTP{Addr: mail.Addr, From: "visaclock@example.org", RootCAs: mail.Pool}, Timeout: 5 * time.Second, PrivateWebhooks: true})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.Pass(ctx); err != nil || n != len(want) {
		t.Fatalf("Pass = %d, %v; want %d", n, err, len(want))
	}
	// The e-mail is dropped before the queue runs: only webhooks go out.
	p, err := w.svc.PrincipalOf(ctx, w.user)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.SetReminders(ctx, p, caseload.ReminderSettings{WebhookURL: hook.URL, Offsets: []int{30, 14, 7, 1}, Overstay: true, Lang: "ko"}, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Stop(sctx)
	})
	wait, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		ds, _ := hook.Deliveries()
		if len(ds) == len(want)/2 {
			break
		}
		if wait.Err() != nil {
			t.Fatalf("%d webhooks after 60 s, want %d", len(ds), len(want)/2)
		}
		time.Sleep(50 * time.Millisecond)
	}
	ds, _ := hook.Deliveries()
	for _, d := range ds {
		if !strings.Contains(d.Payload["text"].(string), "사건 ") {
			t.Errorf("webhook %s is not in Korean, the language chosen since: %q", d.Key, d.Payload["text"])
		}
	}
	if n := len(mail.Mails()); n != 0 {
		t.Errorf("%d mails after the address was dropped", n)
	}

	// A disabled account is owed nothing.
	admin := caseload.System("acme")
	u, err := w.svc.Account(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.UpdateUser(ctx, admin, w.user, []int64{u.Version}, caseload.UserInput{Username: u.Username, Role: u.Role, Disabled: true}); err != nil {
		t.Fatal(err)
	}
	if due, err := w.svc.DueReminders(ctx); err != nil || len(due) != 0 {
		t.Errorf("a disabled account is owed %d reminders (%v), want none", len(due), err)
	}

	// A viewer has no calendar, so no reminders.
	v, err := w.svc.CreateUser(ctx, admin, caseload.UserInput{Username: "viewer", Password: "correct horse battery staple", Role: caseload.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	vp, err := w.svc.PrincipalOf(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.SetReminders(ctx, vp, caseload.ReminderSettings{Email: "v@example.org", Lang: "en"}, false); caseload.ErrorCode(err) != caseload.EForbidden {
		t.Errorf("a viewer chose reminders: %v, want forbidden", err)
	}
}
