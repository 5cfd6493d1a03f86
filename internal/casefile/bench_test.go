package casefile_test

import (
	"testing"

	"visaclock/internal/casefile"
	"visaclock/internal/date"
)

// line20 is one check --batch line: a twenty-trip Schengen history.
const line20 = `{"grants":[{"id":"vf","rule":"schengen-short-stay"}],"trips":[{"entry":"2020-12-24","exit":"2021-01-05"},{"entry":"2021-01-22","exit":"2021-01-30"},{"entry":"2021-02-23","exit":"2021-03-02"},{"entry":"2021-04-04","exit":"2021-04-15"},{"entry":"2021-05-10","exit":"2021-05-13"},{"entry":"2021-06-08","exit":"2021-06-20"},{"entry":"2021-07-20","exit":"2021-07-22"},{"entry":"2021-08-18","exit":"2021-08-30"},{"entry":"2021-09-20","exit":"2021-09-27"},{"entry":"2021-10-20","exit":"2021-11-01"},{"entry":"2021-12-01","exit":"2021-12-05"},{"entry":"2022-01-02","exit":"2022-01-12"},{"entry":"2022-02-15","exit":"2022-02-20"},{"entry":"2022-03-20","exit":"2022-03-31"},{"entry":"2022-05-01","exit":"2022-05-03"},{"entry":"2022-06-01","exit":"2022-06-10"},{"entry":"2022-07-15","exit":"2022-07-22"},{"entry":"2022-08-20","exit":"2022-09-01"},{"entry":"2022-10-01","exit":"2022-10-05"},{"entry":"2022-11-25","exit":"2022-12-02"}],"as_of":"2022-12-10"}`

// BenchmarkParseJSON20 decodes and prepares one batch line, as check
// --batch and POST /v1/evaluate do.
func BenchmarkParseJSON20(b *testing.B) {
	reg := registry(b)
	data := []byte(line20)
	asOf := date.MustParse("2023-01-01")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := casefile.ParseJSON(data, reg.Lookup, asOf); err != nil {
			b.Fatal(err)
		}
	}
}
