package stay

import (
	"fmt"

	"visaclock/internal/date"
	"visaclock/internal/rules"
)

// StepKind says which sentence a Step renders.
type StepKind uint8

// Step kinds, in the rough order they occur.
const (
	StepEntry StepKind = iota + 1
	StepEntryBeforeValidity
	StepEntryAfterValidity
	StepEntriesExhausted
	StepStayDays
	StepStayMonths
	StepAdmitUntil
	StepValidityCut
	StepExtTimely
	StepExtLate
	StepExtTooMany
	StepExtLength
	StepExtCapReached
	StepExtGranted
	StepExtOverCap
	StepExtRefused
	StepExtPending
	StepExtPendingUnprotected
	StepWindow
	StepWindowBreach
	StepYearCap
	StepUnlawful
	StepUnderAgeUnknown
	StepLawful
	StepPendingState
	StepOverstayState
	StepAbsent
	StepReportSource
	StepEarliest
	StepNoLaterEntry
	StepVisaStay
	StepReceipt
	StepReceiptExpired
	StepReceiptUnknown
	StepBarMinor
	StepNotEligible
	StepUnverified
	StepVisaRolling
	StepVisaUsedUp
	stepKinds // the number of kinds plus one; keep last
)

// stepCodes are the kinds' stable names: the JSON "code" of a step and,
// prefixed with "step.", the catalogue key that words it.
var stepCodes = [stepKinds]string{
	StepEntry:                 "entry",
	StepEntryBeforeValidity:   "entry_before_validity",
	StepEntryAfterValidity:    "entry_after_validity",
	StepEntriesExhausted:      "entries_exhausted",
	StepStayDays:              "stay_days",
	StepStayMonths:            "stay_months",
	StepAdmitUntil:            "admit_until",
	StepValidityCut:           "validity_cut",
	StepExtTimely:             "ext_timely",
	StepExtLate:               "ext_late",
	StepExtTooMany:            "ext_too_many",
	StepExtLength:             "ext_length",
	StepExtCapReached:         "ext_cap_reached",
	StepExtGranted:            "ext_granted",
	StepExtOverCap:            "ext_over_cap",
	StepExtRefused:            "ext_refused",
	StepExtPending:            "ext_pending",
	StepExtPendingUnprotected: "ext_pending_unprotected",
	StepWindow:                "window",
	StepWindowBreach:          "window_breach",
	StepYearCap:               "year_cap",
	StepUnlawful:              "unlawful",
	StepUnderAgeUnknown:       "under_age_unknown",
	StepLawful:                "lawful",
	StepPendingState:          "pending_state",
	StepOverstayState:         "overstay_state",
	StepAbsent:                "absent",
	StepReportSource:          "report_source",
	StepEarliest:              "earliest",
	StepNoLaterEntry:          "no_later_entry",
	StepVisaStay:              "visa_stay",
	StepReceipt:               "receipt",
	StepReceiptExpired:        "receipt_expired",
	StepReceiptUnknown:        "receipt_unknown",
	StepBarMinor:              "bar_minor",
	StepNotEligible:           "not_eligible",
	StepUnverified:            "unverified",
	StepVisaRolling:           "visa_rolling",
	StepVisaUsedUp:            "visa_used_up",
}

// Code is the kind's stable name, such as "ext_pending".
func (k StepKind) Code() string {
	if k > 0 && k < stepKinds {
		return stepCodes[k]
	}
	return ""
}

// StepKinds lists every kind, for tests and catalogues that must cover
// them all.
func StepKinds() []StepKind {
	ks := make([]StepKind, 0, stepKinds-1)
	for k := StepEntry; k < stepKinds; k++ {
		ks = append(ks, k)
	}
	return ks
}

// Step is one rule application in an explanation. It stores numbers and
// dates rather than text, so that evaluating allocates nothing; Sentence
// renders it.
type Step struct {
	Kind     StepKind
	Rule     string
	Citation string
	Trip     int // input index of the trip concerned, or -1
	D1, D2   date.Date
	N1, N2   int
	S        string
}

func step(k StepKind, r *rules.Rule, trip int) Step {
	s := Step{Kind: k, Trip: trip}
	if r != nil {
		s.Rule, s.Citation = r.ID, r.Citation
	}
	return s
}

// Sentence renders the step as a plain English sentence.
func (s Step) Sentence() string {
	switch s.Kind {
	case StepEntry:
		if s.N2 == int(rules.Multiple) {
			return fmt.Sprintf("Entry on %s under grant %s (entry %d; multiple entries allowed).", s.D1, s.S, s.N1)
		}
		return fmt.Sprintf("Entry on %s under grant %s (entry %d of %d allowed).", s.D1, s.S, s.N1, s.N2)
	case StepEntryBeforeValidity:
		return fmt.Sprintf("The entry on %s is before the grant is valid (from %s), so the whole stay is unauthorised.", s.D1, s.D2)
	case StepEntryAfterValidity:
		return fmt.Sprintf("The entry on %s is after the grant expired (valid until %s), so the whole stay is unauthorised.", s.D1, s.D2)
	case StepEntriesExhausted:
		return fmt.Sprintf("The entry on %s is entry %d, but grant %s allows %d, so the whole stay is unauthorised.", s.D1, s.N1, s.S, s.N2)
	case StepStayDays:
		if s.N2 == 1 {
			return fmt.Sprintf("A stay of %d days, counting the day of entry: the last lawful day is %s.", s.N1, s.D2)
		}
		return fmt.Sprintf("A stay of %d days, counted from the day after entry (%s): the last lawful day is %s.", s.N1, s.D1.AddDays(1), s.D2)
	case StepStayMonths:
		if s.N2 == 1 {
			return fmt.Sprintf("A stay of %d months from entry on %s, counting the day of entry: the last lawful day is %s.", s.N1, s.D1, s.D2)
		}
		return fmt.Sprintf("A stay of %d months from entry on %s: the last lawful day is %s.", s.N1, s.D1, s.D2)
	case StepAdmitUntil:
		return fmt.Sprintf("Admitted until %s (the date on the admission record): the last lawful day.", s.D2)
	case StepValidityCut:
		return fmt.Sprintf("The stay may not outlast the grant, which is valid until %s.", s.D2)
	case StepExtTimely:
		return fmt.Sprintf("Extension application filed on %s, in time: filing closed on %s.", s.D1, s.D2)
	case StepExtLate:
		return fmt.Sprintf("Extension application filed on %s, late: filing closed on %s, so it does not protect the stay while pending.", s.D1, s.D2)
	case StepExtTooMany:
		return fmt.Sprintf("Extension application filed on %s is number %d, but at most %d are allowed.", s.D1, s.N1, s.N2)
	case StepExtCapReached:
		return fmt.Sprintf("The application filed on %s cannot be granted: extensions already total the %d days allowed, so it gives no lawful stay while pending.", s.D1, s.N1)
	case StepExtLength:
		if s.N1 < 0 {
			return fmt.Sprintf("The application filed on %s asks for less than the minimum of %s.", s.D1, s.S)
		}
		return fmt.Sprintf("The application filed on %s asks for more than the maximum of %s; at most that can be granted.", s.D1, s.S)
	case StepExtGranted:
		return fmt.Sprintf("Extension granted on %s: the last lawful day is now %s.", s.D1, s.D2)
	case StepExtOverCap:
		return fmt.Sprintf("The extensions granted total %d days, more than the %d days the rules allow; the decision is recorded as made.", s.N1, s.N2)
	case StepExtRefused:
		return fmt.Sprintf("Extension refused on %s: presence is lawful through %s and the person must leave.", s.D1, s.D2)
	case StepExtPending:
		return fmt.Sprintf("The application filed on %s is undecided; presence stays lawful while it is pending.", s.D1)
	case StepExtPendingUnprotected:
		return fmt.Sprintf("The application filed on %s is undecided, but it was not filed in time, so it gives no lawful presence while pending.", s.D1)
	case StepWindow:
		return fmt.Sprintf("%d of %d days used in the %d-day window %s to %s.", s.N1, s.N2, s.D2.Sub(s.D1)+1, s.D1, s.D2)
	case StepWindowBreach:
		return fmt.Sprintf("On %s the days present in the window ending that day reach %d, over the limit of %d.", s.D1, s.N1, s.N2)
	case StepYearCap:
		return fmt.Sprintf("%d of %d days used in calendar year %d.", s.N1, s.N2, s.D1.Year())
	case StepUnlawful:
		return fmt.Sprintf("Unlawful presence from %s to %s: %d days.", s.D1, s.D2, s.N1)
	case StepUnderAgeUnknown:
		return fmt.Sprintf("Days under age %d do not count, but person.born is not given, so every day is counted.", s.N1)
	case StepLawful:
		return fmt.Sprintf("On %s presence is lawful until %s (%d days left).", s.D1, s.D2, s.N1)
	case StepPendingState:
		if s.N1 == 1 {
			return fmt.Sprintf("On %s the authorised stay (until %s) has passed and an application is undecided, but its acceptance receipt has run out; the law does not say whether presence is still lawful.", s.D1, s.D2)
		}
		return fmt.Sprintf("On %s the authorised stay (until %s) has passed, but a timely extension application is pending, so presence is lawful.", s.D1, s.D2)
	case StepOverstayState:
		return fmt.Sprintf("On %s presence is unlawful: %d days of unlawful presence so far in this stay.", s.D1, s.N1)
	case StepAbsent:
		return fmt.Sprintf("On %s the person is not present under any trip.", s.D1)
	case StepEarliest:
		return fmt.Sprintf("From %s a stay is possible again, for up to %d days.", s.D1, s.N1)
	case StepNoLaterEntry:
		return "No later entry under this grant is possible: its entries are used up or it has expired."
	case StepVisaStay:
		if s.N2 < s.N1 {
			return fmt.Sprintf("Visa %s is valid until %s for %d days of stay, of which earlier entries left %d: the last lawful day is %s.", s.S, s.D1, s.N1, s.N2, s.D2)
		}
		return fmt.Sprintf("Visa %s is valid until %s for %d days of stay, counting the days of entry and exit: the last lawful day is %s.", s.S, s.D1, s.N1, s.D2)
	case StepVisaRolling:
		return fmt.Sprintf("Visa %s is valid until %s for multiple entries and states %d days: presence is bounded by its validity and the rolling rule, not by a count over the whole validity.", s.S, s.D1, s.N1)
	case StepVisaUsedUp:
		return fmt.Sprintf("The entry on %s came after earlier entries had used all %d days of visa %s, so the visa did not cover it.", s.D1, s.N1, s.S)
	case StepReceipt:
		return fmt.Sprintf("The application filed on %s was accepted: presence rests on the acceptance receipt, valid for at most %d working days, until %s at the latest (the date printed on the receipt governs).", s.D1, s.N1, s.D2)
	case StepReceiptExpired:
		return fmt.Sprintf("The acceptance receipt ran out on %s and no decision is recorded. The law does not say what follows: go back to the office that accepted the application at once.", s.D2)
	case StepReceiptUnknown:
		return fmt.Sprintf("The application filed on %s rests on an acceptance receipt valid for %d working days, but the public holidays of %s are not known to this version, so the receipt's last day is not worked out; read it on the receipt.", s.D1, s.N1, s.S)
	case StepBarMinor:
		if s.D1 == 0 {
			return fmt.Sprintf("This re-entry ban applies only to a person aged %d or over at the time of the breach; person.born is not given, so it is shown.", s.N1)
		}
		return fmt.Sprintf("This re-entry ban applies only to a person aged %d or over at the time of the breach; the person was under %d on %s, so it does not apply.", s.N1, s.N1, s.D1)
	case StepNotEligible:
		return fmt.Sprintf("Nationals of %s were not on the list for this right on %s, so the whole stay is unauthorised.", s.S, s.D1)
	case StepUnverified:
		return fmt.Sprintf("Rule pack %s encodes parts for which no source was found; see its cautions.", s.S)
	case StepReportSource:
		return fmt.Sprintf("Rule pack %s encodes a report of practice, not the law; see its disagreements with the statute.", s.S)
	}
	return fmt.Sprintf("step %d", s.Kind)
}
