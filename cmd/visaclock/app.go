package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"visaclock/internal/caseload"
	"visaclock/internal/packs"
	"visaclock/internal/sqlstore"
	"visaclock/internal/vault"
)

// app is the application as every command that works on cases, accounts,
// keys or the audit log builds it, in one way: the master keyring, the
// store (migrated, with its audit chain), the rule packs, and the Service
// over them.
type app struct {
	Store   *sqlstore.Store
	Keys    *vault.Keyring
	Packs   *packs.Registry
	Service *caseload.Service
}

// appOptions are what a command adds to its store flags.
type appOptions struct {
	Rules    string         // also load the rule packs in this directory
	Location *time.Location // where "today" is decided; nil means UTC
	CacheMB  int            // SQLite's page cache; 0 means sqlstore's default
}

// openApp builds the application from the store flags, with now as its
// clock. Close it when done.
func (f *storeFlags) openApp(ctx context.Context, now func() time.Time, o appOptions, stderr io.Writer) (*app, error) {
	reg, err := loadRules(o.Rules)
	if err != nil {
		return nil, err
	}
	dsn, err := f.dsn()
	if err != nil {
		return nil, err
	}
	kr, err := f.keyring(ctx, dsn, stderr)
	if err != nil {
		return nil, err
	}
	st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Keys: kr, Migrate: true, CacheMB: o.CacheMB})
	if err != nil {
		return nil, f.openError(dsn, err)
	}
	svc, err := caseload.New(caseload.Config{Store: st, Lookup: reg.Lookup, Now: now, Keys: kr, Location: o.Location})
	if err != nil {
		st.Close()
		return nil, err
	}
	return &app{Store: st, Keys: kr, Packs: reg, Service: svc}, nil
}

// Close closes the store.
func (a *app) Close() error { return a.Store.Close() }

// openStore opens the store migrated and without keys, for the commands
// that only look after the database (migrate, backup): it reads, and
// refuses audited writes.
func (f *storeFlags) openStore(ctx context.Context) (*sqlstore.Store, error) {
	dsn, err := f.dsn()
	if err != nil {
		return nil, err
	}
	st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Migrate: true})
	if err != nil {
		return nil, f.openError(dsn, err)
	}
	return st, nil
}

// keyring loads the master keys from the environment or the key file. On
// a database that has never held a key, and with neither given, it makes
// a key file; otherwise a missing key is an error, because a new key could
// not open what the old one sealed.
func (f *storeFlags) keyring(ctx context.Context, dsn string, stderr io.Writer) (*vault.Keyring, error) {
	if env := os.Getenv(MasterKeysEnv); env != "" {
		return parseKeyring(env, MasterKeysEnv)
	}
	path := f.keyFile()
	b, err := readCapped(ctx, path, nil, maxSecretFile)
	if err == nil {
		return parseKeyring(string(b), path)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("--master-key-file: %w", err)
	}
	if sealed, err := sealedAlready(ctx, dsn); err != nil {
		return nil, f.openError(dsn, err)
	} else if sealed {
		return nil, fmt.Errorf("--master-key-file %s: not found, and this database was sealed with a master key; give it with --master-key-file or %s", path, MasterKeysEnv)
	}
	k, err := vault.NewMasterKey(1)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(k.String()+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("--master-key-file: %w", err)
	}
	fmt.Fprintf(stderr, "made a new master key in %s: keep a copy somewhere other than this machine, and see docs/security.md to keep it off the database's disk\n", path)
	return vault.NewKeyring(k)
}

// sealedAlready reports whether the database at dsn holds a key wrapped
// under some master key, which a new master key could not open.
func sealedAlready(ctx context.Context, dsn string) (bool, error) {
	st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Migrate: true})
	if err != nil {
		return false, err
	}
	defer st.Close()
	_, err = st.WrappedKey(ctx, "audit")
	if errors.Is(err, caseload.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
