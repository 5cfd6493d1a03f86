package web

import (
	"net/http"

	"visaclock/internal/caseload"
)

// faceStatus is how the two faces answer one caseload error code.
type faceStatus struct {
	// API is the status of the problem details; Title is their title.
	API   int
	Title string
	// Page is the status of the error page, or 303 See Other for the
	// login page; Message is the catalogue key of its sentence.
	Page    int
	Message string
	// Named: the problem's detail names the field ("field: message").
	Named bool
}

// statuses maps every caseload error code to HTTP, for the API and the
// pages, in one place. The faces differ twice, on purpose:
//   - A conflict is a write made at a version that is no longer current.
//     To the API that is an If-Match that does not match: 412 Precondition
//     Failed (RFC 9110 13.1.1). To a person it is a form shown before
//     someone else's change: 409 Conflict, with the page shown again.
//   - A name or id taken is 409 Conflict to a program, and to a person a
//     form refused beside the field (422).
//
// A code that is not here is an internal error: logged, and shown bare.
var statuses = map[string]faceStatus{
	caseload.ENotFound:        {API: http.StatusNotFound, Title: "not found", Page: http.StatusNotFound, Message: "error.not_found"},
	caseload.EConflict:        {API: http.StatusPreconditionFailed, Title: "precondition failed", Page: http.StatusConflict, Message: "error.conflict"},
	caseload.EInvalid:         {API: http.StatusUnprocessableEntity, Title: "invalid input", Page: http.StatusUnprocessableEntity, Message: "error.invalid", Named: true},
	caseload.EForbidden:       {API: http.StatusForbidden, Title: "forbidden", Page: http.StatusForbidden, Message: "error.forbidden"},
	caseload.EUnauthenticated: {API: http.StatusUnauthorized, Title: "unauthenticated", Page: http.StatusSeeOther},
	caseload.EExists:          {API: http.StatusConflict, Title: "conflict", Page: http.StatusUnprocessableEntity, Message: "error.invalid", Named: true},
	caseload.ELimited:         {API: http.StatusTooManyRequests, Title: "too many attempts", Page: http.StatusTooManyRequests, Message: "login.limited"},
	caseload.EInternal:        {API: http.StatusInternalServerError, Title: "internal error", Page: http.StatusInternalServerError, Message: "error.internal"},
}

// statusOf is how the faces answer code; unknown codes are internal.
func statusOf(code string) faceStatus {
	if st, ok := statuses[code]; ok {
		return st
	}
	return statuses[caseload.EInternal]
}
