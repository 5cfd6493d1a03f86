package web

import (
	"bytes"
	"context"
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
	file, err := s.exportFile(r.Context(), principal(r), in.IDs, key)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="visaclock-export.age"`)
	_, err = w.Write(file)
	return err
}

// exportFile gathers and encrypts an export, for the API and the page:
// the key was checked first, so that an export is audited only when it
// can leave.
func (s *Server) exportFile(ctx context.Context, p caseload.Principal, ids []string, key archive.Key) ([]byte, error) {
	b, err := s.Service.Export(ctx, p, ids)
	if err != nil {
		return nil, err
	}
	plain, err := b.Encode()
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := archive.Encrypt(&out, plain, key); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
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
	b, err := caseload.DecodeBundle(plain)
	if err != nil {
		return err
	}
	n, err := s.Service.Import(r.Context(), principal(r), b)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]int{"imported": n})
}
