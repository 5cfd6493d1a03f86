package login

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over the memory
	Threads uint8  // lanes
}

// DefaultParams is the minimum that the OWASP Password Storage Cheat Sheet
// recommends for argon2id: 19 MiB of memory, two passes, one lane.
var DefaultParams = Params{Memory: 19456, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32

	// The bounds below are for hashes read back from storage: a tampered
	// row must not make the server allocate or compute without bound.
	maxMemory  = 1 << 20 // KiB, that is 1 GiB
	maxTime    = 20
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 64
	// Longer than any hash within the bounds above, so that an absurd
	// string is refused before it is split and decoded.
	maxEncodedLen = 512
)

// Only argon2id v=19 is read or written: x/crypto computes no other
// version, and v=16 hashes differently.
const phcPrefix = "$argon2id$v=19$"

// b64 is the PHC string format's base64: standard alphabet, no padding.
// Strict refuses non-zero trailing bits, so that each salt and key has one
// encoding only.
var b64 = base64.RawStdEncoding.Strict()

// HashPassword hashes pw with a fresh random salt and returns the PHC
// string to store.
func HashPassword(pw string, p Params) (string, error) {
	if err := p.check(); err != nil {
		return "", err
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("login: salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, keyLen)
	return encodeHash(p, salt, key), nil
}

// CheckPassword reports whether pw matches the stored hash encoded. A
// malformed or tampered hash is an error rather than a plain false, so
// that the server can tell a broken row from a wrong password.
func CheckPassword(encoded, pw string) (bool, error) {
	h, err := parseHash(encoded)
	if err != nil {
		return false, err
	}
	key := argon2.IDKey([]byte(pw), h.salt, h.p.Time, h.p.Memory, h.p.Threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1, nil
}

// NeedsRehash reports whether encoded costs less than p (less memory or
// fewer passes) or has a shorter salt or key than HashPassword writes, so
// that the server can rehash the password at the next successful login. A
// hash that cannot be parsed needs rehashing too. A different number of
// lanes alone does not: it changes how the work is split, not how much
// there is.
func NeedsRehash(encoded string, p Params) bool {
	h, err := parseHash(encoded)
	if err != nil {
		return true
	}
	return h.p.Memory < p.Memory || h.p.Time < p.Time ||
		len(h.salt) < saltLen || len(h.key) < keyLen
}

// DummyCheck costs as much as checking pw against a hash at DefaultParams,
// and is meant for logins to accounts that do not exist, so that the time
// a failed login takes does not reveal which usernames exist.
func DummyCheck(pw string) {
	// Going through CheckPassword, parsing included, keeps the two paths
	// alike; the all-zero key matches no password in practice, and the
	// result is thrown away anyway.
	_, _ = CheckPassword(encodeHash(DefaultParams, make([]byte, saltLen), make([]byte, keyLen)), pw)
}

type hash struct {
	p         Params
	salt, key []byte
}

func (p Params) check() error {
	switch {
	case p.Threads == 0:
		return errors.New("login: argon2 threads must be at least 1")
	case p.Time == 0 || p.Time > maxTime:
		return fmt.Errorf("login: argon2 time %d outside 1..%d", p.Time, maxTime)
	case p.Memory > maxMemory:
		return fmt.Errorf("login: argon2 memory %d KiB over %d KiB", p.Memory, maxMemory)
	case p.Memory < 8*uint32(p.Threads):
		// RFC 9106 requires at least 8 KiB per lane; x/crypto would
		// silently raise it, so the string would not say what was done.
		return fmt.Errorf("login: argon2 memory %d KiB under 8 KiB per thread", p.Memory)
	}
	return nil
}

func encodeHash(p Params, salt, key []byte) string {
	return fmt.Sprintf("%sm=%d,t=%d,p=%d$%s$%s", phcPrefix,
		p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

var errMalformed = errors.New("login: malformed password hash")

func parseHash(encoded string) (hash, error) {
	var h hash
	if len(encoded) > maxEncodedLen {
		return h, errMalformed
	}
	rest, ok := strings.CutPrefix(encoded, phcPrefix)
	if !ok {
		return h, fmt.Errorf("%w: not %q", errMalformed, phcPrefix)
	}
	parts := strings.Split(rest, "$")
	if len(parts) != 3 {
		return h, errMalformed
	}
	fields := strings.Split(parts[0], ",")
	if len(fields) != 3 {
		return h, fmt.Errorf("%w: parameters", errMalformed)
	}
	m, err1 := paramValue(fields[0], "m=", 32)
	t, err2 := paramValue(fields[1], "t=", 32)
	th, err3 := paramValue(fields[2], "p=", 8)
	if err := errors.Join(err1, err2, err3); err != nil {
		return h, err
	}
	h.p = Params{Memory: uint32(m), Time: uint32(t), Threads: uint8(th)}
	if err := h.p.check(); err != nil {
		return h, err
	}
	if h.salt, err1 = b64.DecodeString(parts[1]); err1 != nil ||
		len(h.salt) < minSaltLen || len(h.salt) > maxSaltLen {
		return h, fmt.Errorf("%w: salt", errMalformed)
	}
	if h.key, err1 = b64.DecodeString(parts[2]); err1 != nil ||
		len(h.key) < minKeyLen || len(h.key) > maxKeyLen {
		return h, fmt.Errorf("%w: key", errMalformed)
	}
	return h, nil
}

func paramValue(field, name string, bits int) (uint64, error) {
	digits, ok := strings.CutPrefix(field, name)
	if !ok {
		return 0, fmt.Errorf("%w: want %s", errMalformed, name)
	}
	// Base 10 rather than 0, so that "0x10" and "1_0" are refused.
	v, err := strconv.ParseUint(digits, 10, bits)
	if err != nil {
		return 0, fmt.Errorf("%w: %s", errMalformed, field)
	}
	return v, nil
}

const (
	minPasswordLen = 12
	maxPasswordLen = 256
)

// commonPasswords lists a few of the most common passwords that are long
// enough to pass the length rule. NIST SP 800-63B asks for a check against
// known-bad passwords; a short list catches the worst without shipping a
// breach corpus.
var commonPasswords = map[string]bool{
	"123456789012":     true,
	"1234567890123":    true,
	"12345678901234":   true,
	"123456789123":     true,
	"123123123123":     true,
	"password1234":     true,
	"password123!":     true,
	"passwordpassword": true,
	"qwertyuiopas":     true,
	"qwertyuiop123":    true,
	"qwerty123456":     true,
	"1q2w3e4r5t6y":     true,
	"1qaz2wsx3edc":     true,
	"abcdefghijkl":     true,
	"abc123456789":     true,
	"iloveyou1234":     true,
	"letmein12345":     true,
	"welcome12345":     true,
	"changeme1234":     true,
	"administrator":    true,
	"visaclock123":     true,
	"visaclock1234":    true,
}

// ValidatePassword checks a new password. Following NIST SP 800-63B it
// asks for length rather than a mix of character classes: 12 to 256
// characters, any letters, digits, symbols or spaces, but no control
// characters and nothing from a short list of common passwords. Its error
// messages say what is accepted, so they can be shown to the person.
func ValidatePassword(pw string) error {
	if !utf8.ValidString(pw) {
		return errors.New("password must be valid text (UTF-8)")
	}
	n := utf8.RuneCountInString(pw)
	if n < minPasswordLen {
		return fmt.Errorf("password must be at least %d characters long; a phrase of a few words is easiest to remember", minPasswordLen)
	}
	if n > maxPasswordLen {
		return fmt.Errorf("password must be at most %d characters long", maxPasswordLen)
	}
	for _, r := range pw {
		if unicode.IsControl(r) {
			return errors.New("password may contain letters, digits, symbols and spaces, but no control characters such as tabs or line breaks")
		}
	}
	if commonPasswords[strings.ToLower(pw)] || oneRune(pw) {
		return errors.New("password is too common; choose a longer phrase that others are unlikely to use")
	}
	return nil
}

// oneRune reports whether s repeats a single character, such as
// "aaaaaaaaaaaa" or twelve spaces: long enough, but guessed first.
func oneRune(s string) bool {
	first, _ := utf8.DecodeRuneInString(s)
	for _, r := range s {
		if r != first {
			return false
		}
	}
	return true
}
