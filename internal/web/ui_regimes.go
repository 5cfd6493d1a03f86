package web

import (
	"net/http"

	"visaclock/internal/caseload"
	"visaclock/internal/i18n"
	"visaclock/internal/packs"
	"visaclock/internal/rules"
)

type regimeItem struct {
	ID, Title, Jurisdiction, Version, Source string
	From, Until                              string
	Summary                                  string
}

type regimeView struct {
	regimeItem
	Rules         []regimeRow
	Params        [][2]string // name, value, in the page's language
	Notes         []regimeNote
	Disagreements []rules.Disagreement
	Unverified    []string
	Examples      []packs.Test
}

// regimeRow is a rule as the regime page lists it. Original is the cited
// provision in the language it was enacted in, set only when the page is
// in that language (today: Chinese, for the PRC packs); the page then shows
// it with the English citation beside it.
type regimeRow struct {
	regimeRule
	Original string
}

// regimeNote is a consequence a pack states but does not compute, with its
// Original set as for a regimeRow.
type regimeNote struct {
	Text, Citation, Original string
}

// originalLang is the language a pack's original texts are in: the PRC
// packs quote the Chinese statutes.
const originalLang = i18n.Chinese

// regimeRows lists a pack's rules, with their originals on a page in the
// originals' language.
func regimeRows(f *packs.File, lang i18n.Lang) []regimeRow {
	var rows []regimeRow
	for _, r := range packRules(f) {
		row := regimeRow{regimeRule: r}
		if lang == originalLang {
			row.Original = r.Original
		}
		rows = append(rows, row)
	}
	return rows
}

// regimeNotes lists the consequences a pack states, with their originals
// on a page in the originals' language.
func regimeNotes(f *packs.File, lang i18n.Lang) []regimeNote {
	if f.Overstay == nil {
		return nil
	}
	var notes []regimeNote
	for _, n := range f.Overstay.Notes {
		rn := regimeNote{Text: n.Text, Citation: n.Citation}
		if lang == originalLang {
			rn.Original = n.Original
		}
		notes = append(notes, rn)
	}
	return notes
}

// regimes serves GET /regimes: every loaded rule pack.
func (s *Server) regimes(w http.ResponseWriter, r *http.Request) error {
	p := s.printer(r)
	var items []regimeItem
	for _, id := range s.Packs.IDs() {
		f, _ := s.Packs.File(id)
		items = append(items, regimeItem{ID: f.ID, Title: f.Title, Jurisdiction: f.Jurisdiction, Version: f.Version,
			Source: p.T("regime.source." + f.Source), From: p.Date(f.Effective.From), Until: p.Date(f.Effective.Until), Summary: f.Summary})
	}
	return s.render(w, r, http.StatusOK, "regimes", p.T("regimes.title"), items)
}

// regime serves GET /regimes/{id}: a pack's rules, parameters, effective
// dates and sources; explanations link here, to each rule's anchor.
func (s *Server) regime(w http.ResponseWriter, r *http.Request) error {
	p := s.printer(r)
	f, ok := s.Packs.File(r.PathValue("id"))
	if !ok {
		return caseload.ErrNotFound
	}
	v := regimeView{regimeItem: regimeItem{ID: f.ID, Title: f.Title, Jurisdiction: f.Jurisdiction, Version: f.Version,
		Source: p.T("regime.source." + f.Source), From: p.Date(f.Effective.From), Until: p.Date(f.Effective.Until), Summary: f.Summary},
		Rules: regimeRows(f, p.Lang), Notes: regimeNotes(f, p.Lang), Disagreements: f.Disagreements, Unverified: f.Unverified, Examples: f.Tests}
	if st := f.Stay; st != nil {
		switch st.Unit {
		case rules.UnitDays:
			v.Params = append(v.Params, [2]string{p.T("param.stay"), p.N("days", st.Length)})
		case rules.UnitMonths:
			v.Params = append(v.Params, [2]string{p.T("param.stay"), p.N("months", st.Length)})
		case rules.UnitAdmitUntil:
			v.Params = append(v.Params, [2]string{p.T("param.stay"), p.T("param.admit_until")})
		}
		if st.MaxLength > 0 {
			v.Params = append(v.Params, [2]string{p.T("param.max_stay"), p.N(unitKey(st.Unit), st.MaxLength)})
		}
	}
	if wd := f.Window; wd != nil {
		v.Params = append(v.Params, [2]string{p.T("param.window"), p.T("param.window_value", "limit", wd.Limit, "len", wd.Length)})
	}
	if y := f.YearCap; y != nil {
		v.Params = append(v.Params, [2]string{p.T("param.year_cap"), p.N("days", y.Limit)})
	}
	if x := f.Extension; x != nil {
		if x.MaxCount > 0 {
			v.Params = append(v.Params, [2]string{p.T("param.ext_count"), p.T("param.at_most", "n", x.MaxCount)})
		}
		if x.ClosesDaysBefore > 0 {
			v.Params = append(v.Params, [2]string{p.T("param.ext_closes"), p.N("days_before", x.ClosesDaysBefore)})
		}
		if x.OpensDaysBefore > 0 {
			v.Params = append(v.Params, [2]string{p.T("param.ext_opens"), p.N("days_before", x.OpensDaysBefore)})
		}
	}
	return s.render(w, r, http.StatusOK, "regime", f.Title, v)
}

func unitKey(unit string) string {
	if unit == rules.UnitMonths {
		return "months"
	}
	return "days"
}
