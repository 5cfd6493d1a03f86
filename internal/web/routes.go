package web

import "net/http"

// Route is one entry of the route table, which the OpenAPI test reads.
type Route struct {
	Method, Pattern string
	handler         func(http.ResponseWriter, *http.Request) error
	// Public routes need no login: health, the description, stateless
	// evaluation (which stores nothing), logging in, the first admin's
	// set-up, and the calendar feed (which carries its own token).
	Public bool
	// MaxBody overrides the body limit; zero means MaxBody.
	MaxBody int64
	// Slow routes gather a whole organisation (exports) and get minutes,
	// not seconds.
	Slow bool
	// Page routes are the web UI: they authenticate by the session cookie
	// (sending people without one to the login page) and answer errors
	// with a page in the reader's language.
	Page bool
}

// MaxImport is the largest import body accepted.
const MaxImport = 256 << 20

// Routes lists every API route.
func (s *Server) Routes() []Route {
	pub := func(m, p string, h func(http.ResponseWriter, *http.Request) error) Route {
		return Route{Method: m, Pattern: p, handler: h, Public: true}
	}
	routes := []Route{
		pub("GET", "/healthz", s.healthz),
		pub("GET", "/readyz", s.readyz),
		pub("GET", "/v1/openapi.json", s.openapi),
		pub("POST", "/v1/evaluate", s.evaluate),
		pub("POST", "/v1/plan", s.plan),
		pub("GET", "/v1/rules", s.listRules),
		pub("POST", "/v1/setup", s.setup),
		pub("GET", "/setup", s.setupPage),
		pub("POST", "/setup", s.setupForm),
		pub("POST", "/v1/login", s.login),
		pub("GET", "/v1/calendar.ics", s.calendar),
		{Method: "POST", Pattern: "/v1/logout", handler: s.logout},
		{Method: "GET", Pattern: "/v1/me", handler: s.me},
		{Method: "POST", Pattern: "/v1/me/password", handler: s.changePassword},
		{Method: "POST", Pattern: "/v1/me/totp", handler: s.startTOTP},
		{Method: "POST", Pattern: "/v1/me/totp/confirm", handler: s.confirmTOTP},
		{Method: "GET", Pattern: "/v1/me/reminders", handler: s.getReminders},
		{Method: "PUT", Pattern: "/v1/me/reminders", handler: s.putReminders},
		{Method: "GET", Pattern: "/v1/users", handler: s.listUsers},
		{Method: "POST", Pattern: "/v1/users", handler: s.createUser},
		{Method: "PUT", Pattern: "/v1/users/{id}", handler: s.updateUser},
		{Method: "DELETE", Pattern: "/v1/users/{id}/totp", handler: s.resetTOTP},
		{Method: "GET", Pattern: "/v1/tokens", handler: s.listTokens},
		{Method: "POST", Pattern: "/v1/tokens", handler: s.createToken},
		{Method: "DELETE", Pattern: "/v1/tokens/{id}", handler: s.revokeToken},
		{Method: "GET", Pattern: "/v1/audit", handler: s.auditLog},
		{Method: "GET", Pattern: "/v1/org/settings", handler: s.getSettings},
		{Method: "PUT", Pattern: "/v1/org/settings", handler: s.putSettings},
		{Method: "POST", Pattern: "/v1/export", handler: s.export, Slow: true},
		{Method: "POST", Pattern: "/v1/import", handler: s.importCases, MaxBody: MaxImport},
		{Method: "POST", Pattern: "/v1/cases", handler: s.createCase},
		{Method: "GET", Pattern: "/v1/cases", handler: s.listCases},
		{Method: "GET", Pattern: "/v1/cases.csv", handler: s.listCSV, Slow: true},
		{Method: "POST", Pattern: "/v1/cases/lookup", handler: s.lookup},
		{Method: "POST", Pattern: "/v1/cases/import", handler: s.importSheet, MaxBody: MaxSheetBody},
		{Method: "GET", Pattern: "/v1/cases/{id}", handler: s.getCase},
		{Method: "PUT", Pattern: "/v1/cases/{id}", handler: s.putCase},
		{Method: "DELETE", Pattern: "/v1/cases/{id}", handler: s.deleteCase},
		{Method: "POST", Pattern: "/v1/cases/{id}/{part}", handler: s.addPart},
		{Method: "PUT", Pattern: "/v1/cases/{id}/{part}/{n}", handler: s.putPart},
		{Method: "DELETE", Pattern: "/v1/cases/{id}/{part}/{n}", handler: s.deletePart},
		{Method: "GET", Pattern: "/v1/households", handler: s.listHouseholds},
		{Method: "POST", Pattern: "/v1/households", handler: s.createHousehold},
		{Method: "GET", Pattern: "/v1/households/{id}", handler: s.getHousehold},
		{Method: "PUT", Pattern: "/v1/households/{id}", handler: s.putHousehold},
		{Method: "DELETE", Pattern: "/v1/households/{id}", handler: s.deleteHousehold},
		{Method: "PUT", Pattern: "/v1/households/{id}/members/{case}", handler: s.putMember},
		{Method: "DELETE", Pattern: "/v1/households/{id}/members/{case}", handler: s.deleteMember},
		{Method: "POST", Pattern: "/v1/households/{id}/trips", handler: s.householdTrip},
		{Method: "POST", Pattern: "/v1/calendar-tokens", handler: s.createCalendarToken},
		{Method: "DELETE", Pattern: "/v1/calendar-tokens/{id}", handler: s.revokeCalendarToken},
	}
	return append(routes, s.pageRoutes()...)
}

// pageRoutes lists the web UI's pages.
func (s *Server) pageRoutes() []Route {
	page := func(m, p string, h func(http.ResponseWriter, *http.Request) error) Route {
		return Route{Method: m, Pattern: p, handler: h, Page: true}
	}
	pub := func(m, p string, h func(http.ResponseWriter, *http.Request) error) Route {
		return Route{Method: m, Pattern: p, handler: h, Page: true, Public: true}
	}
	return []Route{
		pub("GET", "/login", s.loginPage),
		pub("POST", "/login", s.loginForm),
		pub("POST", "/lang", s.langForm),
		pub("GET", "/static/{file}", s.static),
		pub("GET", "/check", s.checkRedirect),
		pub("GET", "/check/{file...}", s.checkFile),
		pub("POST", "/check/{$}", s.checkForm),
		page("POST", "/logout", s.logoutForm),
		page("GET", "/{$}", s.dashboard),
		page("GET", "/cases/new", s.newCasePage),
		page("POST", "/cases/new", s.newCaseForm),
		page("POST", "/cases/lookup", s.lookupForm),
		page("GET", "/cases/import", s.importPage),
		page("GET", "/cases/import/template.csv", s.importTemplate),
		{Method: "POST", Pattern: "/cases/import", handler: s.importForm, Page: true, MaxBody: MaxSheetPage},
		page("GET", "/cases/{id}", s.casePage),
		page("GET", "/cases/{id}/letter", s.letterPage),
		page("POST", "/cases/{id}/{part}", s.addPartForm),
		page("POST", "/cases/{id}/{part}/{n}", s.changePartForm),
		page("GET", "/households", s.householdsPage),
		page("POST", "/households", s.householdCreateForm),
		page("POST", "/households/join", s.householdJoinForm),
		page("GET", "/households/{id}", s.householdPage),
		page("POST", "/households/{id}/trips", s.householdTripForm),
		page("POST", "/households/{id}/label", s.householdLabelForm),
		page("POST", "/households/{id}/delete", s.householdDeleteForm),
		page("POST", "/households/{id}/leave", s.householdLeaveForm),
		page("GET", "/regimes", s.regimes),
		page("GET", "/regimes/{id}", s.regime),
		page("GET", "/account", s.accountPage),
		page("POST", "/account/password", s.passwordForm),
		page("POST", "/account/totp", s.totpStartForm),
		page("POST", "/account/totp/confirm", s.totpConfirmForm),
		page("POST", "/account/tokens", s.tokenForm),
		page("POST", "/account/tokens/{id}/revoke", s.tokenRevokeForm),
		page("POST", "/account/calendar", s.calendarForm),
		page("POST", "/account/reminders", s.remindersForm),
		page("POST", "/account/calendar/{id}/revoke", s.calendarRevokeForm),
		page("GET", "/admin/users", s.adminUsers),
		page("POST", "/admin/users", s.adminCreateUser),
		page("POST", "/admin/users/{id}", s.adminUpdateUser),
		page("POST", "/admin/users/{id}/totp-reset", s.adminResetTOTP),
		page("GET", "/admin/audit", s.adminAudit),
		page("GET", "/admin/data", s.adminData),
		page("POST", "/admin/settings", s.adminSettings),
		{Method: "POST", Pattern: "/admin/export", handler: s.adminExport, Page: true, Slow: true},
		{Method: "POST", Pattern: "/admin/import", handler: s.adminImport, Page: true, MaxBody: MaxImport},
	}
}
