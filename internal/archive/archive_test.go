package archive

import (
	"bytes"
	"strings"
	"testing"

	"filippo.io/age"
)

func TestRoundTripPassphrase(t *testing.T) {
	plain := []byte(`{"format":"visaclock-export/1","cases":[{"identity":{"name":"Kim Chol"}}]}`)
	var buf bytes.Buffer
	k := Key{Passphrase: "correct horse battery", WorkFactor: 10}
	if err := Encrypt(&buf, plain, k); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte("Kim Chol")) {
		t.Fatal("the encrypted file holds the name in clear")
	}
	enc := buf.Bytes()
	got, err := Decrypt(bytes.NewReader(enc), Key{Passphrase: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, plain) {
		t.Fatalf("got %q, want %q", got, plain)
	}
	if _, err := Decrypt(bytes.NewReader(enc), Key{Passphrase: "wrong horse battery"}); err == nil || !strings.Contains(err.Error(), "wrong passphrase") {
		t.Fatalf("wrong passphrase: err = %v", err)
	}
	// A flipped byte in the payload must not decrypt to anything.
	bad := bytes.Clone(enc)
	bad[len(bad)-5] ^= 1
	if _, err := Decrypt(bytes.NewReader(bad), Key{Passphrase: "correct horse battery"}); err == nil {
		t.Fatal("a damaged file decrypted")
	}
}

func TestRoundTripRecipients(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	other, _ := age.GenerateX25519Identity()
	plain := []byte("passport AB1234567")
	var buf bytes.Buffer
	if err := Encrypt(&buf, plain, Key{Recipients: "# the NGO's key\n" + id.Recipient().String() + "\n"}); err != nil {
		t.Fatal(err)
	}
	got, err := Decrypt(bytes.NewReader(buf.Bytes()), Key{Identities: id.String()})
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Decrypt = %q, %v", got, err)
	}
	if _, err := Decrypt(bytes.NewReader(buf.Bytes()), Key{Identities: other.String()}); err == nil {
		t.Fatal("another identity decrypted the file")
	}
}

func TestRefusals(t *testing.T) {
	var buf bytes.Buffer
	for _, tc := range []struct {
		k    Key
		want string
	}{
		{Key{}, "must be encrypted"},
		{Key{Passphrase: "short"}, "at least 12"},
		{Key{Passphrase: "long enough passphrase", Recipients: "age1x"}, "not both"},
		{Key{Recipients: "not-a-key"}, "recipients"},
	} {
		if err := Encrypt(&buf, []byte("x"), tc.k); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Encrypt(%+v) = %v, want an error with %q", tc.k, err, tc.want)
		}
	}
	if _, err := Decrypt(strings.NewReader("not age"), Key{Passphrase: "long enough passphrase"}); err == nil || !strings.Contains(err.Error(), "not a readable export") {
		t.Errorf("Decrypt(garbage) = %v", err)
	}
	if _, err := Decrypt(strings.NewReader("x"), Key{}); err == nil {
		t.Error("Decrypt without a key succeeded")
	}
}

// FuzzDecrypt feeds arbitrary files to the decoder that faces the network
// on import: it must refuse them without panicking.
func FuzzDecrypt(f *testing.F) {
	var buf bytes.Buffer
	if err := Encrypt(&buf, []byte(`{"cases":[]}`), Key{Passphrase: "fuzzing passphrase", WorkFactor: 1}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("age-encryption.org/v1\n-> scrypt AAAA 1\n\n--- x\n"))
	// A header asking for scrypt at 2^22 (4 GiB) must be refused, not run.
	f.Add([]byte("age-encryption.org/v1\n-> scrypt c2FsdHNhbHRzYWx0c2FsdA 22\nAAAA\n--- AAAA\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = Decrypt(bytes.NewReader(b), Key{Passphrase: "fuzzing passphrase"})
	})
}
