package caseload

import (
	"testing"

	"visaclock/internal/date"
	"visaclock/internal/stay"
)

// TestExtensionUpdate: what was sent is set as sent, what was not is kept,
// except what the outcome sent excludes; an update of every field
// replaces the application.
func TestExtensionUpdate(t *testing.T) {
	d := date.MustParse
	stored := stay.Extension{Filed: d("2026-02-20"), RequestedMonths: 3, Outcome: stay.Refused, Decided: d("2026-05-01"),
		RefusalReason: "frivolous", Filing: stay.Paper}
	ptr := func(o stay.Outcome) *stay.Outcome { return &o }
	for _, tc := range []struct {
		name string
		u    ExtensionUpdate
		want stay.Extension
	}{
		{"nothing sent", ExtensionUpdate{}, stored},
		{"refused again", ExtensionUpdate{Outcome: ptr(stay.Refused)}, stored},
		{"pending clears the decision and the reason", ExtensionUpdate{Outcome: ptr(stay.Pending)},
			stay.Extension{Filed: d("2026-02-20"), RequestedMonths: 3, Outcome: stay.Pending, Filing: stay.Paper}},
		{"granted clears the reason", ExtensionUpdate{Outcome: ptr(stay.Granted)},
			stay.Extension{Filed: d("2026-02-20"), RequestedMonths: 3, Outcome: stay.Granted, Decided: d("2026-05-01"), Filing: stay.Paper}},
		{"everything sent replaces", *ExtensionOf(stay.Extension{Filed: d("2026-03-01"), Outcome: stay.Pending, Decided: d("2026-03-02")}),
			stay.Extension{Filed: d("2026-03-01"), Outcome: stay.Pending, Decided: d("2026-03-02")}},
	} {
		got := stored
		tc.u.apply(&got)
		if got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// TestEditList: a position that is not there is not found, unless the
// form named the row it showed, which makes it a conflict; so is a row
// that moved.
func TestEditList(t *testing.T) {
	trips := []stay.Trip{{Entry: date.MustParse("2026-01-01")}, {Entry: date.MustParse("2026-02-01")}}
	key := func(t *stay.Trip) string { return t.Entry.String() }
	shown := func(s string) *string { return &s }
	for _, tc := range []struct {
		e    PartEdit
		code string
		n    int
	}{
		{PartEdit{Part: PartTrips, Index: 2}, ENotFound, 2},
		{PartEdit{Part: PartTrips, Index: 2, Shown: shown("2026-02-01")}, EConflict, 2},
		{PartEdit{Part: PartTrips, Index: 0, Shown: shown("2026-02-01"), Delete: true}, EConflict, 2},
		{PartEdit{Part: PartTrips, Index: 1, Shown: shown("2026-02-01"), Delete: true}, "", 1},
		{PartEdit{Part: PartTrips, Index: -1}, "", 3},
	} {
		l := append([]stay.Trip(nil), trips...)
		err := editList(&l, tc.e, key, func(*stay.Trip) {})
		if code := ErrorCode(err); (err != nil || tc.code != "") && code != tc.code {
			t.Errorf("%+v: error %v, want code %q", tc.e, err, tc.code)
		}
		if len(l) != tc.n {
			t.Errorf("%+v: %d trips, want %d", tc.e, len(l), tc.n)
		}
	}
}
