package casefile_test

import (
	"errors"
	"strings"
	"testing"

	"visaclock/internal/casefile"
	"visaclock/internal/date"
	"visaclock/internal/document"
)

// TestZeroLengthIsChecked: a length given as 0 is checked like any other
// length, never read as "not given", in YAML and JSON, by the strict and
// by the fast decoder. Null and leaving it out stay "not given".
func TestZeroLengthIsChecked(t *testing.T) {
	reg := registry(t)
	asOf := date.MustParse("2026-11-10")
	const grant = `{"id":"q2","rule":"cn-family-visit","stay_days":60}`
	const ext = `"filed":"2026-10-05","outcome":"granted","decided":"2026-10-12"`
	tests := []struct {
		name, json, path, msg string
	}{
		{"stay_days", `{"grants":[{"id":"q2","rule":"cn-family-visit","stay_days":0}],"trips":[{"entry":"2026-08-20"}]}`, "grants[0].stay_days", "0 is outside 1–3660"},
		{"requested_days", `{"grants":[` + grant + `],"trips":[{"entry":"2026-08-20"}],"extensions":[{"filed":"2026-10-05","requested_days":0,"outcome":"pending"}]}`, "extensions[0].requested_days", "0 is outside 1–3660"},
		{"requested_months", `{"grants":[` + grant + `],"trips":[{"entry":"2026-08-20"}],"extensions":[{"filed":"2026-10-05","requested_months":0,"outcome":"pending"}]}`, "extensions[0].requested_months", "0 is outside 1–120"},
		{"granted_days", `{"grants":[` + grant + `],"trips":[{"entry":"2026-08-20"}],"extensions":[{` + ext + `,"requested_days":30,"granted_days":0}]}`, "extensions[0].granted_days", "0 is outside 1–3660"},
		{"granted_months", `{"grants":[` + grant + `],"trips":[{"entry":"2026-08-20"}],"extensions":[{` + ext + `,"requested_days":30,"granted_months":0}]}`, "extensions[0].granted_months", "0 is outside 1–120"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			yaml := strings.NewReplacer(`"`, "", ":", ": ", ",", ", ").Replace(tt.json)
			for _, in := range []struct {
				how   string
				parse func([]byte) error
				data  string
			}{
				{"strict JSON", func(b []byte) error { _, err := casefile.Parse(b, reg.Lookup, asOf); return err }, tt.json},
				{"fast JSON", func(b []byte) error { _, err := casefile.ParseJSON(b, reg.Lookup, asOf); return err }, tt.json},
				{"YAML", func(b []byte) error { _, err := casefile.Parse(b, reg.Lookup, asOf); return err }, yaml},
			} {
				err := in.parse([]byte(in.data))
				var de *document.Error
				if !errors.As(err, &de) || de.Path != tt.path || de.Msg != tt.msg || de.Line != 1 {
					t.Errorf("%s: error %v, want line 1: %s: %s", in.how, err, tt.path, tt.msg)
				}
			}
			// Left out or null: not given, and the history is read.
			for _, given := range []string{`,"` + tt.name + `":null`, ""} {
				data := strings.Replace(tt.json, `,"`+tt.name+`":0`, given, 1)
				if tt.name == "stay_days" {
					data = strings.Replace(data, `"cn-family-visit"`, `"cn-family-visit","valid_until":"2027-01-01"`, 1)
				}
				if _, err := casefile.ParseJSON([]byte(data), reg.Lookup, asOf); err != nil && strings.Contains(err.Error(), "0 is outside") {
					t.Errorf("%s: %v; null or absent means not given", data, err)
				}
			}
		})
	}
}
