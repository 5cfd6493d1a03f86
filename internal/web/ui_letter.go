package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"visaclock/internal/caseload"
	"visaclock/internal/i18n"
	"visaclock/internal/rules"
	"visaclock/internal/stay"
	"visaclock/internal/wording"
)

// letterView is the printable status letter of a case.
type letterView struct {
	Case     *caseload.Case
	Org      string
	Prepared string
	Regime   string
	// RegimeEnglish marks a title the catalogue has no translation of.
	RegimeEnglish bool
	Identity      *caseload.Identity
	BirthDate     string
	Revealed      bool
	CanReveal     bool
	EvalError     string
	// Status is the state as a sentence, StatusClass its code.
	Status, StatusClass string
	LastDay             string
	Actions             []letterLine
	Deadlines           []letterDeadline
	Rules               []letterRule
	// CitedEnglish says that citations in English stand on a letter in
	// another language.
	CitedEnglish bool
	// Notes are the pack's own cautions, which exist in English only;
	// FromReport says the pack encodes a report, not law.
	Notes      []string
	FromReport bool
	// The screen's controls, which are not printed.
	Langs                []letterLang
	RevealLink, HideLink string
}

// letterLine is a next action; Ref numbers the rule it rests on in the
// letter's list of rules (0 for none), which cites it once, since a PRC
// provision quoted in full would fill the page if every line repeated it.
type letterLine struct {
	Text string
	Ref  int
}

type letterDeadline struct {
	Date, DateISO, Text string
	Ref                 int
}

// letterRule is one rule the letter rests on: its number, its kind in the
// reader's language, and its citation.
type letterRule struct {
	N              int
	Name, Citation string
	Original       bool
}

type letterLang struct {
	Name, Link, HTMLLang string
	Current              bool
}

// letterPage serves GET /cases/{id}/letter: the case's status, last lawful
// day, deadlines, next actions and the rules they rest on, as a letter the
// organisation can print on one page, in the language ?lang= names (else
// the reader's own). With ?reveal=identity it names the person, if the
// reader may see them, which the audit log records as a reveal.
func (s *Server) letterPage(w http.ResponseWriter, r *http.Request) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if v := q.Get("lang"); v != "" {
		l, ok := i18n.Parse(v)
		if !ok {
			return &caseload.Error{Code: caseload.EInvalid, Field: "lang", Msg: fmt.Sprintf("%q is not a language; accepted: en, zh, ko, ko-KP", v)}
		}
		r = r.WithContext(context.WithValue(r.Context(), langKey{}, l))
	}
	reveal := false
	switch v := q.Get("reveal"); v {
	case "":
	case "identity":
		reveal = true
	default:
		return &caseload.Error{Code: caseload.EInvalid, Field: "reveal", Msg: fmt.Sprintf("%q is not accepted; accepted: identity", v)}
	}
	pr := principal(r)
	lt, err := s.Service.Letter(r.Context(), pr, id, reveal)
	if err != nil {
		return err
	}
	p := s.printer(r)
	c, rd := lt.Case, lt.Reading
	v := &letterView{Case: c, Org: lt.Org, Prepared: p.Date(lt.Prepared), Identity: lt.Identity, Revealed: reveal,
		CanReveal: len(c.Sealed) > 0 && pr.Reaches(caseload.PermIdentityReveal, c)}
	if lt.Identity != nil && lt.Identity.BirthDate != 0 {
		v.BirthDate = p.Date(lt.Identity.BirthDate)
	}
	for _, g := range rd.History.Grants {
		if f, ok := s.Packs.File(g.Rule); ok && v.Regime == "" {
			v.Regime, v.RegimeEnglish = f.Title, true
			// The packs' titles are English; the catalogue has the
			// embedded packs' in each language.
			if t, ok := s.catalog.Message(p.Lang, regimeKey(f.ID)); ok && p.Lang != i18n.English {
				v.Regime, v.RegimeEnglish = t, false
			}
		}
	}
	s.letterLinks(r, v, q)
	if rd.Err != nil {
		v.EvalError = p.T("case.cannot_evaluate")
		return s.render(w, r, http.StatusOK, "letter", p.T("letter.title")+" · "+c.Reference, v)
	}
	ev := rd.Evaluation
	v.Status, v.StatusClass = wording.Status(p, ev), string(ev.State)
	v.LastDay = lastDay(p, ev)
	v.Notes, v.FromReport = ev.Notes, ev.FromReport
	rules := &ruleList{s: s, p: p, prefer: ev.Rule, seen: map[string]int{}}
	for _, a := range ev.NextActions {
		v.Actions = append(v.Actions, letterLine{Text: wording.Action(p, a), Ref: rules.add(a.Rule, a.Citation)})
	}
	for _, d := range ev.Deadlines {
		code := d.Code()
		if d.Kind == stay.ReceiptExpires && d.Date < ev.AsOf {
			code = "receipt_expired" // as the working list words a receipt that has run out
		}
		v.Deadlines = append(v.Deadlines, letterDeadline{Date: p.Date(d.Date), DateISO: d.Date.String(),
			Text: wording.Deadline(p, code, d.Date), Ref: rules.add(d.Rule, d.Citation)})
	}
	for _, st := range ev.Explanation {
		rules.add(st.Rule, st.Citation)
	}
	v.Rules = rules.out
	for _, r := range v.Rules {
		v.CitedEnglish = v.CitedEnglish || (!r.Original && p.Lang != i18n.English)
	}
	return s.render(w, r, http.StatusOK, "letter", p.T("letter.title")+" · "+c.Reference, v)
}

// lastDay words the last lawful day as the state makes it: still to come,
// passed while an application keeps the stay lawful, or passed.
func lastDay(p *i18n.Printer, ev *stay.Evaluation) string {
	if ev.AuthorizedUntil == 0 {
		return p.T("letter.last_day.none")
	}
	d := p.Date(ev.AuthorizedUntil)
	switch ev.State {
	case stay.StateLawful:
		return p.T("letter.last_day.lawful", "date", d, "left", p.N("days_left", ev.DaysRemaining))
	case stay.StatePending:
		return p.T("letter.last_day.pending", "date", d)
	case stay.StateOverstay:
		return p.T("letter.last_day.overstay", "date", d)
	}
	return p.T("letter.last_day.absent", "date", d)
}

// letterLinks fills the screen's controls: the letter in each language,
// and with or without the identity, each keeping the rest of the address.
func (s *Server) letterLinks(r *http.Request, v *letterView, q url.Values) {
	base := "/cases/" + v.Case.ID + "/letter"
	link := func(set func(url.Values)) string {
		nq := url.Values{}
		for k, vs := range q {
			nq[k] = vs
		}
		set(nq)
		if len(nq) == 0 {
			return base
		}
		return base + "?" + nq.Encode()
	}
	cur := lang(r)
	for _, l := range i18n.Choices {
		v.Langs = append(v.Langs, letterLang{Name: langNames[l], HTMLLang: htmlLang[l], Current: l == cur,
			Link: link(func(nq url.Values) { nq.Set("lang", string(l)) })})
	}
	v.RevealLink = link(func(nq url.Values) { nq.Set("reveal", "identity") })
	v.HideLink = link(func(nq url.Values) { nq.Del("reveal") })
}

// ruleList gathers the rules a letter rests on, each once, in the order
// they are met, named by the kind of rule they are.
type ruleList struct {
	s      *Server
	p      *i18n.Printer
	prefer string
	seen   map[string]int
	out    []letterRule
}

// add lists a rule, once, and returns its number; 0 for no rule.
func (rl *ruleList) add(rule, citation string) int {
	if rule == "" {
		return 0
	}
	if n, ok := rl.seen[rule]; ok {
		return n
	}
	lr := letterRule{N: len(rl.out) + 1, Name: rule, Citation: citation}
	rl.seen[rule] = lr.N
	if pr, ok := rl.s.packRule(rule, rl.prefer); ok {
		lr.Name = rl.p.T("rule." + pr.Kind)
		if lr.Citation == "" {
			lr.Citation = pr.Rule.Citation
		}
		// As on the case page: Chinese letters quote Chinese law in Chinese.
		if rl.p.Lang == originalLang && pr.Rule.Original != "" {
			lr.Citation, lr.Original = pr.Rule.Original, true
		}
	}
	rl.out = append(rl.out, lr)
	return lr.N
}

// regimeKey is the catalogue key of an embedded pack's title.
func regimeKey(pack string) string {
	return "letter.regime." + strings.ReplaceAll(pack, "-", "_")
}

// packRule finds a rule by its id, in the pack prefer first, as
// packOfRule does.
func (s *Server) packRule(rule, prefer string) (rules.PackRule, bool) {
	ids := append([]string{prefer}, s.Packs.IDs()...)
	for _, id := range ids {
		f, ok := s.Packs.File(id)
		if !ok {
			continue
		}
		for _, r := range f.Rules() {
			if r.Rule.ID == rule {
				return r, true
			}
		}
	}
	return rules.PackRule{}, false
}
