package rules

import (
	"errors"
	"strings"
	"testing"

	"visaclock/internal/date"
)

func validPack() *Pack {
	r := Rule{ID: "r", Citation: "c"}
	return &Pack{ID: "p", Version: "1", Title: "t", Jurisdiction: "J", Source: "law",
		Stay:      &Stay{Rule: r, Unit: UnitDays, Length: 30},
		Extension: &Extension{Rule: r, ClosesDaysBefore: 7, Cap: &Cap{Rule: r, OriginalStay: true}},
		Overstay: &Overstay{Rule: r, Fine: &Fine{Rule: r, Currency: "CNY",
			PerDay: []Dated{{From: date.MustParse("2013-07-01"), Value: 500, Citation: "c"}},
			Cap:    []Dated{{From: date.MustParse("2013-07-01"), Value: 10000, Citation: "c"}}}},
	}
}

func TestValidate(t *testing.T) {
	if err := validPack().Validate(); err != nil {
		t.Fatalf("valid pack: %v", err)
	}
	tests := []struct {
		name   string
		change func(p *Pack)
		path   string
	}{
		{"missing citation", func(p *Pack) { p.Stay.Citation = " " }, "stay.citation"},
		{"unknown unit", func(p *Pack) { p.Stay.Unit = "weeks" }, "stay.unit"},
		{"months without end-of-month rule", func(p *Pack) { p.Stay.Unit = UnitMonths }, "stay.end_of_month"},
		{"report without disagreements", func(p *Pack) { p.Source = "report" }, "disagreements"},
		{"unknown source", func(p *Pack) { p.Source = "blog" }, "source"},
		{"window limit not below length", func(p *Pack) { p.Window = &Window{Rule: Rule{ID: "w", Citation: "c"}, Length: 90, Limit: 90} }, "window"},
		{"two caps", func(p *Pack) { p.Extension.Cap.Days = 10 }, "extension.cap"},
		{"dated values out of order", func(p *Pack) {
			p.Overstay.Fine.Cap = append(p.Overstay.Fine.Cap, Dated{From: date.MustParse("2000-01-01"), Value: 1, Citation: "c"})
		}, "overstay.fine.cap[1].from"},
		{"bar below one day", func(p *Pack) {
			p.Overstay.Bars = []Bar{{Rule: Rule{ID: "b", Citation: "c"}, Basis: PerStay, MinDays: 0, Years: 3}}
		}, "overstay.bars[0].min_days"},
		{"bar range upside down", func(p *Pack) {
			five := 5
			p.Overstay.Bars = []Bar{{Rule: Rule{ID: "b", Citation: "c"}, Basis: PerStay, MinDays: 1, Years: 3, YearsMin: &five}}
		}, "overstay.bars[0].years"},
		{"nothing to apply", func(p *Pack) { p.Stay, p.Extension = nil, nil }, "stay"},
		{"visa beside a per-entry stay", func(p *Pack) { p.Visa = &Visa{Rule: Rule{ID: "v", Citation: "c"}} }, "visa"},
		{"corresponding date on days", func(p *Pack) { p.Stay.CorrespondingDate = true }, "stay.corresponding_date"},
		{"receipt of no days", func(p *Pack) {
			p.Extension.Pending = &Rule{ID: "p", Citation: "c"}
			p.Extension.Receipt = &Receipt{Rule: Rule{ID: "r", Citation: "c"}, WorkingDays: 0, Calendar: "cn"}
		}, "extension.receipt.working_days"},
		{"receipt on an unknown calendar", func(p *Pack) {
			p.Extension.Pending = &Rule{ID: "p", Citation: "c"}
			p.Extension.Receipt = &Receipt{Rule: Rule{ID: "r", Citation: "c"}, WorkingDays: 7, Calendar: "us"}
		}, "extension.receipt.calendar"},
		{"receipt without pending presence", func(p *Pack) {
			p.Extension.Pending = nil
			p.Extension.Receipt = &Receipt{Rule: Rule{ID: "r", Citation: "c"}, WorkingDays: 7, Calendar: "cn"}
		}, "extension.receipt"},
		{"year reading on a band not of a year", func(p *Pack) {
			p.Overstay.Bars = []Bar{{Rule: Rule{ID: "b", Citation: "c"}, Basis: PerStay, MinDays: 181, Years: 3, YearReading: true}}
		}, "overstay.bars[0].year_reading_unsettled"},
		{"adult age out of range", func(p *Pack) {
			p.Overstay.Bars = []Bar{{Rule: Rule{ID: "b", Citation: "c"}, Basis: PerStay, MinDays: 1, Years: 3, MinAgeAtBreach: 99}}
		}, "overstay.bars[0].min_age_at_breach"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validPack()
			tt.change(p)
			err := p.Validate()
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate = %v, want a ValidationError", err)
			}
			for _, fe := range ve.Errors {
				if fe.Path == tt.path {
					return
				}
			}
			t.Fatalf("Validate = %v, want an error at %s", err, tt.path)
		})
	}
}

func TestAt(t *testing.T) {
	vs := []Dated{
		{From: date.MustParse("1994-07-15"), Value: 5000, Citation: "old"},
		{From: date.MustParse("2013-07-01"), Value: 10000, Citation: "new"},
	}
	for _, tt := range []struct {
		on   string
		want int
		ok   bool
	}{{"1990-01-01", 0, false}, {"2013-06-30", 5000, true}, {"2013-07-01", 10000, true}, {"2026-01-01", 10000, true}} {
		got, ok := At(vs, date.MustParse(tt.on))
		if ok != tt.ok || got.Value != tt.want {
			t.Errorf("At(%s) = %d, %v; want %d, %v", tt.on, got.Value, ok, tt.want, tt.ok)
		}
	}
}

func TestCount(t *testing.T) {
	for in, want := range map[string]Count{`3`: 3, `"multiple"`: Multiple} {
		var c Count
		if err := c.UnmarshalJSON([]byte(in)); err != nil || c != want {
			t.Errorf("UnmarshalJSON(%s) = %d, %v", in, c, err)
		}
	}
	for _, in := range []string{`0`, `-1`, `"many"`, `1.5`} {
		var c Count
		if err := c.UnmarshalJSON([]byte(in)); err == nil || !strings.Contains(err.Error(), "multiple") {
			t.Errorf("UnmarshalJSON(%s) = %v, want an error saying what is accepted", in, err)
		}
	}
}
