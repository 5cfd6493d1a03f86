package workdays

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The package is pure (see the package comment): its only project import
// is internal/date, and it reads no file, network, log or clock. These
// tests hold it to that through its imports and sources.

func TestImports(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("the go command is needed to list the imports: %v", err)
	}
	out, err := exec.Command(goBin, "list", "-f", `{{join .Imports " "}}`, "visaclock/internal/workdays").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	allowed := []string{
		"embed", "errors", "fmt", "sort", "strconv", "strings", "sync", "time", "unicode/utf8",
		"visaclock/internal/date",
	}
	imports := strings.Fields(string(out))
	if !slices.Contains(imports, "visaclock/internal/date") {
		t.Fatalf("imports %v lack visaclock/internal/date; is go list looking at the right package?", imports)
	}
	for _, imp := range imports {
		if !slices.Contains(allowed, imp) {
			t.Errorf("imports %s; the package may use only %v", imp, allowed)
		}
	}
}

// time is imported for its Month and Weekday constants only.
func TestReadsNoClock(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, call := range []string{"time.Now(", "time.Since(", "time.Until(", "time.Tick(", "time.After(", "time.NewTimer(", "time.Sleep(", "time.Local"} {
			if strings.Contains(string(src), call) {
				t.Errorf("%s uses %s; the calendar must take every date as input", name, call)
			}
		}
	}
	if checked < 2 {
		t.Errorf("checked %d source files; is the test running in internal/workdays?", checked)
	}
}
