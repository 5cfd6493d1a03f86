package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"visaclock/internal/caseload"
	"visaclock/internal/remind/remindtest"
	"visaclock/internal/sqlstore"
	"visaclock/internal/stay"
)

// TestRemindersSurviveKill9 runs the real server with a real SMTP server
// (STARTTLS) and a real webhook receiver, kills it with SIGKILL while a
// mail is being sent (the message has reached the server, which has not
// yet acknowledged it), starts it again, and counts: every reminder queued
// arrived, and the only repeats are of reminders in flight at the kill,
// each with its original Message-ID or Idempotency-Key.
func TestRemindersSurviveKill9(t *testing.T) {
	ctx := context.Background()
	bin := buildBinary(t)
	data := t.TempDir()
	mail := remindtest.NewSMTP(t, false)
	hook := remindtest.NewReceiver(t)

	sf := storeFlags{data: data}
	a, err := sf.openApp(ctx, testNow, appOptions{}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Service.CreateOrg(ctx, caseload.DefaultOrg, "default"); err != nil {
		t.Fatal(err)
	}
	admin := caseload.System(caseload.DefaultOrg)
	u, err := a.Service.CreateUser(ctx, admin, caseload.UserInput{Username: "wei", Password: "correct horse battery staple", Role: caseload.RoleCaseworker})
	if err != nil {
		t.Fatal(err)
	}
	today := a.Service.Today()
	// UK visitors who entered on each of the 400 days before today, in
	// two teams of references: each day ahead some deadline falls due.
	for i := range 400 {
		c := &caseload.Case{Reference: fmt.Sprintf("K-%03d", i), Assignee: u.ID, History: stay.History{
			Grants: []stay.Grant{{ID: "visit", Rule: "uk-standard-visitor"}},
			Trips:  []stay.Trip{{Entry: today.AddDays(-i / 2)}},
		}}
		if err := a.Service.Create(ctx, admin, c); err != nil {
			t.Fatal(err)
		}
	}
	p, err := a.Service.PrincipalOf(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := a.Service.SetReminders(ctx, p, caseload.ReminderSettings{Email: "wei@example.org", WebhookURL: hook.URL,
		Offsets: []int{30, 14, 7, 1}, Overstay: true, Lang: "zh"}, false)
	if err != nil {
		t.Fatal(err)
	}
	hook.SetSecret(secret)
	a.Close()

	// The fifth mail reaches the server, which holds its answer until the
	// sender is dead.
	var mu sync.Mutex
	held, killed := make(chan remindtest.Mail, 1), make(chan struct{})
	count := 0
	mail.Hold(func(m remindtest.Mail) {
		mu.Lock()
		count++
		n := count
		mu.Unlock()
		if n == 5 {
			held <- m
			<-killed
		}
	})
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", data, "--url", "https://visaclock.test",
			"--smtp-addr", mail.Addr, "--smtp-ca", mail.CAFile, "--smtp-from", "visaclock@example.org", "--reminder-timeout", "5s", "--webhook-private")
		cmd.Stderr, cmd.Stdout = io.Discard, io.Discard
		cmd.Env = append(os.Environ(), "VISACLOCK_TEST_TODAY="+testToday.String())
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill() })
		return cmd
	}
	cmd := start()
	var inFlight remindtest.Mail
	select {
	case inFlight = <-held:
	case <-time.After(60 * time.Second):
		t.Fatal("no fifth mail within 60 s")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	mail.Hold(nil)
	close(killed)

	st, err := sqlstore.Open(ctx, data+"/visaclock.db", sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	logs, err := st.ReminderLogs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, l := range logs {
		want[l.Key] = true
	}
	if len(want) < 20 {
		t.Fatalf("%d reminders queued; the test needs more", len(want))
	}
	before := len(mail.Mails())
	t.Logf("killed after %d of %d mails and webhooks", before, len(want))

	cmd = start()
	arrived := func() (map[string]int, []remindtest.Mail, []remindtest.Delivery) {
		got := map[string]int{}
		ms := mail.Mails()
		for _, m := range ms {
			key, _, _ := strings.Cut(strings.Trim(m.MessageID, "<>"), "@")
			got[key]++
		}
		ds, _ := hook.Deliveries()
		for _, d := range ds {
			got[d.Key]++
		}
		return got, ms, ds
	}
	deadline := time.After(120 * time.Second)
	for {
		got, _, _ := arrived()
		done := 0
		for k := range want {
			if got[k] > 0 {
				done++
			}
		}
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
		// The sends in flight at the kill are rescued once they have run
		// for twice --reminder-timeout, and logged when sent again.
		if done == len(want) && sent == len(want) {
			break
		}
		select {
		case <-deadline:
			t.Fatalf("%d of %d reminders arrived and %d logged as sent 120 s after the restart", done, len(want), sent)
		case <-time.After(100 * time.Millisecond):
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()

	got, ms, ds := arrived()
	repeats := 0
	for k, n := range got {
		if !want[k] {
			t.Errorf("a reminder with key %s that was never queued arrived", k)
		}
		repeats += n - 1
	}
	// The mail held at the kill arrived twice, with the same Message-ID;
	// a send of another worker under way then may have been repeated too,
	// but no more than the workers (4).
	inKey, _, _ := strings.Cut(strings.Trim(inFlight.MessageID, "<>"), "@")
	if got[inKey] != 2 {
		t.Errorf("the mail in flight at the kill (%s) arrived %d times, want twice", inKey, got[inKey])
	}
	t.Logf("%d repeats after the kill", repeats)
	if repeats < 1 || repeats > 4 {
		t.Errorf("%d repeats, want 1 to 4 (the sends in flight at the kill)", repeats)
	}
	// A repeat is a repeat of its content: every copy of one message
	// carries one key.
	byContent := map[string]map[string]bool{}
	for _, m := range ms {
		c := m.Header.Get("Subject") + "\n" + string(m.Body)
		if byContent[c] == nil {
			byContent[c] = map[string]bool{}
		}
		byContent[c][m.MessageID] = true
	}
	for _, d := range ds {
		var c strings.Builder
		for _, f := range []string{"case_id", "kind", "date", "days_before"} {
			fmt.Fprintf(&c, "%v|", d.Payload[f])
		}
		if byContent[c.String()] == nil {
			byContent[c.String()] = map[string]bool{}
		}
		byContent[c.String()][d.Key] = true
	}
	for c, keys := range byContent {
		if len(keys) != 1 {
			t.Errorf("one message arrived with %d keys %v:\n%s", len(keys), keys, c)
		}
	}
	// Every reminder is logged as sent.
	logs, err = st.ReminderLogs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range logs {
		if l.Sent.IsZero() {
			t.Errorf("reminder %s arrived but is not logged as sent", l.Key)
		}
	}
}

// TestReminderFlags checks serve's mail flags once, at start, before the
// database is opened: each refusal names its flag and what is accepted.
func TestReminderFlags(t *testing.T) {
	ca := t.TempDir() + "/not-a-cert.pem"
	if err := os.WriteFile(ca, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"--smtp-addr", "mail.example.org"}, "", "--smtp-addr \"mail.example.org\": give HOST:PORT"},
		{[]string{"--smtp-addr", "mail.example.org:587"}, "", "--smtp-from \"\": give the sender's bare address"},
		{[]string{"--smtp-addr", "mail.example.org:587", "--smtp-from", "Visaclock <v@example.org>"}, "", "--smtp-from"},
		{[]string{"--smtp-addr", "mail.example.org:587", "--smtp-from", "v@example.org", "--smtp-security", "ssl"}, "", "--smtp-security \"ssl\": accepted: starttls, tls, none"},
		{[]string{"--smtp-addr", "mail.example.org:25", "--smtp-from", "v@example.org", "--smtp-security", "none"}, "", "--smtp-security none: only for a server on a loopback address"},
		{[]string{"--smtp-from", "v@example.org"}, "", "need --smtp-addr"},
		{[]string{"--smtp-addr", "mail.example.org:587", "--smtp-from", "v@example.org", "--smtp-user", "v"}, "", "--smtp-user: give the password in VISACLOCK_SMTP_PASSWORD"},
		{[]string{"--smtp-addr", "mail.example.org:587", "--smtp-from", "v@example.org", "--smtp-ca", ca}, "", "--smtp-ca " + ca + ": no PEM certificate"},
		{[]string{"--smtp-addr", "mail.example.org:587", "--smtp-from", "v@example.org", "--smtp-ca", ca + ".missing"}, "", "--smtp-ca: open"},
		{[]string{"--reminder-timeout", "10ms"}, "", "--reminder-timeout 10ms: accepted: from 1s to 10m"},
	} {
		t.Setenv(SMTPPasswordEnv, c.env)
		args := append([]string{"serve", "--data", t.TempDir()}, c.args...)
		_, err := runCmd(t, args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("serve %s: %v; want an error with %q", strings.Join(c.args, " "), err, c.want)
		}
	}
}
