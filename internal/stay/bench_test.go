package stay_test

import (
	"testing"

	"visaclock/internal/date"
	"visaclock/internal/packs"
	"visaclock/internal/stay"
)

func registry(b *testing.B) *packs.Registry {
	r, err := packs.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	return r
}

func schengen20() *stay.History {
	h := &stay.History{Grants: []stay.Grant{{ID: "vf", Rule: "schengen-short-stay"}}}
	d := date.MustParse("2023-01-05")
	for i := 0; i < 20; i++ {
		h.Trips = append(h.Trips, stay.Trip{Entry: d, Exit: d.AddDays(3 + i%9)})
		d = d.AddDays(20 + i%13)
	}
	h.AsOf = h.Trips[15].Exit.AddDays(2)
	return h
}

func familyVisit3() *stay.History {
	return &stay.History{
		Grants: []stay.Grant{{ID: "v", Rule: "cn-family-visit-2019-report"}},
		Trips:  []stay.Trip{{Entry: date.MustParse("2019-03-01")}},
		Extensions: []stay.Extension{
			{Filed: date.MustParse("2019-04-20"), RequestedMonths: 3, Outcome: stay.Granted, Decided: date.MustParse("2019-04-25"), GrantedMonths: 3},
			{Filed: date.MustParse("2019-07-20"), RequestedMonths: 3, Outcome: stay.Granted, Decided: date.MustParse("2019-07-25"), GrantedMonths: 3},
			{Filed: date.MustParse("2019-10-20"), RequestedMonths: 3, Outcome: stay.Pending},
		},
		AsOf: date.MustParse("2019-11-05"),
	}
}

func benchCheck(b *testing.B, h *stay.History) {
	r := registry(b)
	c, err := stay.Prepare(h, r.Lookup)
	if err != nil {
		b.Fatal(err)
	}
	var ev stay.Evaluation
	c.EvaluateInto(&ev, h.AsOf) // size the reused slices once
	b.ReportAllocs()
	for b.Loop() {
		c.EvaluateInto(&ev, h.AsOf)
	}
}

// BenchmarkCheckSchengen20 evaluates a 20-trip Schengen history.
func BenchmarkCheckSchengen20(b *testing.B) { benchCheck(b, schengen20()) }

// BenchmarkCheckFamilyVisit3 evaluates a family-visit stay with three
// extension applications.
func BenchmarkCheckFamilyVisit3(b *testing.B) { benchCheck(b, familyVisit3()) }

// BenchmarkPlanSchengen20 plans an entry after a 20-trip Schengen history.
func BenchmarkPlanSchengen20(b *testing.B) {
	r := registry(b)
	h := schengen20()
	enter := h.Trips[19].Exit.AddDays(3)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := stay.PlanEntry(h, r.Lookup, enter, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// TestEvaluateDoesNotAllocate holds the engine to zero allocations per
// evaluation once a Case is prepared.
func TestEvaluateDoesNotAllocate(t *testing.T) {
	r, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []*stay.History{schengen20(), familyVisit3()} {
		c, err := stay.Prepare(h, r.Lookup)
		if err != nil {
			t.Fatal(err)
		}
		var ev stay.Evaluation
		c.EvaluateInto(&ev, h.AsOf)
		if n := testing.AllocsPerRun(100, func() { c.EvaluateInto(&ev, h.AsOf) }); n != 0 {
			t.Errorf("%s: %v allocations per evaluation, want 0", h.Grants[0].Rule, n)
		}
	}
}
