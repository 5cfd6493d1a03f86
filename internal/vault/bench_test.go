package vault

import "testing"

// BenchmarkSealOpen is the cost of sealing and opening one identity, which
// every write and every masked read of a case with an identity pays.
func BenchmarkSealOpen(b *testing.B) {
	mk, _ := NewMasterKey(1)
	kr, _ := NewKeyring(mk)
	w, _ := kr.NewDataKey("o_bench")
	box, err := kr.Open("o_bench", w)
	if err != nil {
		b.Fatal(err)
	}
	plain := []byte(`{"name":"Ri Chol-su","birth_date":"1961-04-15","nationality":"PRK","passport":"PX7734521","contact":"+850 2 381 4417"}`)
	b.ReportAllocs()
	for b.Loop() {
		c := box.Seal(plain, "case/c_06h1j7m3syp3qrv4tmb6yywqg8/identity")
		if _, err := box.Open(c, "case/c_06h1j7m3syp3qrv4tmb6yywqg8/identity"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBlindIndex is the cost of one passport lookup's index value.
func BenchmarkBlindIndex(b *testing.B) {
	mk, _ := NewMasterKey(1)
	kr, _ := NewKeyring(mk)
	w, _ := kr.NewDataKey("o_bench")
	box, _ := kr.Open("o_bench", w)
	b.ReportAllocs()
	for b.Loop() {
		box.BlindIndex("passport", "px 7734-521")
	}
}
