package web

import (
	"errors"
	"net/http"
	"sync"
	"visaclock/internal/caseload"
	"visaclock/internal/date"
	"visaclock/internal/document"
	"visaclock/internal/stay"
)

// evaluate answers POST /v1/evaluate: the body is a history document, the
// answer what `visaclock check --json` prints.
func (s *Server) evaluate(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	explain := stay.ExplainFull
	if q := r.URL.Query().Get("explain"); q != "" {
		if explain, err = stay.ParseExplain(q); err != nil {
			return &caseload.Error{Code: caseload.EInvalid, Field: "explain", Msg: err.Error()}
		}
	}
	c, err := s.Service.Check(body)
	if err != nil {
		return invalid(err, "")
	}
	buf := evaluations.Get().(*evalBuffer)
	defer evaluations.Put(buf)
	c.EvaluateInto(&buf.ev, c.History.AsOf)
	buf.out = append(buf.ev.AppendJSON(buf.out[:0], explain), '\n')
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write(buf.out)
	return err
}

// evalBuffer is an evaluation and its encoding, reused across requests
// (sync.Pool), which keeps the garbage collector out of the way under load.
type evalBuffer struct {
	ev  stay.Evaluation
	out []byte
}

var evaluations = sync.Pool{New: func() any { return new(evalBuffer) }}

type planRequest struct {
	History stay.History `json:"history"`
	Enter   date.Date    `json:"enter"`
	Grant   string       `json:"grant"`
}

// plan answers POST /v1/plan as `visaclock plan --json` does.
func (s *Server) plan(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var req planRequest
	if _, err := document.Decode(body, &req); err != nil {
		return invalid(err, "")
	}
	pl, err := s.Service.Plan(&req.History, req.Enter, req.Grant)
	if err != nil {
		var fe *stay.FieldError
		if errors.As(err, &fe) && fe.Path != "enter" && fe.Path != "grant" {
			return &caseload.Error{Code: caseload.EInvalid, Field: "history." + fe.Path, Msg: fe.Msg}
		}
		return invalid(err, "")
	}
	b, err := pl.MarshalJSON()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write(append(b, '\n'))
	return err
}

type ruleJSON struct {
	ID           string `json:"id"`
	Version      string `json:"version"`
	Title        string `json:"title"`
	Jurisdiction string `json:"jurisdiction"`
	Source       string `json:"source"`
}

func (s *Server) listRules(w http.ResponseWriter, r *http.Request) error {
	out := []ruleJSON{}
	for _, id := range s.Packs.IDs() {
		f, _ := s.Packs.File(id)
		out = append(out, ruleJSON{f.ID, f.Version, f.Title, f.Jurisdiction, f.Source})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"rules": out})
}

// openapi serves the API description.
func (s *Server) openapi(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(openAPIDoc)
	return err
}
