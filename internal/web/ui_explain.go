package web

import (
	"visaclock/internal/i18n"
	"visaclock/internal/packs"
	"visaclock/internal/rules"
	"visaclock/internal/stay"
	"visaclock/internal/wording"
)

// stepLine is a step with its citation and a link to the rule on its
// regime's page; prefer is the pack the evaluation is about, which wins
// when two packs share a rule id.
func (s *Server) stepLine(p *i18n.Printer, st stay.Step, prefer string) stepLine {
	l := stepLine{Text: wording.Step(p, st), Citation: st.Citation}
	if pack, original := s.packOfRule(st.Rule, prefer); pack != "" {
		l.Link = "/regimes/" + pack + "#rule-" + st.Rule
		// Chinese pages quote Chinese law in Chinese, so that a reader can
		// match it to what the exit-entry office says.
		if p.Lang == originalLang && original != "" {
			l.Citation, l.Original = original, true
		}
	}
	return l
}

// packOfRule finds the pack a rule id belongs to; rule ids are unique
// across the loaded packs in practice, and the first pack that has it wins.
// It also returns the rule's original text, if the pack gives one.
func (s *Server) packOfRule(rule, prefer string) (string, string) {
	if rule == "" {
		return "", ""
	}
	if f, ok := s.Packs.File(prefer); ok {
		for _, r := range f.Rules() {
			if r.Rule.ID == rule {
				return prefer, r.Rule.Original
			}
		}
	}
	for _, id := range s.Packs.IDs() {
		f, _ := s.Packs.File(id)
		for _, r := range f.Rules() {
			if r.Rule.ID == rule {
				return id, r.Rule.Original
			}
		}
	}
	return "", ""
}

// regimeRule is one rule of a pack, as the regimes page lists it.
type regimeRule struct {
	Key, ID, Citation string
	Original          string // the cited provision in its own language, if the pack gives it
	Detail            string
	// Anchor is the id of the rule's row on the regime page: the rule id,
	// once; a second rule with the same id gets none.
	Anchor string
}

// packRules lists a pack's rules in the order the law reads: the stay,
// entries, windows and caps, extensions, then overstay.
func packRules(f *packs.File) []regimeRule {
	var out []regimeRule
	seen := map[string]bool{}
	add := func(key string, r rules.Rule, detail string) {
		rr := regimeRule{Key: key, ID: r.ID, Citation: r.Citation, Original: r.Original, Detail: detail}
		if !seen[r.ID] {
			seen[r.ID], rr.Anchor = true, "rule-"+r.ID
		}
		out = append(out, rr)
	}
	for _, r := range f.Rules() {
		add("rule."+r.Kind, r.Rule, "")
	}
	return out
}
