package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"visaclock/internal/checker"
	"visaclock/internal/date"
	"visaclock/internal/stay"
)

func runPlan(ctx context.Context, now func() time.Time, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("plan", stderr)
	asJSON := fs.Bool("json", false, "write JSON instead of text")
	grant := fs.String("grant", "", "plan under the grant with `ID` (default: the only grant, or that of the latest trip before DATE)")
	rulesDir := fs.String("rules", "", "also load the rule packs in `DIR`")
	var enter date.Date
	fs.Var(dateFlag{&enter}, "enter", "the planned date of entry, `DATE` (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if enter == 0 {
		return usageError{"plan: --enter DATE is required"}
	}
	name, err := oneFile(fs)
	if err != nil {
		return err
	}
	reg, err := loadRules(*rulesDir)
	if err != nil {
		return err
	}
	data, err := readInput(ctx, name, stdin)
	if err != nil {
		return err
	}
	pl, err := checker.Plan(data, reg.Lookup, today(now), enter, *grant)
	if err != nil {
		var fe *stay.FieldError
		if errors.As(err, &fe) {
			return fmt.Errorf("--%s: %s", fe.Path, fe.Msg)
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	if *asJSON {
		b, err := checker.PlanJSON(pl)
		if err != nil {
			return err
		}
		_, err = stdout.Write(b)
		return err
	}
	return pl.WriteText(stdout)
}
