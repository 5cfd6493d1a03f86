package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"visaclock/internal/caseload"
)

// FieldProblem names one field at fault.
type FieldProblem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// problem is an RFC 9457 problem details document.
type problem struct {
	Type     string         `json:"type"`
	Title    string         `json:"title"`
	Status   int            `json:"status"`
	Detail   string         `json:"detail,omitempty"`
	Instance string         `json:"instance,omitempty"`
	Errors   []FieldProblem `json:"errors,omitempty"`
}

func writeProblem(w http.ResponseWriter, r *http.Request, status int, title, detail string, fields []FieldProblem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(problem{Type: "about:blank", Title: title, Status: status, Detail: detail, Errors: fields})
}

// httpError is an error with its HTTP status, made by handlers for
// protocol problems (a missing If-Match, a body too large).
type httpError struct {
	status int
	title  string
	detail string
	field  string
}

func (e *httpError) Error() string { return e.detail }

func errStatus(status int, title, field, format string, args ...any) error {
	return &httpError{status: status, title: title, field: field, detail: fmt.Sprintf(format, args...)}
}

// writeError maps an error to a response, in one place. Internal errors
// are logged, without request content, and shown as a bare 500.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpError
	var ae *caseload.Error
	var mb *http.MaxBytesError
	switch {
	case errors.As(err, &he):
		var fields []FieldProblem
		if he.field != "" {
			fields = []FieldProblem{{he.field, he.detail}}
		}
		writeProblem(w, r, he.status, he.title, he.detail, fields)
	case errors.As(err, &mb):
		writeProblem(w, r, http.StatusRequestEntityTooLarge, "request too large", fmt.Sprintf("the body may be at most %d bytes", mb.Limit), nil)
	case errors.As(err, &ae):
		st := statusOf(ae.Code)
		if st.API == http.StatusInternalServerError {
			s.internal(w, r, err)
			return
		}
		var fields []FieldProblem
		if ae.Field != "" {
			fields = []FieldProblem{{ae.Field, ae.Msg}}
		}
		detail := ae.Msg
		if st.Named {
			detail = ae.Error()
		}
		switch st.API {
		case http.StatusUnauthorized:
			w.Header().Set("WWW-Authenticate", `Bearer realm="visaclock"`)
		case http.StatusTooManyRequests:
			w.Header().Set("Retry-After", strconv.Itoa(max(1, ae.RetryAfter)))
		}
		writeProblem(w, r, st.API, st.Title, detail, fields)
	case errors.Is(err, context.DeadlineExceeded):
		writeProblem(w, r, http.StatusServiceUnavailable, "timeout", "the request took too long; try again", nil)
	default:
		s.internal(w, r, err)
	}
}

func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	s.Log.Error("internal error", "route", r.Pattern, "err", err)
	writeProblem(w, r, http.StatusInternalServerError, "internal error", "", nil)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}
