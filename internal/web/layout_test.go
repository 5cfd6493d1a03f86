package web

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sources returns the non-test Go files of this package and those under
// it, by path.
func sources(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "templates" || d.Name() == "static") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		out[path] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no sources found")
	}
	return out
}

// TestHandlersDoNotReachTheStore: handlers call the Service, which checks
// permissions and audits; none reaches past it into its Store.
func TestHandlersDoNotReachTheStore(t *testing.T) {
	for path, src := range sources(t) {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Store" {
				return true
			}
			// s.Service.Store, svc.Store, or a Service value's Store.
			if x, ok := sel.X.(*ast.SelectorExpr); ok && x.Sel.Name == "Service" {
				t.Errorf("%s: a handler reaches the Service's Store; add a Service method instead", fset.Position(sel.Pos()))
			}
			if x, ok := sel.X.(*ast.Ident); ok && (x.Name == "svc" || x.Name == "Service") {
				t.Errorf("%s: a handler reaches the Service's Store; add a Service method instead", fset.Position(sel.Pos()))
			}
			return true
		})
	}
}

// TestFilesAReaderCanHold: no source file of the web faces is over 600
// lines; split by resource or page instead.
func TestFilesAReaderCanHold(t *testing.T) {
	for path, src := range sources(t) {
		if n := bytes.Count(src, []byte("\n")); n > 600 {
			t.Errorf("%s has %d lines; split it by resource or page (at most 600)", path, n)
		}
	}
}

// TestHandlersDoNotRunTheEngine: the engine runs in the Service, with its
// rule packs and its "today"; a handler that prepared or planned a history
// itself would be a second place the rules are applied.
func TestHandlersDoNotRunTheEngine(t *testing.T) {
	for path, src := range sources(t) {
		for _, call := range []string{"stay.Prepare(", "stay.PlanEntry(", "casefile.Parse"} {
			if bytes.Contains(src, []byte(call)) {
				t.Errorf("%s: calls %s; add a Service method instead", path, strings.TrimSuffix(call, "("))
			}
		}
	}
}
