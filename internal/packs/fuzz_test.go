package packs

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"testing"

	"visaclock/internal/document"
)

// FuzzParsePack feeds pack files, starting from the embedded ones, to Parse:
// it must return a pack or an error, never panic, and a pack it returns must
// be valid. A pack that parses then runs its worked examples, alongside the
// embedded packs, which must not panic either.
func FuzzParsePack(f *testing.F) {
	base, err := Embedded()
	if err != nil {
		f.Fatal(err)
	}
	entries, err := fs.ReadDir(embedded, "data")
	if err != nil {
		f.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		data, err := fs.ReadFile(embedded, path.Join("data", e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		// The embedded copy and the file on disk are the same bytes.
		disk, err := os.ReadFile(path.Join("data", e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		if string(disk) != string(data) {
			f.Fatalf("%s: embedded and on-disk copies differ", e.Name())
		}
		f.Add(data)
		n++
	}
	if n != 8 {
		f.Fatalf("seeded %d embedded packs, want 8", n)
	}
	for _, s := range []string{
		"id: x\nversion: '1'\ntitle: t\njurisdiction: J\nsource: law\nwindow: {rule: w, citation: c, length: 10, limit: 3}\n",
		"id: x\nversion: '1'\ntitle: t\njurisdiction: J\nsource: law\nyear_cap: {rule: y, citation: c, limit: 0}\n",
		"id: x\nversion: '1'\ntitle: t\njurisdiction: J\nsource: report\nstay: {rule: s, citation: c, unit: months, length: 1}\n",
		"id: x\nversion: '1'\ntitle: t\njurisdiction: J\nsource: law\nstay: {rule: s, citation: c, unit: days, length: 5}\ntests: [{name: n, source: s, history: {grants: []}}]\n",
		"extension: {max_length: {days: 1, months: 1}}",
		"overstay: {fine: {per_day: [{from: 2020-01-01, value: 1}, {from: 2019-01-01, value: 2}]}}",
		"{}",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err != nil {
			if p != nil {
				t.Errorf("Parse returned a pack and an error %v", err)
			}
			var de *document.Error
			if errors.As(err, &de) && de.Msg == "" {
				t.Errorf("error without a message: %#v", de)
			}
			return
		}
		if p == nil {
			t.Fatal("Parse returned neither a pack nor an error")
		}
		if err := p.Validate(); err != nil {
			t.Errorf("Parse accepted a pack that does not validate: %v", err)
		}
		for i, tc := range p.Tests {
			if tc.History == nil || tc.History.AsOf == 0 || tc.Name == "" || tc.Source == "" {
				t.Errorf("tests[%d] accepted without name, source or history.as_of", i)
			}
		}
		r := &Registry{packs: map[string]*File{}}
		for id, pf := range base.packs {
			r.packs[id] = pf
		}
		r.packs[p.ID] = p
		_ = r.RunTests(p)
	})
}
