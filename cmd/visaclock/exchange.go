package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"visaclock/internal/archive"
	"visaclock/internal/caseload"
)

// operator is the principal of an operator's command: an admin of org,
// named "operator" in the audit log.
func operator(org string) caseload.Principal {
	return caseload.Principal{User: "operator", Org: org, Role: caseload.RoleAdmin}
}

// readSecretFile reads a passphrase or key file, without its final newline.
func readSecretFile(flag, path string) (string, error) {
	if path == "" {
		return "", nil
	}
	b, err := readCapped(context.Background(), path, nil, maxSecretFile)
	if err != nil {
		return "", fmt.Errorf("%s: %w", flag, err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

func runExport(ctx context.Context, now func() time.Time, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export", stderr)
	org := fs.String("org", caseload.DefaultOrg, "the organisation's `ID`")
	out := fs.String("out", "", "write the encrypted export to `FILE`, which must not exist")
	passFile := fs.String("passphrase-file", "", "encrypt to the passphrase in `FILE` (at least 12 characters)")
	recipients := fs.String("recipients-file", "", "encrypt to the age recipients (age1…) in `FILE`, one per line")
	caseID := fs.String("case", "", "export only the case with this `ID`")
	var sf storeFlags
	sf.register(fs)
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	if *out == "" || (*passFile == "") == (*recipients == "") {
		return usageError{"export: --out FILE and one of --passphrase-file or --recipients-file are required"}
	}
	pass, err := readSecretFile("--passphrase-file", *passFile)
	if err != nil {
		return err
	}
	rcpt, err := readSecretFile("--recipients-file", *recipients)
	if err != nil {
		return err
	}
	a, err := sf.openApp(ctx, now, appOptions{}, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	var ids []string
	if *caseID != "" {
		ids = []string{*caseID}
	}
	b, err := a.Service.Export(ctx, operator(*org), ids)
	if err != nil {
		return err
	}
	plain, err := b.Encode()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := archive.Encrypt(&buf, plain, archive.Key{Passphrase: pass, Recipients: rcpt}); err != nil {
		return err
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "exported %d cases of %s to %s (encrypted)\n", len(b.Cases), *org, *out)
	return nil
}

func runImport(ctx context.Context, now func() time.Time, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("import", stderr)
	org := fs.String("org", caseload.DefaultOrg, "import into the organisation with this `ID`")
	passFile := fs.String("passphrase-file", "", "decrypt with the passphrase in `FILE`")
	identities := fs.String("identity-file", "", "decrypt with the age identities (AGE-SECRET-KEY-1…) in `FILE`")
	var sf storeFlags
	sf.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	path, err := oneFile(fs)
	if err != nil {
		return err
	}
	if (*passFile == "") == (*identities == "") {
		return usageError{"import: one of --passphrase-file or --identity-file is required"}
	}
	pass, err := readSecretFile("--passphrase-file", *passFile)
	if err != nil {
		return err
	}
	ids, err := readSecretFile("--identity-file", *identities)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	plain, err := archive.Decrypt(f, archive.Key{Passphrase: pass, Identities: ids})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	b, err := caseload.DecodeBundle(plain)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	a, err := sf.openApp(ctx, now, appOptions{}, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	n, err := a.Service.Import(ctx, operator(*org), b)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	fmt.Fprintf(stdout, "imported %d cases into %s\n", n, *org)
	return nil
}
