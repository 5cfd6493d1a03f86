package caseload_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"visaclock/internal/caseload"
	"visaclock/internal/date"
	"visaclock/internal/packs"
	"visaclock/internal/stay"
)

// A US visitor admitted until 2023-11-20 (I-94) and still present, born
// 2006-03-01: 17 when unlawful presence began on 2023-11-21, 18 on
// 2024-03-01.
//
// INA 212(a)(9)(B)(iii)(I): "No period of time in which an alien is under
// 18 years of age shall be taken into account in determining the period of
// unlawful presence" for the 3- and 10-year bars. Worked by hand, on
// 2024-01-10:
//
//   - with the date of birth, no day before 2024-03-01 counts: 0 days so
//     far. The 3-year bar of INA 212(a)(9)(B)(i)(I) needs more than 180
//     days; day 180 counted from 2024-03-01 is 2024-03-01 + 179 days =
//     2024-08-27 (Mar 31, Apr 30, May 31, Jun 30, Jul 31 days: 153 days to
//     Jul 31, then 27 of August), the last day to leave without it.
//   - without it, every unlawful day counts: 2023-11-21 to 2024-01-10 is
//     10 + 31 + 10 = 51 days; the 180th is 129 days later, 2024-05-18
//     (the pack's own example gives the same date).
const (
	bornISO        = "2006-03-01"
	deadlineBorn   = "2024-08-27"
	deadlineNoBorn = "2024-05-18"
)

func usPresent() stay.History {
	return stay.History{
		Grants: []stay.Grant{{ID: "b2", Rule: "us-visitor", AdmitUntil: date.MustParse("2023-11-20")}},
		Trips:  []stay.Trip{{Entry: date.MustParse("2023-05-21")}},
	}
}

func bornService(t *testing.T) *caseload.Service {
	t.Helper()
	reg, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2024, time.January, 10, 12, 0, 0, 0, time.UTC)
	return &caseload.Service{Lookup: reg.Lookup, Now: func() time.Time { return now }}
}

func avoidBarDeadline(c *caseload.Case) date.Date {
	for _, d := range c.Deadlines {
		if d.Kind == stay.LeaveToAvoidBar {
			return d.Date
		}
	}
	return 0
}

// TestEvaluateReadsTheIdentitysBirthDate: the engine counts the days of a
// bar from the 18th birthday given only in the identity, while the history
// that is stored stays without any date of birth.
func TestEvaluateReadsTheIdentitysBirthDate(t *testing.T) {
	svc := bornService(t)
	with := &caseload.Case{Reference: "US-18", History: usPresent(), Identity: &caseload.Identity{BirthDate: date.MustParse(bornISO)}}
	if err := svc.Evaluate(with); err != nil {
		t.Fatal(err)
	}
	if got := avoidBarDeadline(with); got != date.MustParse(deadlineBorn) {
		t.Errorf("with the identity's date of birth: leave to avoid the bar by %s, want %s (deadlines %+v)", got, deadlineBorn, with.Deadlines)
	}
	if with.History.Person != nil {
		t.Errorf("the history to be stored holds a person: %s", with.History.String())
	}
	if s := with.History.String(); strings.Contains(s, bornISO) || strings.Contains(s, "born") {
		t.Errorf("the history to be stored holds the date of birth: %s", s)
	}
	if with.Summary.State != stay.StateOverstay || with.Summary.OverstayDays != 51 {
		t.Errorf("summary %+v: want an overstay of 51 days, counted whatever the age", with.Summary)
	}

	without := &caseload.Case{Reference: "US-18", History: usPresent(), Identity: &caseload.Identity{Name: "No Birth Date"}}
	if err := svc.Evaluate(without); err != nil {
		t.Fatal(err)
	}
	if got := avoidBarDeadline(without); got != date.MustParse(deadlineNoBorn) {
		t.Errorf("without a date of birth: leave by %s, want %s", got, deadlineNoBorn)
	}

	// The same date in both places is no conflict.
	same := &caseload.Case{Reference: "US-18", History: usPresent(), Identity: &caseload.Identity{BirthDate: date.MustParse(bornISO)}}
	same.History.Person = &stay.Person{Born: date.MustParse(bornISO)}
	if err := svc.Evaluate(same); err != nil {
		t.Fatalf("equal dates of birth: %v", err)
	}
	if got := avoidBarDeadline(same); got != date.MustParse(deadlineBorn) {
		t.Errorf("equal dates: leave by %s, want %s", got, deadlineBorn)
	}
	// A history's own date, with no identity date, is read as before.
	own := &caseload.Case{Reference: "US-18", History: usPresent()}
	own.History.Person = &stay.Person{Born: date.MustParse(bornISO)}
	if err := svc.Evaluate(own); err != nil || avoidBarDeadline(own) != date.MustParse(deadlineBorn) {
		t.Errorf("history's own date: %v, leave by %s", err, avoidBarDeadline(own))
	}
}

// TestDifferingBirthDatesAreRefused: two dates of birth for one person are
// refused, naming both fields and neither date.
func TestDifferingBirthDatesAreRefused(t *testing.T) {
	svc := bornService(t)
	c := &caseload.Case{Reference: "US-18", History: usPresent(), Identity: &caseload.Identity{BirthDate: date.MustParse(bornISO)}}
	c.History.Person = &stay.Person{Born: date.MustParse("2006-03-02")}
	err := svc.Evaluate(c)
	var ae *caseload.Error
	if !errors.As(err, &ae) || ae.Code != caseload.EInvalid || ae.Field != "history.person.born" {
		t.Fatalf("differing dates: %v, want an invalid history.person.born", err)
	}
	if !strings.Contains(ae.Msg, "identity.birth_date") {
		t.Errorf("the message does not name identity.birth_date: %q", ae.Msg)
	}
	for _, s := range []string{bornISO, "2006-03-02", "2006"} {
		if strings.Contains(ae.Error(), s) {
			t.Errorf("the error shows a date of birth: %q", ae.Error())
		}
	}
	// A date of birth after today (the service's clock says 2024-01-10)
	// would leave out every day as under 18: refused, without the date.
	late := &caseload.Case{Reference: "US-18", History: usPresent(), Identity: &caseload.Identity{BirthDate: date.MustParse("2024-01-11")}}
	if err := svc.Evaluate(late); !errors.As(err, &ae) || ae.Field != "identity.birth_date" || strings.Contains(ae.Error(), "2024-01-11") {
		t.Errorf("a date of birth after today: %v, want invalid identity.birth_date without the date", err)
	}
	// An empty identity (one being removed) has no date to differ.
	c.Identity = &caseload.Identity{}
	if err := svc.Evaluate(c); err != nil {
		t.Errorf("history date with the identity removed: %v", err)
	}
}

// TestEvaluateRefusesASealedOnlyIdentity: Evaluate cannot open a sealed
// identity, so it refuses rather than evaluate without its date of birth.
func TestEvaluateRefusesASealedOnlyIdentity(t *testing.T) {
	svc := bornService(t)
	c := &caseload.Case{Reference: "US-18", History: usPresent(), Sealed: []byte("sealed")}
	if err := svc.Evaluate(c); err == nil {
		t.Fatal("Evaluate of a case whose identity is only sealed succeeded")
	}
}
