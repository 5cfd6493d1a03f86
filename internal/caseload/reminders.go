package caseload

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"visaclock/internal/audit"
	"visaclock/internal/date"
	"visaclock/internal/i18n"
)

// Reminder channels.
const (
	ChannelEmail   = "email"
	ChannelWebhook = "webhook"
)

// ReminderOverstay is the kind of the reminder sent on the day a case
// starts to overstay (its Offset is 0).
const ReminderOverstay = "overstay"

// ReminderOffsets are the days before a deadline an account may be
// reminded on.
var ReminderOffsets = []int{30, 14, 7, 1}

// ReminderSettings are an account's choice of reminders: where they go
// (its own e-mail address, a webhook, or both; neither means none), the
// days before each deadline, whether to be told on the day a case starts
// to overstay, and the language of the messages. Reminders cover the cases
// the account's calendar reaches.
type ReminderSettings struct {
	Email      string
	WebhookURL string
	// HasSecret says a webhook signing secret is set; the secret itself
	// is shown once, when it is made, and never again.
	HasSecret bool
	Offsets   []int
	Overstay  bool
	Lang      string
	Updated   time.Time
}

// StoredReminders is an account's ReminderSettings as the store keeps
// them, with the webhook secret sealed under the organisation's data key.
type StoredReminders struct {
	Org, User         string
	Email, WebhookURL string
	WebhookSecret     []byte
	Offsets           []int
	Overstay          bool
	Lang              string
	Updated           time.Time
}

// Reminder is one message to send: about one deadline (or the start of an
// overstay) of one case, to one account, on one channel. Key names it for
// good, so that enqueueing it twice is harmless and a receiver can drop a
// repeat (it is the e-mail's Message-ID and the webhook's
// Idempotency-Key). It carries the case's reference, never an identity.
type Reminder struct {
	Key       string    `json:"key"`
	Org       string    `json:"org"`
	User      string    `json:"user"`
	CaseID    string    `json:"case_id"`
	Reference string    `json:"reference"`
	Kind      string    `json:"kind"`
	Date      date.Date `json:"date"`
	Offset    int       `json:"offset"`
	Channel   string    `json:"channel"`
}

// ReminderKey is the key of the reminder to user about the deadline kind
// on day of caseID, offset days before, on channel.
func ReminderKey(user, caseID, kind string, day date.Date, offset int, channel string) string {
	h := sha256.Sum256([]byte(strings.Join([]string{user, caseID, kind, day.String(), strconv.Itoa(offset), channel}, "\x00")))
	return "rmd_" + hex.EncodeToString(h[:16])
}

// ReminderTarget is where a reminder goes, as its account chose at the
// time of sending.
type ReminderTarget struct {
	Email, WebhookURL string
	// Secret signs webhook bodies.
	Secret []byte
	Lang   i18n.Lang
}

// ReminderStore keeps reminder settings and the log of reminders queued
// and sent. The jobs themselves are a queue's (package remind).
type ReminderStore interface {
	// ReminderSettings returns an account's settings, or ErrNotFound.
	ReminderSettings(ctx context.Context, org, user string) (*StoredReminders, error)
	// PutReminderSettings stores r, with its audit entry.
	PutReminderSettings(ctx context.Context, r *StoredReminders, ev *audit.Entry) error
	// ReminderAccounts lists every account's settings that name a channel.
	ReminderAccounts(ctx context.Context) ([]StoredReminders, error)
	// DueDeadlines lists the deadlines of org's cases (within the scope
	// of assignee and team, as in Filter) that fall on any of days, and,
	// with kind ReminderOverstay, the cases that start to overstay on
	// overstay.
	DueDeadlines(ctx context.Context, org, assignee, team string, days []date.Date, overstay date.Date) ([]CalendarEntry, error)
	// ReminderSent records that the reminder key was sent at at, on the
	// given attempt.
	ReminderSent(ctx context.Context, key string, at time.Time, attempt int) error
	// ReminderSentAt returns when the reminder key was sent: zero if not
	// yet, ErrNotFound if it is not in the log.
	ReminderSentAt(ctx context.Context, key string) (time.Time, error)
}

// Reminders returns p's own reminder settings; an account that never
// chose any has none, with every offset and the overstay reminder
// proposed. Reminders cover the cases p's calendar reaches, so an
// account without the calendar permission has none.
func (s *Service) Reminders(ctx context.Context, p Principal) (ReminderSettings, error) {
	if !p.Can(PermCalendar) {
		return ReminderSettings{}, ErrForbidden
	}
	r, err := s.Store.ReminderSettings(ctx, p.Org, p.User)
	if ErrorCode(err) == ENotFound {
		return ReminderSettings{Offsets: slices.Clone(ReminderOffsets), Overstay: true, Lang: string(i18n.English)}, nil
	}
	if err != nil {
		return ReminderSettings{}, err
	}
	return ReminderSettings{Email: r.Email, WebhookURL: r.WebhookURL, HasSecret: len(r.WebhookSecret) > 0,
		Offsets: r.Offsets, Overstay: r.Overstay, Lang: r.Lang, Updated: r.Updated}, nil
}

// SetReminders stores p's own reminder settings, audited. A webhook gets a
// new signing secret when it has none or newSecret is set; the secret is
// returned then, once, and otherwise secret is empty. Errors name the
// field: email, webhook_url, offsets or lang.
func (s *Service) SetReminders(ctx context.Context, p Principal, in ReminderSettings, newSecret bool) (secret string, err error) {
	if !p.Can(PermCalendar) {
		return "", ErrForbidden
	}
	in.Email, in.WebhookURL = strings.TrimSpace(in.Email), strings.TrimSpace(in.WebhookURL)
	if in.Email != "" {
		a, err := mail.ParseAddress(in.Email)
		if err != nil || a.Address != in.Email || len(in.Email) > 254 || strings.ContainsAny(in.Email, "\r\n") {
			return "", Errorf(EInvalid, "email", "%q is not an e-mail address: give a bare address such as name@example.org", in.Email)
		}
	}
	if in.WebhookURL != "" {
		u, err := url.Parse(in.WebhookURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(in.WebhookURL) > 2000 {
			return "", Errorf(EInvalid, "webhook_url", "%q is not a webhook URL: give an https:// (or http://) URL with a host and no user name, at most 2000 characters", in.WebhookURL)
		}
	}
	offsets := []int{}
	for _, o := range ReminderOffsets {
		if slices.Contains(in.Offsets, o) {
			offsets = append(offsets, o)
		}
	}
	for _, o := range in.Offsets {
		if !slices.Contains(ReminderOffsets, o) {
			return "", Errorf(EInvalid, "offsets", "%d days: accepted: 30, 14, 7 and 1 days before a deadline", o)
		}
	}
	lang, ok := i18n.Parse(in.Lang)
	if !ok {
		return "", Errorf(EInvalid, "lang", "%q: accepted: en, zh, ko, ko-KP", in.Lang)
	}
	old, err := s.Store.ReminderSettings(ctx, p.Org, p.User)
	if err != nil && ErrorCode(err) != ENotFound {
		return "", err
	}
	r := &StoredReminders{Org: p.Org, User: p.User, Email: in.Email, WebhookURL: in.WebhookURL,
		Offsets: offsets, Overstay: in.Overstay, Lang: string(lang), Updated: s.now()}
	if old != nil {
		r.WebhookSecret = old.WebhookSecret
	}
	switch {
	case in.WebhookURL == "":
		r.WebhookSecret = nil
	case len(r.WebhookSecret) == 0 || newSecret:
		raw := make([]byte, 24)
		rand.Read(raw)
		secret = "whsec_" + base64.RawURLEncoding.EncodeToString(raw)
		b, err := s.box(ctx, p.Org)
		if err != nil {
			return "", err
		}
		r.WebhookSecret = b.Seal([]byte(secret), webhookAAD(p.User))
	}
	detail := fmt.Sprintf("email=%t webhook=%t offsets=%s overstay=%t", r.Email != "", r.WebhookURL != "", joinInts(offsets), r.Overstay)
	if secret != "" {
		detail += " new_secret"
	}
	if err := s.Store.PutReminderSettings(ctx, r, s.event(p, "reminders.update", "", detail)); err != nil {
		return "", err
	}
	return secret, nil
}

func webhookAAD(user string) string { return "reminder-webhook:" + user }

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ",")
}

// DueReminders lists the reminders due today, by the Service's clock:
// for each account that chose reminders, the deadlines its calendar
// reaches that fall on one of its chosen days ahead, and the cases that
// start to overstay today, once a channel. Disabled and deleted accounts
// get none. The list may hold reminders already queued: their keys say so.
func (s *Service) DueReminders(ctx context.Context) ([]Reminder, error) {
	today := s.Today()
	accounts, err := s.Store.ReminderAccounts(ctx)
	if err != nil {
		return nil, err
	}
	var out []Reminder
	for _, a := range accounts {
		p, err := s.principal(ctx, a.User)
		if code := ErrorCode(err); code == EUnauthenticated || code == ENotFound {
			continue
		} else if err != nil {
			return nil, err
		}
		assignee, team, ok := p.ListScope(PermCalendar)
		if !ok || p.Org != a.Org {
			continue
		}
		days := make([]date.Date, len(a.Offsets))
		for i, o := range a.Offsets {
			days[i] = today.AddDays(o)
		}
		var overstay date.Date
		if a.Overstay {
			overstay = today
		}
		if len(days) == 0 && overstay == 0 {
			continue
		}
		due, err := s.Store.DueDeadlines(ctx, a.Org, assignee, team, days, overstay)
		if err != nil {
			return nil, err
		}
		var channels []string
		if a.Email != "" {
			channels = append(channels, ChannelEmail)
		}
		if a.WebhookURL != "" {
			channels = append(channels, ChannelWebhook)
		}
		for _, d := range due {
			offset := d.Date.Sub(today)
			if d.Kind == ReminderOverstay {
				offset = 0
			}
			for _, ch := range channels {
				out = append(out, Reminder{Key: ReminderKey(a.User, d.CaseID, d.Kind, d.Date, offset, ch), Org: a.Org, User: a.User,
					CaseID: d.CaseID, Reference: d.Reference, Kind: d.Kind, Date: d.Date, Offset: offset, Channel: ch})
			}
		}
	}
	return out, nil
}

// ReminderTarget returns where r goes now: the account's current address
// or webhook (with its secret opened) for r's channel, and its language.
// An account that has since dropped the channel, or been disabled, gives
// ErrNotFound: the reminder is not to be sent.
func (s *Service) ReminderTarget(ctx context.Context, r Reminder) (ReminderTarget, error) {
	if _, err := s.principal(ctx, r.User); err != nil {
		if code := ErrorCode(err); code == EUnauthenticated {
			return ReminderTarget{}, ErrNotFound
		}
		return ReminderTarget{}, err
	}
	a, err := s.Store.ReminderSettings(ctx, r.Org, r.User)
	if err != nil {
		return ReminderTarget{}, err
	}
	t := ReminderTarget{Lang: i18n.English}
	if l, ok := i18n.Parse(a.Lang); ok {
		t.Lang = l
	}
	switch r.Channel {
	case ChannelEmail:
		if a.Email == "" {
			return ReminderTarget{}, ErrNotFound
		}
		t.Email = a.Email
	case ChannelWebhook:
		if a.WebhookURL == "" || len(a.WebhookSecret) == 0 {
			return ReminderTarget{}, ErrNotFound
		}
		b, err := s.box(ctx, r.Org)
		if err != nil {
			return ReminderTarget{}, err
		}
		if t.Secret, err = b.Open(a.WebhookSecret, webhookAAD(r.User)); err != nil {
			return ReminderTarget{}, fmt.Errorf("caseload: open webhook secret: %w", err)
		}
		t.WebhookURL = a.WebhookURL
	default:
		return ReminderTarget{}, ErrNotFound
	}
	return t, nil
}

// ReminderSent records that the reminder key was sent, on the given
// attempt (1 for the first), at the Service's time.
func (s *Service) ReminderSent(ctx context.Context, key string, attempt int) error {
	return s.Store.ReminderSent(ctx, key, s.now(), attempt)
}

// ReminderWasSent reports whether the reminder key is recorded as sent. A
// job run again after its send was recorded (a server that died before
// its queue marked the job done) is then not sent twice.
func (s *Service) ReminderWasSent(ctx context.Context, key string) (bool, error) {
	at, err := s.Store.ReminderSentAt(ctx, key)
	if err != nil {
		return false, err
	}
	return !at.IsZero(), nil
}
