package web

import (
	"net/http"
	"time"

	"visaclock/internal/caseload"
	"visaclock/internal/date"
)

// householdJSON is a household with the members the reader may see.
type householdJSON struct {
	ID      string     `json:"id"`
	Label   string     `json:"label"`
	Version int64      `json:"version"`
	Created time.Time  `json:"created"`
	Updated time.Time  `json:"updated"`
	Members []itemJSON `json:"members"`
}

type householdsJSON struct {
	Items []householdJSON `json:"items"`
}

func writeHousehold(w http.ResponseWriter, status int, h *caseload.Household) error {
	out := householdJSON{ID: h.ID, Label: h.Label, Version: h.Version, Created: h.Created, Updated: h.Updated, Members: []itemJSON{}}
	for _, m := range h.Members {
		out.Members = append(out.Members, item(m.ListItem))
	}
	w.Header().Set("ETag", etag(h.Version))
	return writeJSON(w, status, out)
}

// listHouseholds serves GET /v1/households: the households the reader
// sees, by label, without their members.
func (s *Server) listHouseholds(w http.ResponseWriter, r *http.Request) error {
	hs, err := s.Service.Households(r.Context(), principal(r))
	if err != nil {
		return err
	}
	out := householdsJSON{Items: []householdJSON{}}
	for _, h := range hs {
		out.Items = append(out.Items, householdJSON{ID: h.ID, Label: h.Label, Version: h.Version, Created: h.Created, Updated: h.Updated, Members: []itemJSON{}})
	}
	return writeJSON(w, http.StatusOK, out)
}

// createHousehold serves POST /v1/households.
func (s *Server) createHousehold(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Label   string   `json:"label"`
		Members []string `json:"members"`
	}
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	h, err := s.Service.CreateHousehold(r.Context(), principal(r), in.Label, in.Members)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/households/"+h.ID)
	return writeHousehold(w, http.StatusCreated, h)
}

func (s *Server) getHousehold(w http.ResponseWriter, r *http.Request) error {
	h, err := s.Service.GetHousehold(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeHousehold(w, http.StatusOK, h)
}

// putHousehold serves PUT /v1/households/{id}: a new label.
func (s *Server) putHousehold(w http.ResponseWriter, r *http.Request) error {
	versions, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in struct {
		Label string `json:"label"`
	}
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	h, err := s.Service.RenameHousehold(r.Context(), principal(r), r.PathValue("id"), versions, in.Label)
	if err != nil {
		return err
	}
	return writeHousehold(w, http.StatusOK, h)
}

// deleteHousehold serves DELETE /v1/households/{id}: the household goes,
// its members stay.
func (s *Server) deleteHousehold(w http.ResponseWriter, r *http.Request) error {
	versions, err := ifMatch(r)
	if err != nil {
		return err
	}
	if err := s.Service.DeleteHousehold(r.Context(), principal(r), r.PathValue("id"), versions); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// putMember serves PUT /v1/households/{id}/members/{case}; If-Match is the
// case's ETag, and the answer is the case.
func (s *Server) putMember(w http.ResponseWriter, r *http.Request) error {
	versions, err := ifMatch(r)
	if err != nil {
		return err
	}
	c, err := s.Service.AddMember(r.Context(), principal(r), r.PathValue("id"), r.PathValue("case"), versions)
	if err != nil {
		return err
	}
	return s.writeCase(w, r, http.StatusOK, c)
}

// deleteMember serves DELETE /v1/households/{id}/members/{case}; If-Match
// is the case's ETag, and the answer is the case.
func (s *Server) deleteMember(w http.ResponseWriter, r *http.Request) error {
	versions, err := ifMatch(r)
	if err != nil {
		return err
	}
	c, err := s.Service.RemoveMember(r.Context(), principal(r), r.PathValue("id"), r.PathValue("case"), versions)
	if err != nil {
		return err
	}
	return s.writeCase(w, r, http.StatusOK, c)
}

// tripInput is the body of POST /v1/households/{id}/trips.
type tripInput struct {
	Kind    string    `json:"kind"`
	Date    date.Date `json:"date"`
	Grant   string    `json:"grant"`
	Members []struct {
		ID string `json:"id"`
		// Version, when set, is the case's version the trip is for: a
		// case changed since is a conflict (412), and nothing is stored.
		Version int64 `json:"version"`
	} `json:"members"`
}

// householdTrip serves POST /v1/households/{id}/trips: an entry or an
// exit recorded once for several members, all or none.
func (s *Server) householdTrip(w http.ResponseWriter, r *http.Request) error {
	var in tripInput
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	t := caseload.HouseholdTrip{Kind: in.Kind, Date: in.Date, Grant: in.Grant}
	for _, m := range in.Members {
		mv := caseload.MemberVersion{ID: m.ID}
		if m.Version != 0 {
			mv.Versions = []int64{m.Version}
		}
		t.Members = append(t.Members, mv)
	}
	h, err := s.Service.RecordTrip(r.Context(), principal(r), r.PathValue("id"), t)
	if err != nil {
		return err
	}
	return writeHousehold(w, http.StatusOK, h)
}
