package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
	_ "time/tzdata" // zone names work in a static binary on any machine

	"visaclock/internal/caseload"
	"visaclock/internal/sqlstore"
	"visaclock/internal/web"
)

// storeFlags are the flags every command that opens the database takes.
type storeFlags struct {
	db, data string
	opts     sqlstore.Options
}

func (f *storeFlags) register(fs interface {
	StringVar(*string, string, string, string)
}) {
	fs.StringVar(&f.db, "db", "", "a PostgreSQL URL (postgres://…), or a SQLite file; default DATA/visaclock.db")
	fs.StringVar(&f.data, "data", "visaclock-data", "the data directory for the embedded SQLite database")
}

// dsn is the database to open: --db, or the SQLite file in --data (made
// if missing).
func (f *storeFlags) dsn() (string, error) {
	if f.db != "" {
		return f.db, nil
	}
	if err := os.MkdirAll(f.data, 0o700); err != nil {
		return "", fmt.Errorf("--data %s: %w", f.data, err)
	}
	return filepath.Join(f.data, "visaclock.db"), nil
}

// open opens and migrates the store.
func (f *storeFlags) open(ctx context.Context) (*sqlstore.Store, error) {
	st, _, err := f.openMigrated(ctx)
	return st, err
}

// openMigrated opens the store and applies the migrations not yet applied,
// returning their names.
func (f *storeFlags) openMigrated(ctx context.Context) (*sqlstore.Store, []string, error) {
	dsn, err := f.dsn()
	if err != nil {
		return nil, nil, err
	}
	st, err := sqlstore.OpenWith(dsn, f.opts)
	if err != nil {
		return nil, nil, err
	}
	applied, err := st.Migrate(ctx)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, applied, nil
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

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen on `HOST:PORT`; loopback only until accounts exist")
	rulesDir := fs.String("rules", "", "also load the rule packs in `DIR`")
	logFormat := fs.String("log-format", "text", "text or json")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	tz := fs.String("tz", "UTC", "the `ZONE` (IANA name) whose calendar day is \"today\" for lists and evaluations")
	var sf storeFlags
	sf.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if !web.IsLoopback(*addr) {
		return usageError{fmt.Sprintf("--addr %s: visaclock serves only on a loopback address (such as 127.0.0.1:8080) until accounts exist; a list of visa holders must not be reachable by anyone on the network", *addr)}
	}
	log, err := newLogger(stderr, *logFormat, *logLevel)
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return usageError{fmt.Sprintf("--tz %q: not a time zone name such as Asia/Shanghai or UTC", *tz)}
	}
	reg, err := loadRules(*rulesDir)
	if err != nil {
		return err
	}
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	srv := &web.Server{
		Service: &caseload.Service{Store: st, Lookup: reg.Lookup, Now: time.Now, Location: loc},
		Packs:   reg,
		Log:     log,
	}
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
	log.Info("listening", "url", "http://"+ln.Addr().String(), "store", st.Dialect())
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
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
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate", stderr)
	var sf storeFlags
	sf.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	st, applied, err := sf.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if len(applied) == 0 {
		fmt.Fprintln(stdout, "the schema is up to date")
		return nil
	}
	fmt.Fprintf(stdout, "applied: %s\n", strings.Join(applied, ", "))
	return nil
}
