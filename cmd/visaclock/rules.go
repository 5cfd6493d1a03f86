package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"visaclock/internal/packs"
)

func runRulesList(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("rules list", stderr)
	rulesDir := fs.String("rules", "", "also load the rule packs in `DIR`")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	reg, err := loadRules(*rulesDir)
	if err != nil {
		return err
	}
	for _, id := range reg.IDs() {
		f, _ := reg.File(id)
		src := ""
		if f.Source == "report" {
			src = "  (report, not law)"
		}
		fmt.Fprintf(stdout, "%-30s %-8s %-15s %s%s\n", f.ID, f.Version, f.Jurisdiction, f.Title, src)
	}
	return nil
}

func runRulesShow(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("rules show", stderr)
	rulesDir := fs.String("rules", "", "also load the rule packs in `DIR`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"rules show: give one pack ID"}
	}
	reg, err := loadRules(*rulesDir)
	if err != nil {
		return err
	}
	f, ok := reg.File(fs.Arg(0))
	if !ok {
		return fmt.Errorf("rules show: unknown pack %q; accepted: %s", fs.Arg(0), strings.Join(reg.IDs(), ", "))
	}
	return showPack(stdout, f)
}

func runRulesValidate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("rules validate", stderr)
	rulesDir := fs.String("rules", "", "also load the rule packs in `DIR`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{"rules validate: give one or more FILEs"}
	}
	reg, err := loadRules(*rulesDir)
	if err != nil {
		return err
	}
	failed := 0
	for _, name := range fs.Args() {
		data, err := readCapped(context.Background(), name, nil, maxDocument)
		if err == nil {
			var f *packs.File
			if f, err = packs.Parse(data); err == nil {
				err = reg.With(f).RunTests(f)
			}
			if err == nil {
				fmt.Fprintf(stdout, "%s: ok: pack %s %s, %d worked examples pass\n", name, f.ID, f.Version, len(f.Tests))
				continue
			}
		}
		failed++
		fmt.Fprintf(stdout, "%s: %v\n", name, err)
	}
	if failed > 0 {
		return fmt.Errorf("rules validate: %d of %d files failed", failed, fs.NArg())
	}
	return nil
}

func showPack(w io.Writer, f *packs.File) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %s\n", f.ID, f.Version, f.Title)
	fmt.Fprintf(&b, "jurisdiction: %s   source: %s\n", f.Jurisdiction, f.Source)
	if f.Effective.From != 0 || f.Effective.Until != 0 {
		fmt.Fprintf(&b, "in force: %s to %s\n", orOpen(f.Effective.From.String()), orOpen(f.Effective.Until.String()))
	}
	fmt.Fprintf(&b, "\n%s\n", strings.TrimSpace(f.Summary))
	rule := func(name, id, cite string) { fmt.Fprintf(&b, "\n%s [%s]\n  %s\n", name, id, cite) }
	for _, r := range f.Rules() {
		name := ruleNames[r.Kind]
		switch r.Kind {
		case "window":
			name = fmt.Sprintf("Rolling window: %d days in any %d", r.Limit, r.Length)
		case "year_cap":
			name = fmt.Sprintf("Calendar-year cap: %d days", r.Limit)
		}
		rule(name, r.Rule.ID, r.Rule.Citation)
	}
	if len(f.Unverified) > 0 {
		b.WriteString("\nNo source was found for:\n")
		for _, u := range f.Unverified {
			fmt.Fprintf(&b, "  - %s\n", u)
		}
	}
	if len(f.Disagreements) > 0 {
		b.WriteString("\nWhere this report disagrees with the statute:\n")
		for _, d := range f.Disagreements {
			fmt.Fprintf(&b, "  - %s\n    report:  %s\n    statute: %s\n    source:  %s\n", d.Topic, d.Report, d.Statute, d.Citation)
		}
	}
	fmt.Fprintf(&b, "\nWorked examples: %d\n", len(f.Tests))
	for _, t := range f.Tests {
		fmt.Fprintf(&b, "  - %s\n    source: %s\n", t.Name, t.Source)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// ruleNames are the CLI's English names of a pack's primitives
// (rules.PackRule.Kind).
var ruleNames = map[string]string{
	"stay":               "Stay per entry",
	"visa":               "Visa validity and duration of stay",
	"eligibility":        "Who may use this right",
	"entries":            "Entries",
	"extension":          "Extension",
	"extension_cap":      "Extension cap",
	"extension_rollover": "Filing deadline on a non-business day",
	"extension_pending":  "Lawful while pending",
	"extension_receipt":  "Acceptance receipt",
	"extension_refusal":  "After refusal",
	"overstay":           "Overstay",
	"fine":               "Fine",
	"detention":          "Detention",
	"bar":                "Re-entry bar",
}

func orOpen(s string) string {
	if s == "" {
		return "open"
	}
	return s
}
