package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"visaclock/internal/archive"
	"visaclock/internal/caseload"
)

// ExportWorkFactor is the scrypt cost of passphrase exports; zero means
// age's default. Tests lower it.
var exportWorkFactor = 0

type exportInput struct {
	IDs        []string `json:"ids"`
	Passphrase string   `json:"passphrase"`
	Recipients []string `json:"recipients"`
}

// export answers POST /v1/export with an age-encrypted file: the cases
// asked for, or all of the organisation's, with their identities. Nothing
// leaves unencrypted, and every export is audited.
func (s *Server) export(w http.ResponseWriter, r *http.Request) error {
	var in exportInput
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	key := archive.Key{Passphrase: in.Passphrase, Recipients: strings.Join(in.Recipients, "\n"), WorkFactor: exportWorkFactor}
	if key.Passphrase == "" && key.Recipients == "" {
		return &caseload.Error{Code: caseload.EInvalid, Field: "passphrase", Msg: fmt.Sprintf("an export must be encrypted: give a passphrase of at least %d characters, or age recipients", archive.MinPassphrase)}
	}
	if err := key.Check(); err != nil {
		field := "recipients"
		if in.Passphrase != "" {
			field = "passphrase"
		}
		return &caseload.Error{Code: caseload.EInvalid, Field: field, Msg: strings.TrimPrefix(err.Error(), "archive: ")}
	}
	for i, id := range in.IDs {
		if !caseload.ValidID(id, "c_") {
			return &caseload.Error{Code: caseload.EInvalid, Field: fmt.Sprintf("ids[%d]", i), Msg: "not a case id"}
		}
	}
	b, err := s.Service.Export(r.Context(), principal(r), in.IDs)
	if err != nil {
		return err
	}
	plain, err := json.Marshal(b)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := archive.Encrypt(&out, plain, key); err != nil {
		field := "recipients"
		if in.Passphrase != "" {
			field = "passphrase"
		}
		return &caseload.Error{Code: caseload.EInvalid, Field: field, Msg: strings.TrimPrefix(err.Error(), "archive: ")}
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="visaclock-export.age"`)
	_, err = w.Write(out.Bytes())
	return err
}

// PassphraseHeader carries an import's passphrase, since the body is the
// encrypted file itself.
const PassphraseHeader = "Visaclock-Passphrase"

// importCases answers POST /v1/import: the body is an export made with a
// passphrase, given in the Visaclock-Passphrase header.
func (s *Server) importCases(w http.ResponseWriter, r *http.Request) error {
	if !principal(r).Can(caseload.PermCaseImport) {
		return caseload.ErrForbidden
	}
	pass := r.Header.Get(PassphraseHeader)
	if pass == "" {
		return &caseload.Error{Code: caseload.EInvalid, Field: PassphraseHeader, Msg: "send the export's passphrase in this header"}
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	plain, err := archive.Decrypt(bytes.NewReader(body), archive.Key{Passphrase: pass})
	if err != nil {
		return &caseload.Error{Code: caseload.EInvalid, Field: "body", Msg: strings.TrimPrefix(err.Error(), "archive: ")}
	}
	var b caseload.Bundle
	dec := json.NewDecoder(bytes.NewReader(plain))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			return &caseload.Error{Code: caseload.EInvalid, Field: te.Field, Msg: "wrong type: " + te.Value}
		case errors.As(err, &se):
			return &caseload.Error{Code: caseload.EInvalid, Field: "body", Msg: fmt.Sprintf("not an export: bad JSON at byte %d", se.Offset)}
		}
		return &caseload.Error{Code: caseload.EInvalid, Field: "body", Msg: "not an export: " + err.Error()}
	}
	n, err := s.Service.Import(r.Context(), principal(r), &b)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]int{"imported": n})
}
