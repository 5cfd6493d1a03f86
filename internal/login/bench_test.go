package login

import "testing"

// BenchmarkCheckPassword is the cost of one login's password check at the
// parameters the server uses: the price a guesser pays per guess, too.
func BenchmarkCheckPassword(b *testing.B) {
	h, err := HashPassword("correct horse battery staple", DefaultParams)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, err := CheckPassword(h, "correct horse battery staple"); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
