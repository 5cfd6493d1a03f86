package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"visaclock/internal/sqlstore/sqlstoretest"
)

func TestCasesImportSQLite(t *testing.T) { testCasesImport(t, nil) }
func TestCasesImportPostgres(t *testing.T) {
	testCasesImport(t, []string{"--db", sqlstoretest.SchemaURL(t, "vc_sheet_")})
}

// testCasesImport runs `visaclock cases import` on the template: a dry run
// lists what it would create and stores nothing, the import creates the
// cases, importing again leaves them unchanged, and a bad file is refused
// with its line and column and exit status 1. With two organisations,
// --org must be given.
func testCasesImport(t *testing.T, db []string) {
	data := t.TempDir()
	store := append([]string{"--data", data}, db...)
	if _, err := runCmd(t, append([]string{"orgs", "add", "--name", "One"}, store...)...); err != nil {
		t.Fatal(err)
	}
	tmpl := filepath.Join("..", "..", "examples", "import-template.csv")
	cmd := func(args ...string) (string, error) {
		return runCmd(t, append(append([]string{"cases", "import"}, store...), args...)...)
	}
	out, err := cmd("--dry-run", tmpl)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"create     FV-2026-101               line 2–3          -                             overstay until 2026-11-18",
		"create     US-2026-007               line 4            -                             overstay until 2026-03-15",
		"create     SC-2026-040               line 5–6          -                             absent",
		"dry run: 5 rows, 3 cases: 3 to create, 0 unchanged; nothing was stored",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run: no line %q in\n%s", want, out)
		}
	}
	if out, err = cmd(tmpl); err != nil || !strings.Contains(out, "imported 3 cases into o_") || !strings.Contains(out, "from 5 rows; 0 unchanged") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if out, err = cmd(tmpl); err != nil || strings.Count(out, "unchanged  ") != 3 || !strings.Contains(out, "imported 0 cases") {
		t.Fatalf("again: %v\n%s", err, out)
	}

	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("reference,rule,stay_days,entry,exit\nA,cn-family-visit,60,2026-03-01,2026-02-01\nB,cn-family-visit,sixty,2026-03-01,\n"), 0o600)
	_, err = cmd(bad)
	if status(err) != 1 {
		t.Errorf("a bad file: exit status %d, want 1", status(err))
	}
	for _, want := range []string{
		bad + ": line 2, column exit: 2026-02-01 is before the entry 2026-03-01",
		bad + `: line 3, column stay_days: "sixty" is not a whole number: write digits alone, such as 30`,
		"refused, 2 errors: nothing was imported",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("a bad file: %v; want it to say %q", err, want)
		}
	}

	// A file over the cap is refused by its size, naming the cap, before
	// anything reads it whole (a sparse file: no disk is used).
	huge := filepath.Join(t.TempDir(), "huge.csv")
	if err := os.WriteFile(huge, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, 33<<20); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd(huge); status(err) != 1 || !strings.Contains(err.Error(), "larger than 32 MiB") || !strings.Contains(err.Error(), "import it in parts") {
		t.Errorf("a file over the cap: %v (status %d)", err, status(err))
	}

	if _, err := runCmd(t, append([]string{"orgs", "add", "--name", "Two"}, store...)...); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd("--org", "o_nosuch", tmpl); status(err) != 2 || !strings.Contains(err.Error(), "--org o_nosuch: no such organisation") {
		t.Errorf("an unknown --org: %v (status %d), want a usage error", err, status(err))
	}
	if _, err := cmd(tmpl); status(err) != 2 || !strings.Contains(err.Error(), "name one with --org") {
		t.Errorf("two organisations, no --org: %v (status %d), want a usage error", err, status(err))
	}
}
