package vault

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func keyring(t *testing.T, ids ...byte) (*Keyring, []MasterKey) {
	t.Helper()
	var keys []MasterKey
	for _, id := range ids {
		k, err := NewMasterKey(id)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	kr, err := NewKeyring(keys[0], keys[1:]...)
	if err != nil {
		t.Fatal(err)
	}
	return kr, keys
}

func TestSealOpen(t *testing.T) {
	kr, _ := keyring(t, 1)
	w, err := kr.NewDataKey("ngo-a")
	if err != nil {
		t.Fatal(err)
	}
	box, err := kr.Open("ngo-a", w)
	if err != nil {
		t.Fatal(err)
	}
	name := []byte("Kim Chol-su")
	ct := box.Seal(name, "case/c_1/name")
	if bytes.Contains(ct, name) || bytes.Contains(ct, []byte("Kim")) {
		t.Fatal("the ciphertext contains the name in clear")
	}
	if ct2 := box.Seal(name, "case/c_1/name"); bytes.Equal(ct, ct2) {
		t.Error("two seals of the same value are equal: the nonce is not random")
	}
	got, err := box.Open(ct, "case/c_1/name")
	if err != nil || string(got) != string(name) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	// Moved to another case or field, or altered: it must not open.
	for _, aad := range []string{"case/c_2/name", "case/c_1/passport"} {
		if _, err := box.Open(ct, aad); !errors.Is(err, ErrDecrypt) {
			t.Errorf("opened under %q: %v", aad, err)
		}
	}
	bad := bytes.Clone(ct)
	bad[len(bad)-1] ^= 1
	if _, err := box.Open(bad, "case/c_1/name"); !errors.Is(err, ErrDecrypt) {
		t.Errorf("a tampered ciphertext opened: %v", err)
	}
	if _, err := box.Open(nil, "x"); !errors.Is(err, ErrDecrypt) {
		t.Errorf("an empty ciphertext: %v", err)
	}
}

func TestDataKeysAreBoundToTheirOrganisation(t *testing.T) {
	kr, _ := keyring(t, 1)
	w, _ := kr.NewDataKey("ngo-a")
	if _, err := kr.Open("ngo-b", w); !errors.Is(err, ErrDecrypt) {
		t.Errorf("another organisation opened ngo-a's data key: %v", err)
	}
	other, _ := keyring(t, 1)
	if _, err := other.Open("ngo-a", w); !errors.Is(err, ErrDecrypt) {
		t.Errorf("a different master key with the same id opened it: %v", err)
	}
}

// TestRotation re-wraps a data key under a new master key: old data stays
// readable, and once every key is re-wrapped the old master key can go.
func TestRotation(t *testing.T) {
	old, keys := keyring(t, 1)
	w, _ := old.NewDataKey("ngo-a")
	box, _ := old.Open("ngo-a", w)
	ct := box.Seal([]byte("P1234567"), "case/c_1/passport")
	index := box.BlindIndex("passport", "P1234567")

	next, err := NewMasterKey(2)
	if err != nil {
		t.Fatal(err)
	}
	kr, err := NewKeyring(next, keys[0])
	if err != nil {
		t.Fatal(err)
	}
	w2, err := kr.Rewrap("ngo-a", w)
	if err != nil {
		t.Fatal(err)
	}
	if w2[0] != 2 {
		t.Fatalf("re-wrapped under key %d, want 2", w2[0])
	}
	only, _ := NewKeyring(next)
	box2, err := only.Open("ngo-a", w2)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := box2.Open(ct, "case/c_1/passport"); err != nil || string(got) != "P1234567" {
		t.Errorf("after rotation: %q, %v", got, err)
	}
	if !Equal(box2.BlindIndex("passport", "p123 4567"), index) {
		t.Error("the blind index changed with rotation")
	}
	if _, err := only.Open("ngo-a", w); !errors.Is(err, ErrNoKey) {
		t.Errorf("a key wrapped under the retired master key: %v, want ErrNoKey", err)
	}
}

func TestBlindIndex(t *testing.T) {
	kr, _ := keyring(t, 1)
	wa, _ := kr.NewDataKey("a")
	wb, _ := kr.NewDataKey("b")
	a, _ := kr.Open("a", wa)
	b, _ := kr.Open("b", wb)
	if !Equal(a.BlindIndex("passport", "AB-12 34"), a.BlindIndex("passport", "ab1234")) {
		t.Error("normalisation: case, spaces and dashes should not matter")
	}
	if Equal(a.BlindIndex("passport", "AB1234"), a.BlindIndex("passport", "AB1235")) {
		t.Error("different numbers share an index value")
	}
	if Equal(a.BlindIndex("passport", "AB1234"), b.BlindIndex("passport", "AB1234")) {
		t.Error("two organisations share index values: the index is not keyed per organisation")
	}
	if Equal(a.BlindIndex("passport", "AB1234"), a.BlindIndex("phone", "AB1234")) {
		t.Error("kinds share index values")
	}
}

func TestMasterKeyText(t *testing.T) {
	k, _ := NewMasterKey(7)
	got, err := ParseMasterKey(k.String())
	if err != nil || got.ID != 7 || !bytes.Equal(got.key, k.key) {
		t.Fatalf("round trip: %v, %v", got, err)
	}
	for _, bad := range []string{"", "7", "0:" + strings.Repeat("A", 44), "256:x", "7:not-base64", "7:AAAA"} {
		if _, err := ParseMasterKey(bad); err == nil {
			t.Errorf("ParseMasterKey(%q) accepted it", bad)
		}
	}
	if _, err := NewKeyring(k, k); err == nil {
		t.Error("a keyring took the same id twice")
	}
}
