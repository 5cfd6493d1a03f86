package caseload

import (
	"slices"

	"visaclock/internal/casefile"
	"visaclock/internal/date"
	"visaclock/internal/stay"
)

// These answer questions about histories that are not stored: the
// stateless API (POST /v1/evaluate, /v1/plan) and the case page's planner
// and what-if, which work on a copy of a case's history. Nothing is
// written or audited. They use the Service's rule packs and "today", so
// that no handler reaches for either itself.

// Check reads a history document (JSON) and prepares it for evaluation on
// its as_of, or today when it gives none.
func (s *Service) Check(doc []byte) (*stay.Case, error) {
	return casefile.ParseJSON(doc, s.Lookup, s.Today())
}

// Plan answers "if the person enters on enter under grant, until when may
// they stay?" for h, as of today when h gives no as_of.
func (s *Service) Plan(h *stay.History, enter date.Date, grant string) (*stay.Plan, error) {
	if h.AsOf == 0 {
		x := *h
		x.AsOf = s.Today()
		h = &x
	}
	return stay.PlanEntry(h, s.Lookup, enter, grant)
}

// WhatIfFiled evaluates h on the day on as if an extension of days were
// filed that day under grant (the latest stay's when ""): in time or not,
// and what the person's status would be.
func (s *Service) WhatIfFiled(h *stay.History, on date.Date, days int, grant string) (*stay.Evaluation, error) {
	x := *h
	x.AsOf = on
	x.Extensions = append(slices.Clone(h.Extensions), stay.Extension{Filed: on, RequestedDays: days, Outcome: stay.Pending, Grant: grant})
	sc, err := stay.Prepare(&x, s.Lookup)
	if err != nil {
		return nil, err
	}
	return sc.Evaluate(on), nil
}

// LatestGrant is the grant a plan or a hypothetical filing is under when
// a history has several: that of the latest trip, else the last grant
// recorded. With one grant it is "" (the engine's default).
func LatestGrant(h *stay.History) string {
	if len(h.Grants) < 2 {
		return ""
	}
	if n := len(h.Trips); n > 0 && h.Trips[n-1].Grant != "" {
		return h.Trips[n-1].Grant
	}
	return h.Grants[len(h.Grants)-1].ID
}
