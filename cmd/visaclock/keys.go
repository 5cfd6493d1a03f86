package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"visaclock/internal/audit"
	"visaclock/internal/caseload"
	"visaclock/internal/vault"
)

// MasterKeysEnv holds the master keys, current first, separated by commas
// or newlines, when they are not in a file.
const MasterKeysEnv = "VISACLOCK_MASTER_KEYS"

// keyFile is --master-key-file, or DATA/master.key.
func (f *storeFlags) keyFile() string {
	if f.masterKeyFile != "" {
		return f.masterKeyFile
	}
	return filepath.Join(f.data, "master.key")
}

func parseKeyring(text, where string) (*vault.Keyring, error) {
	var keys []vault.MasterKey
	for _, line := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == ',' || r == '\r' }) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, err := vault.ParseMasterKey(line)
		if err != nil {
			return nil, fmt.Errorf("%s: key %d: %w", where, len(keys)+1, err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s: no master key; make one with `visaclock keys new`", where)
	}
	return vault.NewKeyring(keys[0], keys[1:]...)
}

func runKeysNew(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("keys new", stderr)
	id := fs.Int("id", 1, "the key's `ID`, 1 to 255; give each new key the next id")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	if *id < 1 || *id > 255 {
		return usageError{"--id: from 1 to 255"}
	}
	k, err := vault.NewMasterKey(byte(*id))
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, k.String())
	return nil
}

func runKeysRotate(ctx context.Context, now func() time.Time, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("keys rotate", stderr)
	var sf storeFlags
	sf.register(fs)
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	a, err := sf.openApp(ctx, now, appOptions{}, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	n, err := a.Service.RotateKeys(ctx, operator(""))
	if err != nil {
		return fmt.Errorf("keys rotate: nothing was changed: %w", err)
	}
	fmt.Fprintf(stdout, "re-wrapped %d keys under master key %d; the older master keys can now be removed\n", n, a.Keys.Current())
	return nil
}

func runAuditVerify(ctx context.Context, now func() time.Time, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("audit verify", stderr)
	expect := fs.String("expect", "", "also check that entry `SEQ:HASH`, written down at an earlier check, is still there unchanged, so that entries cut off the end are found")
	var sf storeFlags
	sf.register(fs)
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	a, err := sf.openApp(ctx, now, appOptions{}, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	st := a.Store
	chain, err := caseload.OpenAudit(ctx, st, a.Keys)
	if err != nil {
		return err
	}
	n, err := caseload.VerifyAudit(ctx, st, chain)
	var ae *audit.Error
	if errors.As(err, &ae) {
		fmt.Fprintf(stdout, "audit log TAMPERED: %d good entries, then: %v\n", n, err)
		return statusError{code: 5}
	} else if err != nil {
		return fmt.Errorf("audit verify: reading the log after %d good entries: %w", n, err)
	}
	// A chain cut short, or emptied, still verifies; the records it
	// created remain and say so.
	var ce *caseload.CoverageError
	if err := caseload.VerifyAuditCoverage(ctx, st); errors.As(err, &ce) {
		fmt.Fprintf(stdout, "audit log TAMPERED: its %d entries verify, but %v; entries were removed (or the log emptied) while the records remain\n", n, err)
		return statusError{code: 5}
	} else if err != nil {
		return fmt.Errorf("audit verify: %w", err)
	}
	if *expect != "" {
		seqText, hash, ok := strings.Cut(*expect, ":")
		seq, err := strconv.ParseInt(seqText, 10, 64)
		if !ok || err != nil || seq < 1 {
			return usageError{"--expect: SEQ:HASH, as the last line of an earlier audit verify prints them"}
		}
		got, err := st.AuditEntries(ctx, "", seq-1, 1)
		if err != nil {
			return err
		}
		if len(got) != 1 || got[0].Seq != seq || fmt.Sprintf("%x", got[0].Hash) != strings.ToLower(hash) {
			fmt.Fprintf(stdout, "audit log TAMPERED: entry %d is not the one written down earlier; entries were removed from the end or replaced\n", seq)
			return statusError{code: 5}
		}
	}
	fmt.Fprintf(stdout, "audit log intact: %d entries\n", n)
	if n > 0 {
		last, err := st.AuditEntries(ctx, "", int64(n-1), 1)
		if err == nil && len(last) == 1 {
			// Writing the last hash down elsewhere lets a later check see
			// whether entries were cut off the end, which a chain alone cannot.
			fmt.Fprintf(stdout, "last entry %d, hash %x (check later with --expect %d:%x)\n", last[0].Seq, last[0].Hash, last[0].Seq, last[0].Hash)
		}
	}
	return nil
}

func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("backup", stderr)
	out := fs.String("out", "", "write the snapshot to `FILE`, which must not exist")
	var sf storeFlags
	sf.register(fs)
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"backup: --out FILE is required"}
	}
	st, err := sf.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Backup(ctx, *out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s; it is sealed like the database: keep the master key apart from it\n", *out)
	return nil
}

func runOrgsAdd(ctx context.Context, now func() time.Time, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("orgs add", stderr)
	name := fs.String("name", "", "the organisation's `NAME`, shown to its admins")
	base := fs.String("url", "http://127.0.0.1:8080", "the server's `URL`, for the set-up link")
	var sf storeFlags
	sf.register(fs)
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	a, err := sf.openApp(ctx, now, appOptions{}, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	o, secret, err := a.Service.CreateOrg(ctx, "", *name)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "organisation %s made; its first admin sets up their account, once, within 24 hours, at:\n%s/setup?token=%s\n", o.ID, strings.TrimRight(*base, "/"), secret)
	return nil
}
