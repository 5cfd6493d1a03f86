// Package remind sends each account's reminders of its cases' deadlines,
// by e-mail and signed webhook, through a River job queue kept in the
// application's own database.
//
// A daily pass (under a lease, so one server does it) asks the Service for
// the reminders due today and enqueues those not yet logged, each logged
// and queued in one transaction; River's workers send them, retrying with
// backoff, and each send is recorded in the log. A reminder's key is its
// e-mail's Message-ID and its webhook's Idempotency-Key, so the one repeat a
// crash can cause (a send done but not yet marked done) carries the same
// key as the first and a receiver can drop it.
package remind

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"

	"visaclock/internal/caseload"
	"visaclock/internal/i18n"
)

// Lease is the lease the daily pass runs under.
const Lease = "remind"

const queue = "reminders"

// Store is what the sender needs of the database besides the Service: a
// River driver on it, and a way to log and enqueue reminders in one
// transaction (sqlstore.Store has both).
type Store interface {
	QueueDriver() riverdriver.Driver[*sql.Tx]
	EnqueueReminders(ctx context.Context, rs []caseload.Reminder, now time.Time, insert func(context.Context, *sql.Tx, []caseload.Reminder) error) (int, error)
}

// Config is what a Sender is built from. Service, Store and BaseURL are
// required.
type Config struct {
	Service *caseload.Service
	Store   Store
	// BaseURL is where people reach the server; a reminder links to
	// BaseURL/cases/{id}.
	BaseURL string
	// SMTP is the mail server; without its Addr, e-mail reminders wait in
	// the queue (retried) until one is configured.
	SMTP SMTP
	// HTTP posts webhooks; nil means a client that follows no redirects
	// and, unless PrivateWebhooks, connects to public addresses only.
	HTTP *http.Client
	// PrivateWebhooks lets webhooks reach loopback, private and
	// link-local addresses. Off, a user cannot make the server post into
	// the network it sits in.
	PrivateWebhooks bool
	// Timeout bounds one send; 0 means 30 seconds. A job running twice as
	// long (the server died mid-send) is sent again, with the same key.
	Timeout time.Duration
	// Workers is how many reminders are sent at once; 0 means 4.
	Workers int
	// Interval is how often the daily pass looks for due reminders; 0
	// means 10 minutes. Running it again the same day queues nothing new.
	Interval time.Duration
	// Holder names this server in the lease.
	Holder string
	// Log receives failures and counts, never an address or a case.
	Log *slog.Logger
}

// Sender queues and sends reminders.
type Sender struct {
	c       Config
	cat     *i18n.Catalog
	client  *river.Client[*sql.Tx]
	timeout time.Duration
}

// New builds a Sender from c, refusing what is missing.
func New(c Config) (*Sender, error) {
	var errs []error
	if c.Service == nil {
		errs = append(errs, errors.New("remind: no Service"))
	}
	if c.Store == nil {
		errs = append(errs, errors.New("remind: no Store"))
	}
	if c.BaseURL == "" {
		errs = append(errs, errors.New("remind: no BaseURL: reminders link to the case"))
	}
	if err := c.SMTP.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.Interval <= 0 {
		c.Interval = 10 * time.Minute
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Holder == "" {
		c.Holder = caseload.HolderName()
	}
	if c.HTTP == nil {
		c.HTTP = webhookClient(c.PrivateWebhooks)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	cat, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	s := &Sender{c: c, cat: cat, timeout: c.Timeout}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &worker{s: s}); err != nil {
		return nil, err
	}
	s.client, err = river.NewClient(c.Store.QueueDriver(), &river.Config{
		Queues:  map[string]river.QueueConfig{queue: {MaxWorkers: c.Workers}},
		Workers: workers,
		// Polling works on every driver; database/sql has no LISTEN.
		PollOnly:             true,
		JobTimeout:           c.Timeout,
		RescueStuckJobsAfter: 2*c.Timeout + time.Second,
		MaxAttempts:          20,
		Logger:               slog.New(warnOnly{c.Log.Handler()}),
	})
	if err != nil {
		return nil, fmt.Errorf("remind: %w", err)
	}
	return s, nil
}

// Start starts sending queued reminders.
func (s *Sender) Start(ctx context.Context) error { return s.client.Start(ctx) }

// Stop stops sending, letting sends under way finish within ctx.
func (s *Sender) Stop(ctx context.Context) error { return s.client.Stop(ctx) }

// Pass enqueues the reminders due today that are not yet queued, and
// returns how many it queued.
func (s *Sender) Pass(ctx context.Context) (int, error) {
	due, err := s.c.Service.DueReminders(ctx)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	n := 0
	for lo := 0; lo < len(due); lo += 500 {
		k, err := s.c.Store.EnqueueReminders(ctx, due[lo:min(lo+500, len(due))], s.c.Service.Now(), s.insert)
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (s *Sender) insert(ctx context.Context, tx *sql.Tx, rs []caseload.Reminder) error {
	params := make([]river.InsertManyParams, len(rs))
	for i, r := range rs {
		params[i] = river.InsertManyParams{Args: reminderArgs{r}}
	}
	_, err := s.client.InsertManyTx(ctx, tx, params)
	return err
}

// Loop runs the daily pass at once and then every Interval, while this
// server holds the lease, until ctx ends.
func (s *Sender) Loop(ctx context.Context) {
	t := time.NewTicker(s.c.Interval)
	defer t.Stop()
	for {
		n, err := 0, error(nil)
		if held, lerr := s.c.Service.TakeLease(ctx, Lease, s.c.Holder, 3*s.c.Interval); lerr != nil {
			err = lerr
		} else if held {
			n, err = s.Pass(ctx)
		}
		switch {
		case err != nil && ctx.Err() == nil:
			s.c.Log.Error("reminders: daily pass failed", "err", err)
		case n > 0:
			s.c.Log.Info("reminders queued", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// reminderArgs is a reminder as a River job.
type reminderArgs struct {
	caseload.Reminder
}

func (reminderArgs) Kind() string { return "reminder" }

func (reminderArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: queue} }

type worker struct {
	river.WorkerDefaults[reminderArgs]
	s *Sender
}

func (w *worker) Timeout(*river.Job[reminderArgs]) time.Duration { return w.s.timeout }

// Work sends one reminder, unless the log says it was sent. An error
// makes River try again later, with backoff; a reminder whose account has
// since dropped the channel is not sent.
func (w *worker) Work(ctx context.Context, job *river.Job[reminderArgs]) error {
	r := job.Args.Reminder
	// River marks a job done shortly after Work returns; a server killed
	// in between leaves it to be run again, after its send was recorded.
	if sent, err := w.s.c.Service.ReminderWasSent(ctx, r.Key); err != nil {
		return err
	} else if sent {
		return nil
	}
	t, err := w.s.c.Service.ReminderTarget(ctx, r)
	if errors.Is(err, caseload.ErrNotFound) || caseload.ErrorCode(err) == caseload.ENotFound {
		return nil
	}
	if err != nil {
		return err
	}
	m := compose(w.s.cat.Printer(t.Lang), r, w.s.c.BaseURL)
	switch r.Channel {
	case caseload.ChannelEmail:
		err = w.s.c.SMTP.send(ctx, t.Email, m.mail(w.s.c.SMTP.From, t.Email, r.Key, w.s.c.Service.Now()))
	case caseload.ChannelWebhook:
		err = postWebhook(ctx, w.s.c.HTTP, t, m, w.s.c.Service.Now())
	}
	if err != nil {
		w.s.c.Log.Warn("reminder not sent", "key", r.Key, "channel", r.Channel, "attempt", job.Attempt, "err", err)
		return err
	}
	return w.s.c.Service.ReminderSent(ctx, r.Key, job.Attempt)
}

// warnOnly passes on River's warnings and errors only: its information
// lines are about its own machinery.
type warnOnly struct{ slog.Handler }

func (h warnOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}

func (h warnOnly) WithAttrs(as []slog.Attr) slog.Handler { return warnOnly{h.Handler.WithAttrs(as)} }

func (h warnOnly) WithGroup(name string) slog.Handler { return warnOnly{h.Handler.WithGroup(name)} }
