package stay

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"visaclock/internal/date"
)

// The JSON names below are a contract (docs/output-format.md): add fields,
// never rename or remove them.

type stepJSON struct {
	Code     string `json:"code"`
	Rule     string `json:"rule"`
	Citation string `json:"citation"`
	Text     string `json:"text"`
	Trip     *int   `json:"trip"`
}

func ptr[T any](v T) *T { return &v }

func datePtr(d date.Date) *date.Date {
	if d == 0 {
		return nil
	}
	return &d
}

func stepsJSON(steps []Step) []stepJSON {
	out := make([]stepJSON, len(steps))
	for i, s := range steps {
		out[i] = stepJSON{Code: s.Kind.Code(), Rule: s.Rule, Citation: s.Citation, Text: s.Sentence()}
		if s.Trip >= 0 {
			out[i].Trip = ptr(s.Trip)
		}
	}
	return out
}

type planJSON struct {
	Enter                    date.Date      `json:"enter"`
	Grant                    string         `json:"grant"`
	Rule                     string         `json:"rule"`
	LatestExit               *date.Date     `json:"latest_exit"`
	MaxStayDays              int            `json:"max_stay_days"`
	EarliestEntry            *earliestJSON  `json:"earliest_entry"`
	LatestExitWithExtensions *date.Date     `json:"latest_exit_with_extensions"`
	ExtensionsUnbounded      bool           `json:"extensions_unbounded"`
	Schedule                 []scheduleJSON `json:"schedule"`
	Explanation              []stepJSON     `json:"explanation"`
}

type earliestJSON struct {
	Date     date.Date `json:"date"`
	StayDays int       `json:"stay_days"`
}

type scheduleJSON struct {
	FileBy          date.Date `json:"file_by"`
	RequestDays     int       `json:"request_days,omitempty"`
	RequestMonths   int       `json:"request_months,omitempty"`
	AuthorizedUntil date.Date `json:"authorized_until"`
	Rule            string    `json:"rule"`
	Citation        string    `json:"citation"`
}

// MarshalJSON writes the plan in the documented output format.
func (pl *Plan) MarshalJSON() ([]byte, error) {
	out := planJSON{
		Enter: pl.Enter, Grant: pl.Grant, Rule: pl.Rule,
		LatestExit: datePtr(pl.LatestExit), MaxStayDays: pl.MaxStayDays,
		LatestExitWithExtensions: datePtr(pl.LatestExitWithExtensions),
		ExtensionsUnbounded:      pl.Unbounded,
		Schedule:                 []scheduleJSON{},
		Explanation:              stepsJSON(pl.Explanation),
	}
	if pl.EarliestEntry != 0 {
		out.EarliestEntry = &earliestJSON{pl.EarliestEntry, pl.EarliestStayDays}
	}
	for _, f := range pl.Schedule {
		out.Schedule = append(out.Schedule, scheduleJSON{f.FileBy, f.Days, f.Months, f.Until, f.Rule, f.Citation})
	}
	return json.Marshal(out)
}

// WriteText writes the evaluation for people to read.
func (ev *Evaluation) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "On %s (rule pack %s): %s\n", ev.AsOf, ev.Rule, strings.ToUpper(string(ev.State)))
	if len(ev.NextActions) > 0 {
		b.WriteString("What to do:\n")
		for i, a := range ev.NextActions {
			fmt.Fprintf(&b, "  %d. %s\n", i+1, a.Sentence())
		}
	}
	if ev.AuthorizedUntil != 0 {
		fmt.Fprintf(&b, "  authorised until   %s", ev.AuthorizedUntil)
		if ev.HasDaysRemaining {
			fmt.Fprintf(&b, " (%d days left)", ev.DaysRemaining)
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "  days overstayed    %d\n", ev.OverstayDays)
	if w := ev.Window; w.Length > 0 {
		fmt.Fprintf(&b, "  window             %d of %d days used in %s to %s (%d left)\n", w.Used, w.Limit, w.From, w.To, w.Remaining)
	}
	if len(ev.Deadlines) > 0 {
		b.WriteString("Deadlines:\n")
		for _, d := range ev.Deadlines {
			fmt.Fprintf(&b, "  %s  %s", d.Date, strings.ReplaceAll(d.Kind, "_", " "))
			if d.BarYearsMin > 0 && d.BarYearsMin < d.BarYears {
				fmt.Fprintf(&b, " (%d- to %d-year ban)", d.BarYearsMin, d.BarYears)
			} else if d.BarYears > 0 {
				fmt.Fprintf(&b, " (%d-year bar)", d.BarYears)
			}
			if d.Condition != "" {
				fmt.Fprintf(&b, " (%s)", strings.ReplaceAll(d.Condition, "_", " "))
			}
			if d.OtherReading != 0 {
				fmt.Fprintf(&b, " (%s on the calendar-year reading)", d.OtherReading)
			}
			fmt.Fprintf(&b, "  [%s]\n", d.Rule)
		}
	}
	if v := ev.PlannedViolation; v.Date != 0 {
		fmt.Fprintf(&b, "Planned trips: the first unlawful day would be %s (trips[%d]) [%s]", v.Date, v.Trip, v.Rule)
		if v.HasWindow {
			fmt.Fprintf(&b, ", %d days in the window", v.WindowUsed)
		}
		b.WriteByte('\n')
	}
	if len(ev.Consequences) > 0 {
		b.WriteString("Possible consequences:\n")
		for _, c := range ev.Consequences {
			fmt.Fprintf(&b, "  - %s\n    (%s)\n", c.describe(), c.Citation)
		}
	}
	if len(ev.Notes) > 0 {
		if ev.FromReport {
			b.WriteString("Caution, this pack encodes a report, not law:\n")
		} else {
			b.WriteString("Caution, no source was found for:\n")
		}
		for _, n := range ev.Notes {
			fmt.Fprintf(&b, "  - %s\n", n)
		}
	}
	b.WriteString("Why:\n")
	writeSteps(&b, ev.Explanation)
	_, err := io.WriteString(w, b.String())
	return err
}

func (c Consequence) describe() string {
	switch c.Kind {
	case KindFine:
		s := fmt.Sprintf("fine of %s %d a day, at most %d: %d to %d for %d days", c.Currency, c.PerDay, c.Cap, c.Min, c.Max, c.Days)
		if c.Discretionary && c.Alternative != "" {
			// The alternative is what the law gives first (EEAL Art. 78(1):
			// a warning; a fine only where serious).
			s = "a " + c.Alternative + "; where serious, a " + s
		}
		return s
	case KindDetention:
		return fmt.Sprintf("detention of %d to %d days, %s", c.Min, c.Max, c.Condition)
	case KindReentryBar:
		when := "from departure on"
		if c.Prospective {
			when = "if leaving on"
		}
		if c.ByDecision {
			when = "from a decision to repatriate or deport (never from leaving by oneself), counted here from"
		}
		if c.Years == 0 {
			return fmt.Sprintf("no re-entry bar for %d days of overstay: %s", c.Days, c.Condition)
		}
		if c.YearsMin != c.Years {
			return fmt.Sprintf("re-entry bar of %d to %d years %s %s (until %s at most): %s", c.YearsMin, c.Years, when, c.From, c.Until, c.Condition)
		}
		return fmt.Sprintf("re-entry bar of %d years %s %s, until %s: %s", c.Years, when, c.From, c.Until, c.Condition)
	}
	return c.Text
}

// WriteText writes the plan for people to read.
func (pl *Plan) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Entering on %s under grant %s (rule pack %s):\n", pl.Enter, pl.Grant, pl.Rule)
	if pl.MaxStayDays > 0 {
		fmt.Fprintf(&b, "  latest exit        %s (%d days)\n", pl.LatestExit, pl.MaxStayDays)
	} else {
		b.WriteString("  entry on that day would not be lawful\n")
		if pl.EarliestEntry != 0 {
			fmt.Fprintf(&b, "  earliest entry     %s, for up to %d days\n", pl.EarliestEntry, pl.EarliestStayDays)
		}
	}
	if pl.LatestExitWithExtensions != 0 {
		fmt.Fprintf(&b, "  with extensions    %s\n", pl.LatestExitWithExtensions)
	}
	if pl.Unbounded {
		b.WriteString("  the rules set no overall limit on extensions; each is discretionary\n")
	}
	for i, f := range pl.Schedule {
		length := fmt.Sprintf("%d days", f.Days)
		if f.Months > 0 {
			length = fmt.Sprintf("%d months", f.Months)
		}
		fmt.Fprintf(&b, "  %d. file by %s for %s, to stay until %s [%s]\n", i+1, f.FileBy, length, f.Until, f.Rule)
	}
	b.WriteString("Why:\n")
	writeSteps(&b, pl.Explanation)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeSteps(b *strings.Builder, steps []Step) {
	for i, s := range steps {
		fmt.Fprintf(b, "  %2d. %s", i+1, s.Sentence())
		if s.Rule != "" {
			fmt.Fprintf(b, " [%s]", s.Rule)
		}
		b.WriteByte('\n')
	}
}
