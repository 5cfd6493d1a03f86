package wording

import (
	"regexp"
	"strings"
	"testing"

	"visaclock/internal/date"
	"visaclock/internal/i18n"
	"visaclock/internal/packs"
	"visaclock/internal/stay"
)

var missingKey = regexp.MustCompile(`\[[a-z_]+(\.[a-z0-9_]+)+\]`)

// noBan is wording that turns "no bar" or "a warning first" into a bar or
// a fine: "0 years", "Instead: warning", "leaving now would start".
var noBan = regexp.MustCompile(`(^|[^0-9])0 years|(^|[^0-9])0年内|(^|[^0-9])0년간|Instead: warning|：warning|leaving now would start`)

// TestTextInEveryLanguage words evaluations that reach every kind of next
// action, in every language a reader may choose: no message is missing,
// and each language uses its own words for the same facts.
func TestTextInEveryLanguage(t *testing.T) {
	reg, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	d := date.MustParse
	q2 := []stay.Grant{{ID: "q2", Rule: "cn-family-visit", StayDays: 30}}
	histories := []stay.History{
		// lawful, filing open: file_extension, leave_by
		{AsOf: d("2018-04-01"), Grants: q2, Trips: []stay.Trip{{Entry: d("2018-03-18")}}},
		// pending, receipt run out: return_to_office, leave_now if refused
		{AsOf: d("2018-04-19"), Grants: q2, Trips: []stay.Trip{{Entry: d("2018-03-18")}},
			Extensions: []stay.Extension{{Filed: d("2018-04-09"), RequestedDays: 30, Outcome: stay.Pending}}},
		// a late refusal: leave_now at once
		{AsOf: d("2018-04-22"), Grants: q2, Trips: []stay.Trip{{Entry: d("2018-03-18")}},
			Extensions: []stay.Extension{{Filed: d("2018-04-09"), RequestedDays: 30, Outcome: stay.Refused, Decided: d("2018-04-20")}}},
		// US overstay past 180 days: the bar now and the bar ahead, both readings
		{AsOf: d("2023-10-01"), Grants: []stay.Grant{{ID: "b2", Rule: "us-visitor", AdmitUntil: d("2023-02-28")}}, Trips: []stay.Trip{{Entry: d("2022-09-01")}}},
		// CN overstay: a warning first, bans only by decision
		{AsOf: d("2024-04-05"), Grants: q2, Trips: []stay.Trip{{Entry: d("2024-03-01")}}},
		// UK: a disregarded short overstay, and a US I-539 pending
		{AsOf: d("2025-05-10"), Grants: []stay.Grant{{ID: "v", Rule: "uk-standard-visitor", StayDays: 3}}, Trips: []stay.Trip{{Entry: d("2025-01-10"), Exit: d("2025-05-01")}}},
		{AsOf: d("2024-03-10"), Grants: []stay.Grant{{ID: "b2", Rule: "us-visitor", AdmitUntil: d("2024-03-20")}}, Trips: []stay.Trip{{Entry: d("2023-09-21")}},
			Extensions: []stay.Extension{{Filed: d("2024-03-01"), RequestedMonths: 6, Outcome: stay.Pending, Filing: stay.Electronic}}},
		// a DPRK passport under the PRC's visa-free list: never covered
		{AsOf: d("2025-03-10"), Grants: []stay.Grant{{ID: "vf", Rule: "cn-visa-free-unilateral", Nationality: "PRK"}}, Trips: []stay.Trip{{Entry: d("2025-03-01")}}},
		// a Schengen visa, lawful
		{AsOf: d("2025-03-20"), Grants: []stay.Grant{{ID: "c", Rule: "schengen-short-stay", ValidFrom: d("2025-03-01"), ValidUntil: d("2025-04-30"), StayDays: 15}}, Trips: []stay.Trip{{Entry: d("2025-03-10")}}},
	}
	seen := map[string]bool{}
	for _, l := range i18n.Choices {
		p := cat.Printer(l)
		var all strings.Builder
		for i := range histories {
			h := histories[i]
			c, err := stay.Prepare(&h, reg.Lookup)
			if err != nil {
				t.Fatal(err)
			}
			ev := c.Evaluate(h.AsOf)
			for _, a := range ev.NextActions {
				seen[ActionKey(a)] = true
			}
			all.WriteString(Text(p, ev))
		}
		out := all.String()
		if m := missingKey.FindString(out); m != "" {
			t.Errorf("%s: %s has no message:\n%s", l, m, out)
		}
		want := map[i18n.Lang][]string{
			i18n.English: {"Go back to the exit-entry office at once", "Leaving now already brings the 3-year bar",
				"A warning; only where the circumstances are serious", "Leaving by oneself brings no such ban",
				"No re-entry bar for 22 days of overstay", "This right did not cover your entry"},
			i18n.Chinese: {"受理回执", "非法居留", "现在离境已会导致3年内不准入境", "一般给予警告；情节严重的", "自行离境不因此不准入境",
				"此项权利不适用于您的入境"},
			i18n.Korean:   {"접수증", "해야 할 일"},
			i18n.KoreanKP: {"접수증", "해야 할 일"},
		}[l]
		if m := noBan.FindString(out); m != "" {
			t.Errorf("%s: the text says %q:\n%s", l, m, out)
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: the text lacks %q:\n%s", l, w, out)
			}
		}
	}
	for _, k := range []string{"next.leave_now.not_allowed", "next.file_extension", "next.leave_by", "next.return_to_office", "next.leave_now.if_refused", "next.leave_now.late_refusal", "next.leave_to_avoid_bar", "next.seek_legal_advice"} {
		if !seen[k] {
			t.Errorf("no history reached %s", k)
		}
	}
}
