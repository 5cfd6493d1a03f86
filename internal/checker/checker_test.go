package checker

import (
	"errors"
	"strings"
	"testing"

	"visaclock/internal/date"
	"visaclock/internal/i18n"
	"visaclock/internal/packs"
	"visaclock/internal/stay"
)

func registry(t testing.TB) *packs.Registry {
	t.Helper()
	reg, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// TestFormHistory: the checker form read into the history document the
// page saves and the engine evaluates.
func TestFormHistory(t *testing.T) {
	for _, tc := range []struct {
		name string
		form Form
		want string
	}{
		{"family visit", Form{"rule": "cn-family-visit", "stay_days": "30", "entry0": "2018-03-18", "as_of": "2018-04-01"},
			`{"as_of":"2018-04-01","grants":[{"id":"visa","rule":"cn-family-visit","stay_days":30}],"trips":[{"entry":"2018-03-18"}]}`},
		{"blank rows skipped, spaces trimmed", Form{"rule": "schengen-short-stay", "entry1": " 2014-01-01 ", "exit1": "2014-01-10", "entry0": "", "exit0": "", "entry3": "2014-02-01"},
			`{"grants":[{"id":"visa","rule":"schengen-short-stay"}],"trips":[{"entry":"2014-01-01","exit":"2014-01-10"},{"entry":"2014-02-01"}]}`},
		{"an extension, granted", Form{"rule": "cn-family-visit", "stay_days": "30", "entry0": "2018-03-18", "ext_filed0": "2018-04-09", "ext_days0": "30", "ext_outcome0": "granted", "ext_decided0": "2018-04-12", "ext_granted0": "20"},
			`{"grants":[{"id":"visa","rule":"cn-family-visit","stay_days":30}],"trips":[{"entry":"2018-03-18"}],"extensions":[{"filed":"2018-04-09","requested_days":30,"outcome":"granted","decided":"2018-04-12","granted_days":20}]}`},
		{"an extension with no outcome is pending", Form{"rule": "cn-family-visit", "ext_filed0": "2018-04-09"},
			`{"grants":[{"id":"visa","rule":"cn-family-visit"}],"extensions":[{"filed":"2018-04-09","outcome":"pending"}]}`},
		{"the visa's other fields", Form{"rule": "cn-visa-free-unilateral", "nationality": "fra", "valid_until": "2026-12-31", "admit_until": "2026-10-01"},
			`{"grants":[{"id":"visa","rule":"cn-visa-free-unilateral","valid_until":"2026-12-31","admit_until":"2026-10-01","nationality":"FRA"}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, doc, err := tc.form.History()
			if err != nil {
				t.Fatal(err)
			}
			if got := string(doc); got != tc.want {
				t.Errorf("history:\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestFormErrors: each bad field is named as the form names it, with what
// is accepted.
func TestFormErrors(t *testing.T) {
	for _, tc := range []struct {
		form  Form
		field string
		msg   string
	}{
		{Form{}, "rule", "required"},
		{Form{"rule": "x", "as_of": "1 April"}, "as_of", "YYYY-MM-DD"},
		{Form{"rule": "x", "stay_days": "thirty"}, "stay_days", "whole number from 1 to 3650"},
		{Form{"rule": "x", "stay_days": "0"}, "stay_days", "whole number"},
		{Form{"rule": "x", "nationality": "France"}, "nationality", "three letters"},
		{Form{"rule": "x", "exit2": "2018-01-01"}, "entry2", "required"},
		{Form{"rule": "x", "entry0": "2018-02-30"}, "entry0", "not a date"},
		{Form{"rule": "x", "ext_days1": "5"}, "ext_filed1", "required"},
		{Form{"rule": "x", "ext_filed0": "2018-01-01", "ext_outcome0": "maybe"}, "ext_outcome0", "accepted: pending, granted, refused"},
		{Form{"rule": "x", "ext_filed0": "2018-01-01", "ext_granted0": "-3"}, "ext_granted0", "whole number"},
	} {
		_, _, err := tc.form.History()
		var fe *FormError
		if !errors.As(err, &fe) {
			t.Errorf("%v: got %v, want a FormError", tc.form, err)
			continue
		}
		if fe.Field != tc.field || !strings.Contains(fe.Msg, tc.msg) {
			t.Errorf("%v: got %s: %s, want %s: …%s…", tc.form, fe.Field, fe.Msg, tc.field, tc.msg)
		}
	}
}

// TestEngineErrorsByField: what the engine refuses is shown beside the
// form field it comes from, in the reader's language.
func TestEngineErrorsByField(t *testing.T) {
	reg := registry(t)
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		form  Form
		field string
	}{
		// The second filled row is the form's row 2.
		{Form{"rule": "schengen-short-stay", "as_of": "2014-03-01", "entry0": "2014-01-01", "exit0": "2014-01-05", "entry2": "2014-02-10", "exit2": "2014-02-01"}, "exit2"},
		{Form{"rule": "no-such-pack", "as_of": "2014-03-01"}, "rule"},
		{Form{"rule": "cn-family-visit", "as_of": "2018-04-01", "entry0": "2018-03-18", "stay_days": "30", "ext_filed1": "2018-03-01"}, "ext_filed1"},
	} {
		_, doc, err := tc.form.History()
		if err != nil {
			t.Fatalf("%v: %v", tc.form, err)
		}
		_, err = Evaluate(doc, reg.Lookup, 0)
		if err == nil {
			t.Errorf("%v: the engine accepted it", tc.form)
			continue
		}
		for _, l := range i18n.Choices {
			pr := Explain(cat.Printer(l), tc.form, err)
			if pr.Field != tc.field || pr.Message == "" || strings.Contains(pr.Message, "[invalid.") {
				t.Errorf("%s %v: %+v, want field %s and a message (%v)", l, tc.form, pr, tc.field, err)
			}
		}
	}
}

// TestWords: the family-visit pack's first worked example in each
// language: the state, the date and the days left, and every step of the
// explanation with its citation.
func TestWords(t *testing.T) {
	reg := registry(t)
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	_, doc, err := Form{"rule": "cn-family-visit", "stay_days": "30", "entry0": "2018-03-18", "as_of": "2018-04-01"}.History()
	if err != nil {
		t.Fatal(err)
	}
	ev, err := Evaluate(doc, reg.Lookup, 0)
	if err != nil {
		t.Fatal(err)
	}
	for l, until := range map[i18n.Lang]string{i18n.English: "17 Apr 2018", i18n.Chinese: "2018年4月17日", i18n.Korean: "2018년 4월 17일", i18n.KoreanKP: "2018년 4월 17일"} {
		v := Words(cat.Printer(l), ev)
		if v.State != "lawful" || v.Until != until || v.DaysLeft == nil || *v.DaysLeft != 16 || !strings.Contains(v.Status, until) {
			t.Errorf("%s: %+v", l, v)
		}
		if len(v.Steps) != len(ev.Explanation) || len(v.Actions) != len(ev.NextActions) || len(v.Deadlines) == 0 {
			t.Errorf("%s: %d steps, %d actions, %d deadlines for %d, %d, %d", l, len(v.Steps), len(v.Actions), len(v.Deadlines), len(ev.Explanation), len(ev.NextActions), len(ev.Deadlines))
		}
		for _, s := range append(append(v.Steps, v.Actions...), v.Deadlines...) {
			if s.Text == "" || strings.Contains(s.Text, "[") {
				t.Errorf("%s: a line without words: %+v", l, s)
			}
		}
	}
}

// TestEvaluateNeedsADate: the module reads no clock, so a history
// without as_of, with no date given, is refused by name.
func TestEvaluateNeedsADate(t *testing.T) {
	reg := registry(t)
	doc := []byte(`{"grants": [{"id": "q2", "rule": "cn-family-visit", "stay_days": 30}], "trips": [{"entry": "2018-03-18"}]}`)
	if _, err := Evaluate(doc, reg.Lookup, 0); err == nil || !strings.Contains(err.Error(), "as_of") {
		t.Errorf("Evaluate without a date: %v", err)
	}
	if _, err := Plan(doc, reg.Lookup, 0, date.MustParse("2018-03-18"), ""); err == nil || !strings.Contains(err.Error(), "as_of") {
		t.Errorf("Plan without a date: %v", err)
	}
	ev, err := Evaluate(doc, reg.Lookup, date.MustParse("2018-04-01"))
	if err != nil || ev.State != stay.StateLawful {
		t.Errorf("Evaluate on 2018-04-01: %v, %v", ev, err)
	}
}

// FuzzFormHistory: any form gives a history the engine can take or an
// error naming a field; never a panic.
func FuzzFormHistory(f *testing.F) {
	reg := registry(f)
	cat, err := i18n.Load()
	if err != nil {
		f.Fatal(err)
	}
	p := cat.Printer(i18n.KoreanKP)
	f.Add("cn-family-visit", "30", "2018-03-18", "", "2018-04-09", "30", "pending", "2018-04-01")
	f.Add("schengen-short-stay", "", "2014-01-01", "2014-01-10", "", "", "", "2014-03-01")
	f.Add("", "x", "2018-13-01", "yesterday", "2018-04-09", "-1", "maybe", "")
	f.Fuzz(func(t *testing.T, rule, days, entry, exit, filed, extDays, outcome, asOf string) {
		form := Form{"rule": rule, "stay_days": days, "entry0": entry, "exit0": exit, "ext_filed0": filed, "ext_days0": extDays, "ext_outcome0": outcome, "as_of": asOf}
		_, doc, err := form.History()
		if err != nil {
			var fe *FormError
			if !errors.As(err, &fe) || fe.Field == "" || fe.Msg == "" {
				t.Fatalf("%v: %v is not a FormError with a field and a message", form, err)
			}
			if _, ok := form[fe.Field]; !ok {
				t.Fatalf("%v: the error names %q, which the form does not have", form, fe.Field)
			}
			return
		}
		if _, err := Evaluate(doc, reg.Lookup, date.MustParse("2026-01-01")); err != nil {
			if pr := Explain(p, form, err); pr.Field == "" {
				t.Fatalf("%v: %v has no field", form, err)
			}
		}
	})
}
