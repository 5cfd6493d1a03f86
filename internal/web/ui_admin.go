package web

import "visaclock/internal/i18n"

// subnavItem is one link of the administration pages' sub-navigation.
type subnavItem struct {
	Href, Label string
	Current     bool
}

func adminNav(p *i18n.Printer, current string) []subnavItem {
	var out []subnavItem
	for _, x := range []struct{ href, label string }{
		{"/admin/users", p.T("admin.nav.users")},
		{"/admin/audit", p.T("admin.nav.audit")},
		{"/admin/data", p.T("admin.nav.data")},
	} {
		out = append(out, subnavItem{x.href, x.label, x.href == current})
	}
	return out
}
