package casefile

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"visaclock/internal/document"
	"visaclock/internal/packs"
	"visaclock/internal/stay"
)

// decodeSeeds are histories the fast decoder must read, and near misses it
// must leave to the strict decoder.
func decodeSeeds(tb testing.TB) [][]byte {
	var seeds [][]byte
	for _, name := range []string{"extended.json", "schengen.json", "us.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, data)
		var compact bytes.Buffer
		if err := json.Compact(&compact, data); err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, compact.Bytes())
	}
	reg, err := packs.Embedded()
	if err != nil {
		tb.Fatal(err)
	}
	for _, id := range reg.IDs() {
		pf, _ := reg.File(id)
		for _, tc := range pf.Tests {
			b, err := json.Marshal(tc.History)
			if err != nil {
				tb.Fatal(err)
			}
			seeds = append(seeds, b)
		}
	}
	for _, s := range []string{
		`{"as_of":"2024-03-10","grants":[{"id":"q2","rule":"cn-family-visit","stay_days":30}],"trips":[{"entry":"2024-03-01","exit":null}],"person":null,"extensions":null}`,
		`{"person":{},"grants":[null,{"id":"a","rule":"x","entries":"multiple"},{"id":"b","rule":"y","entries":2}],"trips":[]}`,
		`{"grants":[{"id":"a","rule":"x","entries":0}]}`,
		`{"grants":[{"id":"a","rule":"x","stay_days":-0}]}`,
		`{"grants":[{"id":"a","rule":"x","stay_days":0}]}`,
		`{"grants":[{"id":"a","rule":"x","stay_days":null}]}`,
		`{"extensions":[{"requested_days":0},{"requested_months":0},{"granted_days":0},{"granted_months":0}]}`,
		`{"extensions":[{"requested_days":null,"requested_months":null,"granted_days":null,"granted_months":null}]}`,
		`{"grants":[{"id":"a","rule":"x","stay_days":1e2}]}`,
		`{"grants":[{"id":"a","rule":"x","stay_days":012}]}`,
		`{"grants":[{"id":"a","rule":"x","stay_days":"30"}]}`,
		`{"grants":[{"id":5,"rule":"x"}]}`,
		`{"extensions":[{"filed":"2024-01-01","outcome":"pending","filing":"paper"},{"outcome":null,"filing":null},{"outcome":""}]}`,
		`{"as_of":"2024-02-30"}`,
		`{"as_of":"2024-03-10","as_of":"2024-03-11"}`,
		`{"As_of":"2024-03-10"}`,
		`{"as_of" : "2024-03-10" , "grants" : [ ] }`,
		"{\"as_of\"\n:\"2024-03-10\"}",
		"{\n  \"as_of\": \"2024-03-10\",\r\n  \"grants\": []\n}\n",
		"{\t\"as_of\":\"2024-03-10\"}",
		`{"grants":[{"id":"a\"b","rule":"x"}]}`,
		`{"grants":[{"id":"a#b","rule":"x"}]} # comment`,
		`{"grants":[{"id":"é","rule":"x"}]}`,
		`{} {}`,
		`{}]`,
		`[]`,
		`null`,
		` {"trips":[{"entry":"2024-03-01"},]}`,
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}

// checkDecode holds decodeJSON to the strict decoder: what it reads, the
// strict decoder reads too, to the same History.
func checkDecode(t *testing.T, data []byte) {
	var fast stay.History
	if !decodeJSON(data, &fast) {
		return // left to the strict decoder, which answers for itself
	}
	var strict stay.History
	if _, err := document.Decode(data, &strict); err != nil {
		t.Fatalf("decodeJSON read %q, which the strict decoder refuses: %v", data, err)
	}
	if !reflect.DeepEqual(fast, strict) {
		t.Fatalf("decodeJSON and the strict decoder read %q differently:\nfast   %+v\nstrict %+v", data, fast, strict)
	}
}

// TestDecodeJSONSeeds: the seeds agree, and the ordinary ones take the
// fast path at all.
func TestDecodeJSONSeeds(t *testing.T) {
	fast := 0
	seeds := decodeSeeds(t)
	for _, s := range seeds {
		checkDecode(t, s)
		var h stay.History
		if decodeJSON(s, &h) {
			fast++
		}
	}
	if fast < len(seeds)/2 {
		t.Errorf("only %d of %d seeds took the fast path", fast, len(seeds))
	}
	var h stay.History
	if !decodeJSON([]byte(strings.TrimSpace(line20)), &h) || len(h.Trips) != 2 {
		t.Errorf("a batch line did not take the fast path")
	}
}

// FuzzDecodeJSON feeds the same input to the fast and the strict decoder.
// Whatever the fast one accepts must read the same under the strict one;
// what it leaves goes to the strict one, so that ParseJSON's answer or
// error is always Parse's (FuzzParseJSON checks that end to end).
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range decodeSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(checkDecode)
}

const line20 = `{"grants":[{"id":"vf","rule":"schengen-short-stay"}],"trips":[{"entry":"2020-12-24","exit":"2021-01-05"},{"entry":"2021-01-22","exit":"2021-01-30"}],"as_of":"2022-12-10"}`
