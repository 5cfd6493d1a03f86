package login

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"
)

// rfcSecret is the SHA-1 secret of RFC 6238 Appendix B and RFC 4226
// Appendix D.
var rfcSecret = []byte("12345678901234567890")

// TestTOTPCodeRFC6238 checks the SHA-1 test vectors of RFC 6238,
// Appendix B. The RFC prints 8-digit codes; truncation is the same number
// mod 10^digits, so the 6-digit codes are their last six digits.
func TestTOTPCodeRFC6238(t *testing.T) {
	tests := []struct {
		unix  int64
		rfc8  string
		want6 string
	}{
		{59, "94287082", "287082"},
		{1111111109, "07081804", "081804"},
		{1111111111, "14050471", "050471"},
		{1234567890, "89005924", "005924"},
		{2000000000, "69279037", "279037"},
		{20000000000, "65353130", "353130"},
	}
	for _, tt := range tests {
		if got, want := tt.want6, tt.rfc8[2:]; got != want {
			t.Fatalf("test table: %s is not the last 6 digits of %s", got, tt.rfc8)
		}
		if got := TOTPCode(rfcSecret, time.Unix(tt.unix, 0)); got != tt.want6 {
			t.Errorf("TOTPCode(T=%d) = %s, want %s (RFC 6238: %s)", tt.unix, got, tt.want6, tt.rfc8)
		}
	}
}

// TestHOTPRFC4226 checks the truncation against RFC 4226, Appendix D,
// counters 0 to 9.
func TestHOTPRFC4226(t *testing.T) {
	want := []uint32{755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489}
	for counter, w := range want {
		if got := hotp(rfcSecret, int64(counter)); got != w {
			t.Errorf("hotp(%d) = %06d, want %06d", counter, got, w)
		}
	}
}

func TestTOTPStep(t *testing.T) {
	tests := []struct {
		unix int64
		want int64
	}{
		{0, 0}, {29, 0}, {30, 1}, {59, 1}, {-1, -1}, {-30, -1}, {-31, -2},
	}
	for _, tt := range tests {
		if got := totpStep(time.Unix(tt.unix, 0)); got != tt.want {
			t.Errorf("totpStep(%d) = %d, want %d", tt.unix, got, tt.want)
		}
	}
}

func TestCheckTOTPWindow(t *testing.T) {
	now := time.Unix(1_700_000_015, 0)
	cur := totpStep(now)
	for off := int64(-2); off <= 2; off++ {
		code := TOTPCode(rfcSecret, now.Add(time.Duration(off)*30*time.Second))
		step, ok := CheckTOTP(rfcSecret, code, now, 0)
		wantOK := off >= -1 && off <= 1
		if ok != wantOK {
			t.Errorf("step offset %+d: ok = %v, want %v", off, ok, wantOK)
			continue
		}
		if ok && step != cur+off {
			t.Errorf("step offset %+d: step = %d, want %d", off, step, cur+off)
		}
	}
}

func TestCheckTOTPReplay(t *testing.T) {
	now := time.Unix(1_700_000_015, 0)
	code := TOTPCode(rfcSecret, now)
	step, ok := CheckTOTP(rfcSecret, code, now, 0)
	if !ok {
		t.Fatal("fresh code refused")
	}
	if got, ok := CheckTOTP(rfcSecret, code, now, step); ok {
		t.Errorf("replayed code accepted at step %d", got)
	} else if got != step {
		t.Errorf("refusal returned step %d, want lastStep %d", got, step)
	}

	// Once a step is used, the one before it, though within the window,
	// is no longer accepted; the one after is.
	prev := TOTPCode(rfcSecret, now.Add(-30*time.Second))
	if _, ok := CheckTOTP(rfcSecret, prev, now, step); ok {
		t.Error("code of an earlier step accepted after a later one was used")
	}
	next := TOTPCode(rfcSecret, now.Add(30*time.Second))
	if got, ok := CheckTOTP(rfcSecret, next, now, step); !ok || got != step+1 {
		t.Errorf("next step's code: got %d, %v; want %d, true", got, ok, step+1)
	}
}

func TestCheckTOTPFormat(t *testing.T) {
	now := time.Unix(1_700_000_015, 0)
	code := TOTPCode(rfcSecret, now)
	tests := []struct {
		name, code string
		ok         bool
	}{
		{"exact", code, true},
		{"surrounding spaces", "  " + code + "\t\n", true},
		{"5 digits", code[:5], false},
		{"7 digits", code + "0", false},
		{"7 digits, code last", "0" + code, false},
		{"letter", code[:5] + "a", false},
		{"inner space", code[:3] + " " + code[3:], false},
		{"sign", "+" + code[1:], false},
		{"empty", "", false},
		{"full-width digits", strings.Map(func(r rune) rune { return r - '0' + '０' }, code), false},
	}
	for _, tt := range tests {
		if _, ok := CheckTOTP(rfcSecret, tt.code, now, 0); ok != tt.ok {
			t.Errorf("%s: CheckTOTP(%q) ok = %v, want %v", tt.name, tt.code, ok, tt.ok)
		}
	}
	if _, ok := CheckTOTP(nil, code, now, 0); ok {
		t.Error("empty secret accepted a code")
	}
}

func TestSecretEncoding(t *testing.T) {
	secret, err := NewTOTPSecret()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(secret), 20; got != want {
		t.Fatalf("secret is %d bytes, want %d", got, want)
	}
	other, err := NewTOTPSecret()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(secret, other) {
		t.Error("two secrets are equal")
	}

	enc := EncodeSecret(secret)
	if strings.ContainsAny(enc, "= ") || enc != strings.ToUpper(enc) {
		t.Errorf("EncodeSecret = %q, want upper case without padding or spaces", enc)
	}

	// A person's copy: lower case, in groups of four, with the padding a
	// 16-byte secret gets in base32.
	short := []byte("0123456789abcdef")
	typed := "gayt emzu gu3d oobz mfrg gzdf my======"
	variants := map[string][]byte{
		enc:                  secret,
		strings.ToLower(enc): secret,
		spaced(enc, 4):       secret,
		" " + enc + "\n":     secret,
		typed:                short,
		EncodeSecret(short):  short,
	}
	for in, want := range variants {
		got, err := DecodeSecret(in)
		if err != nil {
			t.Errorf("DecodeSecret(%q): %v", in, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("DecodeSecret(%q) = %x, want %x", in, got, want)
		}
	}

	for _, bad := range []string{"", "GEZDGNBV", "not base32 at all!", enc[:len(enc)-1] + "1"} {
		if got, err := DecodeSecret(bad); err == nil {
			t.Errorf("DecodeSecret(%q) = %x, nil; want an error", bad, got)
		}
	}
}

func spaced(s string, n int) string {
	var parts []string
	for len(s) > n {
		parts = append(parts, s[:n])
		s = s[n:]
	}
	return strings.Join(append(parts, s), " ")
}

func TestTOTPURI(t *testing.T) {
	secret := []byte("0123456789abcdefghij")
	issuer, account := "Visa Clock & Co", "jo doe:team@example.org"
	raw := TOTPURI(secret, issuer, account)
	if strings.ContainsAny(raw, " +") {
		t.Errorf("URI %q has a space or a '+' (the Key Uri Format wants %%20)", raw)
	}

	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := u.Scheme, "otpauth"; got != want {
		t.Errorf("scheme = %q, want %q", got, want)
	}
	if got, want := u.Host, "totp"; got != want {
		t.Errorf("host = %q, want %q", got, want)
	}

	// The label is ISSUER:ACCOUNT with a literal colon; any colon inside
	// either part must be escaped, or apps would split the label there.
	label := strings.TrimPrefix(u.EscapedPath(), "/")
	iss, acct, ok := strings.Cut(label, ":")
	if !ok {
		t.Fatalf("label %q has no literal colon", label)
	}
	if strings.Contains(acct, ":") {
		t.Errorf("account part %q has an unescaped colon", acct)
	}
	for _, c := range []struct{ escaped, want string }{{iss, issuer}, {acct, account}} {
		got, err := url.PathUnescape(c.escaped)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("label part %q unescapes to %q, want %q", c.escaped, got, c.want)
		}
	}

	q := u.Query()
	got, err := DecodeSecret(q.Get("secret"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, secret) {
		t.Errorf("secret decodes to %x, want %x", got, secret)
	}
	for key, want := range map[string]string{
		"issuer": issuer, "algorithm": "SHA1", "digits": "6", "period": "30",
	} {
		if got := q.Get(key); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	if got, want := len(q), 5; got != want {
		t.Errorf("query has %d parameters (%v), want %d", got, q, want)
	}
}

func TestTOTPURIWithoutIssuer(t *testing.T) {
	raw := TOTPURI([]byte("0123456789abcdefghij"), "", "jo@example.org")
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := u.Path, "/jo@example.org"; got != want {
		t.Errorf("path = %q, want %q", got, want)
	}
	if u.Query().Has("issuer") {
		t.Errorf("URI %q has an issuer parameter", raw)
	}
}

func FuzzCheckTOTP(f *testing.F) {
	now := time.Unix(1_700_000_015, 0)
	f.Add(TOTPCode(rfcSecret, now), now.Unix(), int64(0))
	f.Add(" 123456 ", now.Unix(), int64(0))
	f.Add("12345", int64(59), int64(-1))
	f.Add("1234567", int64(-1), int64(1<<62))
	f.Add("１２３４５６", int64(0), int64(0))
	f.Add("\xff\xfe12345", int64(1<<40), int64(-1<<63))
	f.Fuzz(func(t *testing.T, code string, unix, lastStep int64) {
		at := time.Unix(unix, 0)
		step, ok := CheckTOTP(rfcSecret, code, at, lastStep)
		if !ok {
			if step != lastStep {
				t.Fatalf("refusal returned step %d, want lastStep %d", step, lastStep)
			}
			return
		}
		if step <= lastStep {
			t.Fatalf("accepted step %d, not after lastStep %d", step, lastStep)
		}
		if d := step - totpStep(at); d < -1 || d > 1 {
			t.Fatalf("accepted step %d, %d steps from now", step, d)
		}
		if got, want := strings.TrimSpace(code), formatCode(hotp(rfcSecret, step)); got != want {
			t.Fatalf("accepted %q for step %d, whose code is %q", got, step, want)
		}
	})
}
