package caseload

import (
	"bytes"
	"errors"
	"testing"
)

// TestDecodeBundle: files of both formats are read, a household label
// among them; a file of an unknown format is refused by its format, even
// when it has fields this version does not know; other bad files name
// what is wrong.
func TestDecodeBundle(t *testing.T) {
	const v1 = `{"format":"visaclock-export/1","org":"o","exported":"2025-12-01T09:00:00Z","cases":[{"id":"c_1","reference":"R-1","history":{"grants":[]},"created":"2025-11-20T10:00:00Z","updated":"2025-11-20T10:00:00Z"}]}`
	const v2 = `{"format":"visaclock-export/2","org":"o","exported":"2026-01-10T12:00:00Z","cases":[{"id":"c_1","reference":"R-1","history":{"grants":[]},"household":"H-12","created":"2025-11-20T10:00:00Z","updated":"2025-11-20T10:00:00Z"}]}`
	for _, tc := range []struct {
		name, file      string
		format, label   string // of the bundle read
		code, field, in string // of the error
	}{
		{name: "format 1", file: v1, format: "visaclock-export/1"},
		{name: "format 2 with a household", file: v2, format: "visaclock-export/2", label: "H-12"},
		{name: "a later format with new fields", file: `{"format":"visaclock-export/9","cases":[{"id":"c_1","travel_group":1}]}`,
			code: EInvalid, field: "format", in: `this file says "visaclock-export/9"`},
		{name: "a known format with a field it does not have", file: `{"format":"visaclock-export/2","cases":[{"id":"c_1","travel_group":1}]}`,
			code: EInvalid, field: "body", in: `unknown field "travel_group"`},
		{name: "a label of the wrong type", file: `{"format":"visaclock-export/2","cases":[{"id":"c_1","household":{"label":"H-1"}}]}`,
			code: EInvalid, field: "cases.household", in: "wrong type object"},
		{name: "not JSON", file: `age-encryption.org/v1`, code: EInvalid, field: "body", in: "not an export"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := DecodeBundle([]byte(tc.file))
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				if b.Format != tc.format || len(b.Cases) != 1 || b.Cases[0].Household != tc.label {
					t.Errorf("read %+v, want format %s with one case in %q", b, tc.format, tc.label)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != tc.code || e.Field != tc.field || !bytes.Contains([]byte(e.Msg), []byte(tc.in)) {
				t.Errorf("DecodeBundle = %v (%#v), want %s on %s saying %q", err, e, tc.code, tc.field, tc.in)
			}
		})
	}
}

// FuzzDecodeBundle: any input is read or refused with an *Error, never a
// panic; what is read encodes, and reads back to the same encoding.
func FuzzDecodeBundle(f *testing.F) {
	for _, s := range []string{
		`{"format":"visaclock-export/2","cases":[{"id":"c_1","reference":"R","history":{"grants":[{"id":"g","rule":"schengen-short-stay"}],"trips":[{"entry":"2026-01-01","grant":"g"}]},"household":"H-1","identity":{"passport":"X1"}}]}`,
		`{"format":"visaclock-export/1","cases":[]}`,
		`{"format":"visaclock-export/3","new":true}`,
		`{"format":1}`, `[]`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		b, err := DecodeBundle(in)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != EInvalid || e.Field == "" {
				t.Fatalf("DecodeBundle(%q) = %v, want an invalid field error", in, err)
			}
			return
		}
		out, err := b.Encode()
		if err != nil {
			t.Fatalf("a bundle read does not encode: %v", err)
		}
		again, err := DecodeBundle(out)
		if err != nil {
			t.Fatalf("%s does not read back: %v", out, err)
		}
		if out2, err := again.Encode(); err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("encodings differ:\n%s\n%s (%v)", out, out2, err)
		}
	})
}
