package login

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"strings"
	"time"
	"unicode"
)

const (
	totpSecretLen = 20 // bytes: RFC 4226 recommends 160 bits
	// RFC 4226 requires at least 128 bits; a shorter secret read back is
	// a mistake (or a truncated paste), not something to accept.
	minTOTPSecretLen = 16
	totpPeriod       = 30 // seconds
	totpDigits       = 6
	totpModulus      = 1_000_000 // 10^totpDigits
)

// b32 is what authenticator apps take: the standard alphabet without
// padding.
var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a fresh random secret of 20 bytes.
func NewTOTPSecret() ([]byte, error) {
	secret := make([]byte, totpSecretLen)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("login: totp secret: %w", err)
	}
	return secret, nil
}

// EncodeSecret writes secret in base32 without padding, as people type it
// into authenticator apps.
func EncodeSecret(secret []byte) string {
	return b32.EncodeToString(secret)
}

// DecodeSecret reads a base32 secret as a person may have copied it: in
// lower case, in groups separated by spaces, with or without padding. It
// refuses a secret shorter than 128 bits, the minimum of RFC 4226.
func DecodeSecret(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToUpper(r)
	}, s)
	secret, err := b32.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, fmt.Errorf("login: totp secret: %w", err)
	}
	if len(secret) < minTOTPSecretLen {
		return nil, fmt.Errorf("login: totp secret of %d bytes is shorter than %d", len(secret), minTOTPSecretLen)
	}
	return secret, nil
}

// TOTPURI returns the otpauth URI (Key Uri Format) that an authenticator
// app reads from a QR code. The issuer should contain no colon: apps split
// the label at the first one. An empty issuer is left out.
func TOTPURI(secret []byte, issuer, account string) string {
	var b strings.Builder
	b.WriteString("otpauth://totp/")
	if issuer != "" {
		b.WriteString(uriEscape(issuer))
		b.WriteByte(':')
	}
	b.WriteString(uriEscape(account))
	b.WriteString("?secret=")
	b.WriteString(EncodeSecret(secret))
	if issuer != "" {
		b.WriteString("&issuer=")
		b.WriteString(uriEscape(issuer))
	}
	fmt.Fprintf(&b, "&algorithm=SHA1&digits=%d&period=%d", totpDigits, totpPeriod)
	return b.String()
}

// uriEscape percent-encodes all but RFC 3986's unreserved characters and
// "@". url.PathEscape leaves ":" and "&" alone, which would split the label
// or the query, and url.QueryEscape writes a space as "+", which the Key
// Uri Format does not take; "@" is kept so that an e-mail address reads
// as one in apps that show the label raw.
func uriEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', c == '@':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0x0f])
		}
	}
	return b.String()
}

// TOTPCode returns the 6-digit code for now.
func TOTPCode(secret []byte, now time.Time) string {
	return formatCode(hotp(secret, totpStep(now)))
}

// CheckTOTP reports whether code is the code for now's time step or for
// one step either side, which allows for clocks that drift. Only steps
// after lastStep count, so that a code that was used once cannot be used
// again: on success the caller stores the returned step as the new
// lastStep. On failure the returned step is lastStep, so storing it is
// harmless.
func CheckTOTP(secret []byte, code string, now time.Time, lastStep int64) (step int64, ok bool) {
	code = strings.TrimSpace(code)
	if len(secret) == 0 || !sixDigits(code) {
		return lastStep, false
	}
	cur := totpStep(now)
	var matched int64
	found := 0
	// All three candidates are computed and compared whatever the result,
	// and the first match is picked without a branch, so that the time
	// taken does not tell whether or where the code matched. lastStep is
	// not secret, so skipping used steps may branch.
	for s := cur - 1; s <= cur+1; s++ {
		eq := subtle.ConstantTimeCompare([]byte(formatCode(hotp(secret, s))), []byte(code))
		if s <= lastStep {
			eq = 0
		}
		take := eq &^ found
		matched += int64(take) * s
		found |= take
	}
	if found == 0 {
		return lastStep, false
	}
	return matched, true
}

func sixDigits(code string) bool {
	if len(code) != totpDigits {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

// totpStep counts 30-second steps from the Unix epoch (T0 = 0), rounding
// down before 1970 too, so that steps stay 30 seconds long there.
func totpStep(now time.Time) int64 {
	u := now.Unix()
	if u < 0 {
		return -((-u + totpPeriod - 1) / totpPeriod)
	}
	return u / totpPeriod
}

// hotp is RFC 4226's HOTP with HMAC-SHA1 and dynamic truncation, reduced
// to six digits.
func hotp(secret []byte, counter int64) uint32 {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(counter))
	mac := hmac.New(sha1.New, secret)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return bin % totpModulus
}

func formatCode(c uint32) string {
	return fmt.Sprintf("%0*d", totpDigits, c)
}
