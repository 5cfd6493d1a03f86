package document_test

import (
	"strings"
	"testing"

	"visaclock/internal/document"
	"visaclock/internal/stay"
)

// TestTextMustBeText: a number or boolean where text is expected is an
// error, in JSON and in YAML, not quietly taken as its digits.
func TestTextMustBeText(t *testing.T) {
	for _, in := range []string{
		`{"grants":[{"id":5,"rule":"schengen-short-stay"}]}`,
		`{"grants":[{"id":true,"rule":"schengen-short-stay"}]}`,
		"grants:\n  - id: 2019\n    rule: schengen-short-stay\n",
	} {
		var h stay.History
		_, err := document.Decode([]byte(in), &h)
		if err == nil || !strings.Contains(err.Error(), "grants[0].id: expected text") {
			t.Errorf("Decode(%q) = %v, want an error at grants[0].id", in, err)
		}
	}
	var h stay.History
	if _, err := document.Decode([]byte("grants:\n  - id: \"2019\"\n    rule: schengen-short-stay\n"), &h); err != nil || h.Grants[0].ID != "2019" {
		t.Errorf("a quoted number is text: %v, %+v", err, h.Grants)
	}
}
