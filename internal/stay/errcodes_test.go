package stay

import (
	"os"
	"regexp"
	"slices"
	"testing"
)

// TestErrorCodesListed: every code a fieldErr call gives is in ErrorCodes,
// which the UI's catalogue test covers, and every listed code is given
// somewhere; so an error the engine can return always has words in every
// language.
func TestErrorCodesListed(t *testing.T) {
	call := regexp.MustCompile(`fieldErr\((?:"[a-z_]+"|path\.f\([^)]*\)|fmt\.Sprintf\([^)]*\)), "([a-z_]+)"`)
	seen := map[string]bool{}
	for _, f := range []string{"prepare.go", "plan.go"} {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range call.FindAllStringSubmatch(string(src), -1) {
			seen[m[1]] = true
			if !slices.Contains(ErrorCodes, m[1]) {
				t.Errorf("%s: code %q is not in ErrorCodes", f, m[1])
			}
		}
	}
	if len(seen) < 30 {
		t.Fatalf("found only %d codes: is the pattern right?", len(seen))
	}
	for _, c := range ErrorCodes {
		if !seen[c] {
			t.Errorf("ErrorCodes lists %q, which no call gives", c)
		}
	}
}
