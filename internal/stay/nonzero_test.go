package stay

import (
	"fmt"
	"reflect"
	"testing"
)

// TestNonzeroTagsMatchTheBounds: the range the decoder names when a length
// is given as 0 is the range Prepare checks, for every length field.
func TestNonzeroTagsMatchTheBounds(t *testing.T) {
	want := map[string]string{
		"StayDays":        fmt.Sprintf("1–%d", maxDays),
		"RequestedDays":   fmt.Sprintf("1–%d", maxDays),
		"GrantedDays":     fmt.Sprintf("1–%d", maxDays),
		"RequestedMonths": fmt.Sprintf("1–%d", maxMonths),
		"GrantedMonths":   fmt.Sprintf("1–%d", maxMonths),
	}
	got := map[string]string{}
	for _, typ := range []reflect.Type{reflect.TypeFor[Grant](), reflect.TypeFor[Extension]()} {
		for f := range typ.Fields() {
			if f.Type == reflect.TypeFor[int]() { // Entries, a rules.Count, refuses 0 itself
				got[f.Name] = f.Tag.Get("nonzero")
			}
		}
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: nonzero:%q, want %q", name, got[name], w)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: an int field of a history; is it a length? add it here, with a nonzero tag if so", name)
		}
	}
}
