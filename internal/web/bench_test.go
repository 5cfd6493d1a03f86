package web

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"visaclock/internal/caseload"
	"visaclock/internal/packs"
)

// BenchmarkEvaluateHandler measures POST /v1/evaluate in process, without
// the network: decoding, evaluation and encoding of a six-trip history.
func BenchmarkEvaluateHandler(b *testing.B) {
	reg, err := packs.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	s := &Server{Service: &caseload.Service{Lookup: reg.Lookup, Now: time.Now}, Packs: reg}
	h := s.Handler()
	body := `{"as_of":"2026-11-26","grants":[{"id":"vf","rule":"schengen-short-stay"}],"trips":[{"entry":"2026-01-10","exit":"2026-01-20"},{"entry":"2026-03-01","exit":"2026-03-15"},{"entry":"2026-05-01","exit":"2026-05-20"},{"entry":"2026-07-01","exit":"2026-07-10"},{"entry":"2026-09-01","exit":"2026-09-25"},{"entry":"2026-11-01"}]}`
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("POST", "/v1/evaluate", strings.NewReader(body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}
