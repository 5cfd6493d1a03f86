package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"visaclock/internal/checker"
	"visaclock/internal/date"
	"visaclock/internal/i18n"
	"visaclock/internal/stay"
	"visaclock/internal/wording"
)

func runCheck(ctx context.Context, now func() time.Time, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("check", stderr)
	asJSON := fs.Bool("json", false, "write JSON instead of text")
	batch := fs.Bool("batch", false, "read JSON lines, one history per line, and write one evaluation per line")
	explainFlag := fs.String("explain", "", "how much explanation the JSON carries: `full`, compact (each citation once) or none (default full with --json, compact with --batch)")
	rulesDir := fs.String("rules", "", "also load the rule packs in `DIR`")
	lang := fs.String("lang", "", "write the text in `LANG`: en, zh, ko or ko-KP (default en)")
	var asOf date.Date
	fs.Var(dateFlag{&asOf}, "as-of", "evaluate on `DATE` when a history gives no as_of (default today)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if asOf == 0 {
		asOf = today(now)
	}
	explain := stay.ExplainFull
	if *batch {
		explain = stay.ExplainCompact
	}
	if *explainFlag != "" {
		if !*asJSON && !*batch {
			return usageError{"check: --explain shapes the JSON output; give it with --json or --batch"}
		}
		x, err := stay.ParseExplain(*explainFlag)
		if err != nil {
			return usageError{"check: --explain: " + err.Error()}
		}
		explain = x
	}
	var printer *i18n.Printer
	if *lang != "" {
		if *asJSON || *batch {
			return usageError{"check: --lang words the text output; JSON stays English, so give --lang without --json or --batch"}
		}
		l, ok := i18n.Parse(*lang)
		if !ok {
			return usageError{fmt.Sprintf("check: --lang %q is not accepted; accepted: en, zh, ko, ko-KP", *lang)}
		}
		cat, err := i18n.Load()
		if err != nil {
			return err
		}
		printer = cat.Printer(l)
	}
	reg, err := loadRules(*rulesDir)
	if err != nil {
		return err
	}
	if *batch {
		name := "-"
		if fs.NArg() == 1 {
			name = fs.Arg(0)
		} else if fs.NArg() > 1 {
			return usageError{"check --batch: give at most one FILE"}
		}
		in := stdin
		if name != "-" {
			f, err := os.Open(name)
			if err != nil {
				return err
			}
			defer f.Close()
			in = f
		}
		wr := newWaitingReader(ctx, in)
		defer wr.Close()
		return checkBatchExplain(ctx, wr, stdout, reg, asOf, explain)
	}
	name, err := oneFile(fs)
	if err != nil {
		return err
	}
	data, err := readInput(ctx, name, stdin)
	if err != nil {
		return err
	}
	ev, err := checker.Evaluate(data, reg.Lookup, asOf)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if *asJSON {
		b, err := checker.EvaluationJSON(ev, explain)
		if err != nil {
			return err
		}
		if _, err := stdout.Write(b); err != nil {
			return err
		}
	} else if printer != nil {
		if _, err := io.WriteString(stdout, wording.Text(printer, ev)); err != nil {
			return err
		}
	} else if err := ev.WriteText(stdout); err != nil {
		return err
	}
	switch ev.State {
	case stay.StateOverstay:
		return statusError{3}
	case stay.StatePending:
		return statusError{4}
	}
	return nil
}
