package login

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"
)

func TestNewSecret(t *testing.T) {
	secret, hash, err := NewSecret("vcs_")
	if err != nil {
		t.Fatal(err)
	}
	body, ok := strings.CutPrefix(secret, "vcs_")
	if !ok {
		t.Fatalf("secret %q lacks its prefix", secret)
	}
	// 32 bytes are 256 bits, 52 base32 characters of 5 bits each.
	if got, want := len(body), 52; got != want {
		t.Errorf("secret body is %d characters, want %d", got, want)
	}
	if strings.Trim(body, "abcdefghijklmnopqrstuvwxyz234567") != "" {
		t.Errorf("secret body %q is not lower-case base32", body)
	}
	want := sha256.Sum256([]byte(secret))
	if !bytes.Equal(hash, want[:]) {
		t.Errorf("hash = %x, want SHA-256 of the whole secret %x", hash, want)
	}
	if got := HashSecret(secret); !bytes.Equal(got, hash) {
		t.Errorf("HashSecret = %x, want the hash NewSecret returned %x", got, hash)
	}

	other, otherHash, err := NewSecret("vcs_")
	if err != nil {
		t.Fatal(err)
	}
	if other == secret || bytes.Equal(otherHash, hash) {
		t.Error("two secrets are equal")
	}
	if bytes.Equal(HashSecret("vct_"+body), hash) {
		t.Error("the same body under another prefix hashes the same")
	}
}
