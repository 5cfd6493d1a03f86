package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
	_ "time/tzdata" // zone names work in a static binary on any machine

	"visaclock/internal/caseload"
	"visaclock/internal/remind"
	"visaclock/internal/sqlstore"
	"visaclock/internal/web"
)

// storeFlags are the flags every command that opens the database takes.
type storeFlags struct {
	db, data      string
	masterKeyFile string
}

func (f *storeFlags) register(fs interface {
	StringVar(*string, string, string, string)
}) {
	fs.StringVar(&f.db, "db", "", "a PostgreSQL URL (postgres://…), or a SQLite file; default DATA/visaclock.db")
	fs.StringVar(&f.data, "data", "visaclock-data", "the data directory for the embedded SQLite database")
	fs.StringVar(&f.masterKeyFile, "master-key-file", "", "the master keys, current first, one per line; default DATA/master.key (or set "+MasterKeysEnv+")")
}

// dsn is the database to open: --db, or the SQLite file in --data (made
// if missing).
func (f *storeFlags) dsn() (string, error) {
	if f.db != "" {
		if scheme, _, ok := strings.Cut(f.db, "://"); ok && scheme != "postgres" && scheme != "postgresql" {
			return "", usageError{fmt.Sprintf("--db %s: %s:// is not accepted; --db takes %s", redactDSN(f.db), scheme, dbForms)}
		}
		return f.db, nil
	}
	if err := os.MkdirAll(f.data, 0o700); err != nil {
		return "", fmt.Errorf("--data %s: %w", f.data, err)
	}
	return filepath.Join(f.data, "visaclock.db"), nil
}

// dbForms is what --db accepts, for its error messages.
const dbForms = "a PostgreSQL URL (postgres://USER@HOST:5432/DB) or the path of a SQLite file in an existing directory"

// redactDSN hides a password in a PostgreSQL URL.
func redactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		return u.Redacted()
	}
	return dsn
}

// openError says which database could not be opened, and what --db takes.
func (f *storeFlags) openError(dsn string, err error) error {
	if f.db == "" {
		return fmt.Errorf("--data %s: could not open the database %s: %w", f.data, dsn, err)
	}
	return fmt.Errorf("--db %s: could not open it: %w\n(--db takes %s)", redactDSN(dsn), err, dbForms)
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usageError{"--log-level: " + err.Error()}
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageError{fmt.Sprintf("--log-format %q: accepted: text, json", format)}
}

func runServe(ctx context.Context, now func() time.Time, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen on `HOST:PORT`; loopback only until accounts exist, and then with TLS or behind a named proxy")
	tlsCert := fs.String("tls-cert", "", "serve HTTPS with this certificate `FILE` (PEM)")
	tlsKey := fs.String("tls-key", "", "and this private key `FILE` (PEM)")
	var proxies prefixList
	fs.Var(&proxies, "trusted-proxy", "a reverse proxy's address or `CIDR` whose X-Forwarded-For and X-Forwarded-Proto are believed; repeat for more")
	publicURL := fs.String("url", "", "the `URL` people reach the server at, for the set-up link; default http://ADDR")
	rulesDir := fs.String("rules", "", "also load the rule packs in `DIR`")
	logFormat := fs.String("log-format", "text", "text or json")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	tz := fs.String("tz", "UTC", "the `ZONE` (IANA name) whose calendar day is \"today\" for lists and evaluations")
	var sf storeFlags
	sf.register(fs)
	var rf reminderFlags
	rf.register(fs)
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	mail, err := rf.smtp()
	if err != nil {
		return err
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return usageError{"--tls-cert and --tls-key go together"}
	}
	log, err := newLogger(stderr, *logFormat, *logLevel)
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return usageError{fmt.Sprintf("--tz %q: not a time zone name such as Asia/Shanghai or UTC", *tz)}
	}
	a, err := sf.openApp(ctx, now, appOptions{Rules: *rulesDir, Location: loc}, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	st, svc := a.Store, a.Service
	users, err := st.CountUsers(ctx)
	if err != nil {
		return err
	}
	if !web.IsLoopback(*addr) {
		switch {
		case users == 0:
			return usageError{fmt.Sprintf("--addr %s: visaclock serves only on a loopback address (such as 127.0.0.1:8080) until accounts exist; set up the first admin there first: a list of visa holders must not be reachable by anyone on the network", *addr)}
		case *tlsCert == "" && len(proxies) == 0:
			return usageError{fmt.Sprintf("--addr %s: beyond loopback, visaclock needs TLS: give --tls-cert and --tls-key, or name the TLS-terminating proxy in front of it with --trusted-proxy", *addr)}
		}
	}
	// Background work runs in one server at a time on a shared database,
	// under leases this server takes as holder (see docs/architecture.md).
	holder := caseload.HolderName()
	reeval := &caseload.Reevaluator{Service: svc, Holder: holder, Log: log}
	srv := &web.Server{Service: svc, Packs: a.Packs, Log: log, TrustedProxies: proxies, Reeval: reeval}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if *tlsCert != "" {
		scheme = "https"
	}
	base := *publicURL
	if base == "" {
		base = scheme + "://" + ln.Addr().String()
	}
	if users == 0 {
		secret, err := firstRunLink(ctx, svc)
		if err != nil {
			return err
		}
		// On stdout, not in the log: logs are kept and shipped, and the
		// link makes an admin.
		fmt.Fprintf(stdout, "No account exists yet. Open this link, once, within 24 hours, to set up the first admin:\n%s/setup?token=%s\n", strings.TrimRight(base, "/"), secret)
	}
	reminders, err := remind.New(remind.Config{Service: svc, Store: st, BaseURL: base, SMTP: mail,
		Timeout: rf.timeout, PrivateWebhooks: rf.privateHooks, Holder: holder, Log: log})
	if err != nil {
		return err
	}
	log.Info("listening", "url", scheme+"://"+ln.Addr().String(), "store", st.Dialect())
	served := make(chan error, 1)
	go func() {
		if *tlsCert != "" {
			served <- hs.ServeTLS(ln, *tlsCert, *tlsKey)
			return
		}
		served <- hs.Serve(ln)
	}()
	go purgeLoop(ctx, svc, log, holder)
	go reeval.Loop(ctx)
	// Not ctx: on SIGTERM, Stop lets a send under way finish.
	if err := reminders.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("reminders: %w", err)
	}
	go reminders.Loop(ctx)
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	// SIGTERM or SIGINT: stop accepting, let requests in flight finish.
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	// A reminder being sent finishes; the rest stay queued for the next
	// start (or another server).
	if err := reminders.Stop(sctx); err != nil {
		log.Warn("reminders: stop", "err", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// firstRunLink makes the default organisation, if it is not there, and a
// fresh set-up link for its first admin.
func firstRunLink(ctx context.Context, svc *caseload.Service) (string, error) {
	if _, err := svc.Store.FindOrg(ctx, caseload.DefaultOrg); caseload.ErrorCode(err) == caseload.ENotFound {
		_, secret, err := svc.CreateOrg(ctx, caseload.DefaultOrg, "default")
		return secret, err
	} else if err != nil {
		return "", err
	}
	return svc.NewSetupLink(ctx, caseload.DefaultOrg)
}

// purgeLoop erases closed cases past their organisation's retention period,
// at start and then hourly, in the one server holding the retention lease
// (which its holder renews each hour, and another takes over when it lapses).
func purgeLoop(ctx context.Context, svc *caseload.Service, log *slog.Logger, holder string) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		n, err := 0, error(nil)
		if held, lerr := svc.TakeLease(ctx, caseload.RetentionLease, holder, 2*time.Hour); lerr != nil {
			err = lerr
		} else if held {
			n, err = svc.Purge(ctx)
		}
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("retention purge failed", "err", err)
		case n > 0:
			log.Info("retention purge", "erased", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// prefixList is a repeatable flag of addresses or CIDR prefixes.
type prefixList []netip.Prefix

func (l *prefixList) String() string { return fmt.Sprint(*l) }

func (l *prefixList) Set(v string) error {
	if p, err := netip.ParsePrefix(v); err == nil {
		*l = append(*l, p.Masked())
		return nil
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return fmt.Errorf("%q is not an address or CIDR prefix such as 10.0.0.1 or 10.0.0.0/8", v)
	}
	*l = append(*l, netip.PrefixFrom(a, a.BitLen()))
	return nil
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate", stderr)
	var sf storeFlags
	sf.register(fs)
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	dsn, err := sf.dsn()
	if err != nil {
		return err
	}
	st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		return sf.openError(dsn, err)
	}
	defer st.Close()
	applied, err := st.Migrate(ctx)
	if err != nil {
		return sf.openError(dsn, err)
	}
	if len(applied) == 0 {
		fmt.Fprintln(stdout, "the schema is up to date")
		return nil
	}
	fmt.Fprintf(stdout, "applied: %s\n", strings.Join(applied, ", "))
	return nil
}
