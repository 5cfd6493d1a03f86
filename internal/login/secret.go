package login

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"
)

const secretLen = 32 // bytes: 256 bits, past any guessing

// secretEncoding is lower-case base32 without padding: no characters that
// need escaping in a URL or a header, and easy to read out.
var secretEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewSecret returns a random bearer secret (a session id, an API token, a
// set-up link) with a readable prefix, such as "vcs_" for sessions or
// "vct_" for API tokens, which tells people and secret scanners what it
// is. Only hash is to be stored: 256 random bits need no slow hash, and a
// stolen table of hashes opens nothing.
func NewSecret(prefix string) (secret string, hash []byte, err error) {
	b := make([]byte, secretLen)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("login: secret: %w", err)
	}
	var s strings.Builder
	s.WriteString(prefix)
	s.WriteString(secretEncoding.EncodeToString(b))
	secret = s.String()
	return secret, HashSecret(secret), nil
}

// HashSecret returns the SHA-256 of secret, prefix included, to look up
// what a presented secret stands for.
func HashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}
