package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"visaclock/internal/caseload"
	"visaclock/internal/document"
	"visaclock/internal/stay"
)

// The items inside a case's history, one at a time:
// POST /v1/cases/{id}/{part} appends one, PUT …/{part}/{n} replaces one and
// DELETE …/{part}/{n} removes one, each at the version If-Match names.

func (s *Server) addPart(w http.ResponseWriter, r *http.Request) error {
	return s.editPart(w, r, http.StatusCreated, -1, false)
}

func (s *Server) putPart(w http.ResponseWriter, r *http.Request) error {
	n, err := position(r)
	if err != nil {
		return err
	}
	return s.editPart(w, r, http.StatusOK, n, false)
}

func (s *Server) deletePart(w http.ResponseWriter, r *http.Request) error {
	n, err := position(r)
	if err != nil {
		return err
	}
	return s.editPart(w, r, http.StatusOK, n, true)
}

// position is the {n} of the request: a position, written as one.
func position(r *http.Request) (int, error) {
	v := r.PathValue("n")
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || v != strconv.Itoa(n) {
		return 0, errStatus(http.StatusNotFound, "not found", "", "no %s at position %s", r.PathValue("part"), v)
	}
	return n, nil
}

// editPart decodes the item sent for position n (-1 appends), or none
// when del removes it, and has the Service make the change.
func (s *Server) editPart(w http.ResponseWriter, r *http.Request, status, n int, del bool) error {
	if err := noReveal(r); err != nil {
		return err
	}
	name := r.PathValue("part")
	if !slices.Contains(caseload.Parts, name) {
		return errStatus(http.StatusNotFound, "not found", "", "no such part of a case; accepted: grants, trips, extensions")
	}
	versions, err := ifMatch(r)
	if err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	id, err := caseID(r)
	if err != nil {
		return err
	}
	e := caseload.PartEdit{Part: name, Index: n, Delete: del}
	if !del {
		if err := decodeItem(&e, body); err != nil {
			return s.itemError(r, id, e, err)
		}
	}
	c, err := s.Service.EditPart(r.Context(), principal(r), id, versions, e)
	if err != nil {
		return err
	}
	return s.writeCase(w, r, status, c)
}

// decodeItem decodes body as an item of e's part, which replaces the item
// (or is appended) whole.
func decodeItem(e *caseload.PartEdit, body []byte) error {
	switch e.Part {
	case caseload.PartGrants:
		return decodeInto(body, func(g stay.Grant) { e.Grant = &g })
	case caseload.PartTrips:
		return decodeInto(body, func(t stay.Trip) { e.Trip = caseload.TripOf(t) })
	}
	return decodeInto(body, func(x stay.Extension) { e.Extension = caseload.ExtensionOf(x) })
}

func decodeInto[T any](body []byte, use func(T)) error {
	var v T
	if _, err := document.Decode(body, &v); err != nil {
		return err
	}
	use(v)
	return nil
}

// itemError names a field of an item that could not be decoded where the
// item is, or would be, in the history: history.trips[1].exit.
func (s *Server) itemError(r *http.Request, id string, e caseload.PartEdit, err error) error {
	i := e.Index
	if i < 0 {
		c, gerr := s.Service.Get(r.Context(), principal(r), id)
		if gerr != nil {
			return gerr
		}
		switch e.Part {
		case caseload.PartGrants:
			i = len(c.History.Grants)
		case caseload.PartTrips:
			i = len(c.History.Trips)
		default:
			i = len(c.History.Extensions)
		}
	}
	return invalid(err, fmt.Sprintf("history.%s[%d]", e.Part, i))
}
