package document_test

import (
	"testing"

	"visaclock/internal/document"
)

// TestNonzeroTag: a field tagged nonzero may be left out or null, and is
// refused, with its range and line, when given as 0.
func TestNonzeroTag(t *testing.T) {
	type doc struct {
		Days  int `json:"days,omitzero" nonzero:"1–30"`
		Other int `json:"other"`
	}
	tests := []struct {
		in      string
		want    doc
		wantErr string
	}{
		{"days: 5\n", doc{Days: 5}, ""},
		{"other: 0\n", doc{}, ""},
		{"days: null\n", doc{}, ""},
		{"{}", doc{}, ""},
		{"other: 1\ndays: 0\n", doc{}, "line 2: days: 0 is outside 1–30"},
		{`{"days": 0}`, doc{}, "line 1: days: 0 is outside 1–30"},
	}
	for _, tt := range tests {
		var got doc
		_, err := document.Decode([]byte(tt.in), &got)
		switch {
		case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
			t.Errorf("%q: error %v, want %s", tt.in, err, tt.wantErr)
		case tt.wantErr == "" && err != nil:
			t.Errorf("%q: %v", tt.in, err)
		case tt.wantErr == "" && got != tt.want:
			t.Errorf("%q: got %+v, want %+v", tt.in, got, tt.want)
		}
	}
}
