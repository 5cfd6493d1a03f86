package web

import (
	"net/http"
	"testing"
)

// TestAdminImportHouseholds: an export carries a case's household; an
// import into an organisation that uses the label already is refused with
// the label named, and goes in, the household made again, once the
// household here has another label.
func TestAdminImportHouseholds(t *testing.T) {
	exportWorkFactor = 10
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		id := str(t, e.do("POST", "/v1/cases", caseBody("FAM-1", "", schengenStay("2026-01-01", ""))).want(t, http.StatusCreated).object(t), "id")
		hh := str(t, e.do("POST", "/v1/households", map[string]any{"label": "H-12", "members": []string{id}}).want(t, http.StatusCreated).object(t), "id")
		b := newBrowser(t, e)
		b.login("admin", testPassword)
		file := b.post("/admin/export", "passphrase", exportPass).want(t, http.StatusOK)

		// Erased, the case is gone, and its household stays, labelled H-12.
		e.do("DELETE", "/v1/cases/"+id, nil, "If-Match", "*").want(t, http.StatusNoContent)
		b.upload("/admin/import", map[string]string{"import_passphrase": exportPass}, []byte(file.Body)).
			want(t, http.StatusUnprocessableEntity).contains(t, `id="file-error"`, "A household labelled H-12 exists here already").accessible(t)
		if got := e.do("GET", "/v1/cases/"+id, nil); got.Status != http.StatusNotFound {
			t.Errorf("a refused import stored the case: %d", got.Status)
		}

		e.do("PUT", "/v1/households/"+hh, map[string]string{"label": "H-12-before"}, "If-Match", "*").want(t, http.StatusOK)
		b.upload("/admin/import", map[string]string{"import_passphrase": exportPass}, []byte(file.Body)).
			want(t, http.StatusOK).contains(t, "1 case has been imported.")
		got := e.do("GET", "/v1/cases/"+id, nil).want(t, http.StatusOK).object(t)
		again := str(t, got, "household")
		if again == hh {
			t.Errorf("the imported case joined the household that had its label: %v", got)
		}
		if h := e.do("GET", "/v1/households/"+again, nil).want(t, http.StatusOK).object(t); optStr(h, "label") != "H-12" || optStr(h, "members.0.id") != id {
			t.Errorf("the imported household: %v", h)
		}
	})
}
