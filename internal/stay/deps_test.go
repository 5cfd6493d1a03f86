package stay_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The engine is a pure function of its inputs: it reads no clock, file or
// network (see the package comment). These tests hold it to that through
// its imports.

func goList(t *testing.T, args ...string) []string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list the package's imports: %v", err)
	}
	cmd := exec.Command(goBin, append([]string{"list"}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.Fields(string(out))
}

func TestEngineDirectImports(t *testing.T) {
	imports := goList(t, "-f", "{{join .Imports \" \"}}", "visaclock/internal/stay")
	if len(imports) == 0 {
		t.Fatal("go list reported no imports; expected at least visaclock/internal/date")
	}
	if !slices.Contains(imports, "visaclock/internal/date") {
		t.Errorf("imports %v do not include visaclock/internal/date; is go list looking at the right package?", imports)
	}
	forbidden := []string{
		"os", "io/ioutil", "os/exec", "os/signal",
		"net", "net/http",
		"database/sql",
		"log", "log/slog",
		"math/rand", "math/rand/v2", "crypto/rand",
		"visaclock/internal/document", "visaclock/internal/packs", "visaclock/internal/casefile",
	}
	for _, imp := range imports {
		if slices.Contains(forbidden, imp) {
			t.Errorf("visaclock/internal/stay imports %s directly; the engine must not read files, the network, logs or randomness", imp)
		}
	}
}

func TestEngineTransitiveImports(t *testing.T) {
	deps := goList(t, "-deps", "visaclock/internal/stay")
	if !slices.Contains(deps, "visaclock/internal/stay") {
		t.Fatalf("go list -deps output %v does not include the package itself", deps)
	}
	for _, dep := range deps {
		switch {
		case dep == "net" || strings.HasPrefix(dep, "net/"),
			dep == "database/sql" || strings.HasPrefix(dep, "database/sql/"),
			dep == "log/slog",
			dep == "os/exec":
			t.Errorf("visaclock/internal/stay depends on %s", dep)
		}
	}
}

// time is imported for its Month and Weekday constants only: nothing in the
// engine may read the clock.
func TestEngineReadsNoClock(t *testing.T) {
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
		for _, call := range []string{"time.Now(", "time.Since(", "time.Until(", "time.Tick(", "time.After(", "time.NewTimer(", "time.Sleep("} {
			if strings.Contains(string(src), call) {
				t.Errorf("%s calls %s); the engine must take every date as input", name, call)
			}
		}
	}
	if checked < 5 {
		t.Errorf("checked %d non-test files, want the engine's sources (is the test running in internal/stay?)", checked)
	}
}
