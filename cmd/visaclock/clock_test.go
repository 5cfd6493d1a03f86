package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"visaclock/internal/date"
)

// testToday is the day the command tests run on: a fixed day, never the
// real one, so that a test passes or fails the same on every day.
// VISACLOCK_TEST_TODAY moves it (CI runs the suite again two years ahead),
// so that a test which hard-codes a date that "today" must be near fails
// now rather than on some later morning.
var testToday = func() date.Date {
	if s := os.Getenv("VISACLOCK_TEST_TODAY"); s != "" {
		d, err := date.Parse(s)
		if err != nil {
			panic("VISACLOCK_TEST_TODAY: " + err.Error())
		}
		return d
	}
	return date.MustParse("2026-11-26")
}()

// testNow is the clock every command under test runs with: noon UTC on
// testToday.
func testNow() time.Time {
	y, m, d := testToday.YMD()
	return time.Date(y, m, d, 12, 0, 0, 0, time.UTC)
}

func TestTodayFollowsTheInjectedClock(t *testing.T) {
	if got := today(testNow); got != testToday {
		t.Fatalf("today(testNow) = %s, want %s", got, testToday)
	}
}

// TestNoCalendarReadsTheRealClock fails when code outside main's wiring
// reads the real clock, except where it measures a duration or stamps
// something no answer depends on. A calendar day taken from time.Now is
// how a test comes to pass today and fail tomorrow.
func TestNoCalendarReadsTheRealClock(t *testing.T) {
	allowed := map[string]string{
		"cmd/visaclock/wallclock.go":           "wires time.Now into run",
		"cmd/visaclock/wallclock_testclock.go": "shifts the real clock to the test day, in test builds only",
		"cmd/visaclock/dev.go":                 "times the seeding and the list queries",
		"internal/web/server.go":               "times each request for the log and metrics",
		"internal/web/middleware.go":           "times each request for the log and metrics (moved from server.go)",
		"internal/sqlstore/retry.go":           "bounds how long a retry waits",
		"internal/sqlstore/migrate.go":         "stamps when a migration was applied",
		"internal/caseload/service.go":         "orders new ids by when they were made",
	}
	fset := token.NewFileSet()
	for _, root := range []string{"../../cmd", "../../internal"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			rel := strings.TrimPrefix(filepath.ToSlash(path), "../../")
			ast.Inspect(f, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "time" && (sel.Sel.Name == "Now" || sel.Sel.Name == "Since" || sel.Sel.Name == "Until") {
					if _, ok := allowed[rel]; !ok {
						t.Errorf("%s: time.%s outside the injected clock; take a func() time.Time instead", fset.Position(sel.Pos()), sel.Sel.Name)
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
