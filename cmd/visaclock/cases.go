package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"visaclock/internal/caseimport"
	"visaclock/internal/caseload"
)

// runCasesImport imports the cases of a spreadsheet (docs/import-format.md),
// all or none, as the operator of the organisation.
func runCasesImport(ctx context.Context, now func() time.Time, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("cases import", stderr)
	dry := fs.Bool("dry-run", false, "say what the import would do, and store nothing")
	org := fs.String("org", "", "import into the organisation with this `ID`; may be left out when there is one")
	rulesDir := fs.String("rules", "", "also load the rule packs in `DIR`")
	var sf storeFlags
	sf.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	path, err := oneFile(fs)
	if err != nil {
		return err
	}
	data, err := readCapped(ctx, path, nil, caseimport.MaxBytes)
	var big *tooLargeError
	if errors.As(err, &big) {
		big.hint = "import it in parts"
	}
	if err != nil {
		return err
	}
	file := caseimport.Read(data)
	a, err := sf.openApp(ctx, now, appOptions{Rules: *rulesDir}, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	if *org == "" {
		orgs, err := a.Store.Orgs(ctx)
		if err != nil {
			return err
		}
		switch len(orgs) {
		case 0:
			return fmt.Errorf("no organisation yet: start visaclock serve once, or add one with visaclock orgs add")
		case 1:
			*org = orgs[0].ID
		default:
			ids := make([]string, len(orgs))
			for i, o := range orgs {
				ids[i] = o.ID
			}
			return usageError{"cases import: there are several organisations; name one with --org: " + strings.Join(ids, ", ")}
		}
	}
	if _, err := a.Store.FindOrg(ctx, *org); err != nil {
		if caseload.ErrorCode(err) == caseload.ENotFound {
			return usageError{"cases import: --org " + *org + ": no such organisation"}
		}
		return err
	}
	r, err := a.Service.ImportSheet(ctx, operator(*org), file, *dry)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if len(r.Errors) > 0 {
		for _, e := range r.Errors {
			fmt.Fprintf(stderr, "%s: %s\n", path, e)
		}
		return fmt.Errorf("%s: refused, %d errors: nothing was imported", path, len(r.Errors))
	}
	for _, c := range r.Cases {
		lines := fmt.Sprint(c.Lines[0])
		if n := len(c.Lines); n > 1 {
			lines += "–" + fmt.Sprint(c.Lines[n-1])
		}
		state := ""
		if c.Action == caseload.SheetCreate {
			state = string(c.State)
			if c.AuthorizedUntil != 0 {
				state += " until " + c.AuthorizedUntil.String()
			}
		}
		id := c.ID
		if id == "" {
			id = "-"
		}
		fmt.Fprintf(stdout, "%-9s  %-24s  line %-11s  %-28s  %s\n", c.Action, c.Reference, lines, id, state)
	}
	if *dry {
		fmt.Fprintf(stdout, "dry run: %d rows, %d cases: %d to create, %d unchanged; nothing was stored\n", r.Rows, len(r.Cases), r.Created, r.Unchanged)
		return nil
	}
	fmt.Fprintf(stdout, "imported %d cases into %s from %d rows; %d unchanged\n", r.Created, *org, r.Rows, r.Unchanged)
	return nil
}
