package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"visaclock/internal/caseload"
	"visaclock/internal/document"
	"visaclock/internal/stay"
)

// readBody reads the (size-limited) request body.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, err
		}
		return nil, errStatus(http.StatusBadRequest, "bad request", "", "the body could not be read")
	}
	return b, nil
}

// invalid turns a decoding or validation error into a 422 naming the field.
func invalid(err error, prefix string) error {
	var de *document.Error
	if errors.As(err, &de) {
		field := de.Path
		if prefix != "" {
			field = strings.TrimSuffix(prefix+"."+field, ".")
		}
		return &caseload.Error{Code: caseload.EInvalid, Field: field, Msg: de.Msg}
	}
	var fe *stay.FieldError
	if errors.As(err, &fe) {
		return &caseload.Error{Code: caseload.EInvalid, Field: fe.Path, Msg: fe.Msg}
	}
	return err
}

// decodeBody decodes a JSON body strictly into v, naming the field at
// fault.
func decodeBody(r *http.Request, v any) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	if _, err := document.Decode(body, v); err != nil {
		return invalid(err, "")
	}
	return nil
}

// intParam reads an optional integer query parameter.
func intParam(v, name string, lo, hi int) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, &caseload.Error{Code: caseload.EInvalid, Field: name, Msg: fmt.Sprintf("a whole number from %d to %d", lo, hi)}
	}
	return n, nil
}

func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// ifMatch returns the versions a write is conditional on: the ETags listed
// in If-Match, compared strongly (RFC 9110 13.1.1), or none for "*" (any
// current version). Writes must send it, so that no update is lost.
func ifMatch(r *http.Request) ([]int64, error) {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "" {
		return nil, errStatus(http.StatusPreconditionRequired, "precondition required", "If-Match", "send If-Match with the ETag of the case you are changing")
	}
	if v == "*" {
		return nil, nil
	}
	var versions []int64
	for _, tag := range strings.Split(v, ",") {
		tag = strings.TrimSpace(tag)
		n, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(tag, `"`), `"`), 10, 63)
		if err != nil || n < 1 || len(tag) < 3 || tag[0] != '"' || tag[len(tag)-1] != '"' {
			continue // weak or foreign tags never match strongly
		}
		versions = append(versions, int64(n))
	}
	if len(versions) == 0 {
		return nil, errStatus(http.StatusPreconditionFailed, "precondition failed", "If-Match", "not a current strong ETag of this case")
	}
	return versions, nil
}

// noReveal refuses ?reveal on a write: the permission to reveal is checked
// against the stored case, and a write must not land before a refusal.
func noReveal(r *http.Request) error {
	if r.URL.Query().Has("reveal") {
		return &caseload.Error{Code: caseload.EInvalid, Field: "reveal", Msg: "reveal is for GET /v1/cases/{id}; writes answer with the identity masked"}
	}
	return nil
}

// caseID returns the {id} of the request, or a 404 for text that is no id
// this server gives out (ids are "c_" and lower-case base32), before it
// reaches a database.
func caseID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !caseload.ValidID(id, "c_") {
		return "", caseload.ErrNotFound
	}
	return id, nil
}
