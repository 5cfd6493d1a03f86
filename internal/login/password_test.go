package login

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

// testParams keep argon2 cheap; only TestHashPasswordDefaultParams pays
// for the real cost.
var testParams = Params{Memory: 64, Time: 1, Threads: 1}

func mustHash(t testing.TB, pw string, p Params) string {
	t.Helper()
	h, err := HashPassword(pw, p)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHashPasswordDefaultParams(t *testing.T) {
	pw := "correct horse battery staple"
	encoded := mustHash(t, pw, DefaultParams)

	if got, want := encoded, "$argon2id$v=19$m=19456,t=2,p=1$"; !strings.HasPrefix(got, want) {
		t.Fatalf("hash %q does not start with %q", got, want)
	}

	// Decode by hand rather than with parseHash, and derive with argon2
	// directly, so that a mistake in the encoding cannot hide behind the
	// same mistake in the decoding.
	parts := strings.Split(encoded, "$")
	if got, want := len(parts), 6; got != want {
		t.Fatalf("hash has %d $-separated parts, want %d", got, want)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		t.Fatal(err)
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(salt), 16; got != want {
		t.Errorf("salt is %d bytes, want %d", got, want)
	}
	if got, want := key, argon2.IDKey([]byte(pw), salt, 2, 19456, 1, 32); !bytes.Equal(got, want) {
		t.Errorf("key = %x, want argon2.IDKey = %x", got, want)
	}

	ok, err := CheckPassword(encoded, pw)
	if err != nil || !ok {
		t.Errorf("CheckPassword(right password) = %v, %v; want true, nil", ok, err)
	}
}

func TestCheckPassword(t *testing.T) {
	pw := "a long enough passphrase"
	encoded := mustHash(t, pw, testParams)

	if ok, err := CheckPassword(encoded, pw); err != nil || !ok {
		t.Errorf("right password: got %v, %v; want true, nil", ok, err)
	}
	for _, wrong := range []string{"", "a long enough passphrasE", "a long enough passphrase ", pw[:len(pw)-1]} {
		if ok, err := CheckPassword(encoded, wrong); err != nil || ok {
			t.Errorf("wrong password %q: got %v, %v; want false, nil", wrong, ok, err)
		}
	}
	if again := mustHash(t, pw, testParams); again == encoded {
		t.Errorf("two hashes of the same password are equal (%q): salt not random", again)
	}
}

func TestCheckPasswordMalformed(t *testing.T) {
	good := mustHash(t, "whatever it is, it is long", testParams)
	parts := strings.Split(good, "$") // "", argon2id, v=19, params, salt, key
	salt, key := parts[4], parts[5]
	with := func(params, salt, key string) string {
		return "$argon2id$v=19$" + params + "$" + salt + "$" + key
	}
	short := base64.RawStdEncoding.EncodeToString([]byte("1234567"))

	tests := []struct{ name, encoded string }{
		{"empty", ""},
		{"argon2i", strings.Replace(good, "argon2id", "argon2i", 1)},
		{"version 16", strings.Replace(good, "v=19", "v=16", 1)},
		{"no key", with("m=64,t=1,p=1", salt, "")},
		{"missing key", strings.TrimSuffix(good, "$"+key)},
		{"extra part", good + "$"},
		// Two characters, not one: a key cut by one may still decode,
		// to a shorter key that merely never matches.
		{"truncated key", good[:len(good)-2]},
		{"padded salt", with("m=64,t=1,p=1", salt+"==", key)},
		{"bad base64", with("m=64,t=1,p=1", "!!!!"+salt[4:], key)},
		{"short salt", with("m=64,t=1,p=1", short, key)},
		{"short key", with("m=64,t=1,p=1", salt, short)},
		{"params out of order", with("t=1,m=64,p=1", salt, key)},
		{"params missing", with("m=64,t=1", salt, key)},
		{"params extra", with("m=64,t=1,p=1,k=0", salt, key)},
		{"hex memory", with("m=0x40,t=1,p=1", salt, key)},
		{"signed memory", with("m=+64,t=1,p=1", salt, key)},
		{"negative time", with("m=64,t=-1,p=1", salt, key)},
		{"spaces", with("m=64, t=1, p=1", salt, key)},
		{"huge string", with("m=64,t=1,p=1", salt, key+strings.Repeat("A", 1000))},

		// Absurd parameters: a tampered row must not make the server
		// allocate or spin without bound.
		{"memory over 1 GiB", with("m=1048577,t=1,p=1", salt, key)},
		{"memory over uint32", with("m=4294967296,t=1,p=1", salt, key)},
		{"time 0", with("m=64,t=0,p=1", salt, key)},
		{"time over 20", with("m=64,t=21,p=1", salt, key)},
		{"threads 0", with("m=64,t=1,p=0", salt, key)},
		{"threads over uint8", with("m=64,t=1,p=256", salt, key)},
		{"memory under 8 KiB a thread", with("m=64,t=1,p=9", salt, key)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := CheckPassword(tt.encoded, "whatever it is, it is long")
			if err == nil {
				t.Errorf("CheckPassword(%q) = %v, nil; want an error", tt.encoded, ok)
			}
		})
	}
}

func TestHashPasswordRefusesAbsurdParams(t *testing.T) {
	for _, p := range []Params{
		{Memory: 64, Time: 1, Threads: 0},
		{Memory: 64, Time: 0, Threads: 1},
		{Memory: 64, Time: 21, Threads: 1},
		{Memory: 1<<20 + 1, Time: 1, Threads: 1},
	} {
		if h, err := HashPassword("twelve chars!", p); err == nil {
			t.Errorf("HashPassword with %+v = %q, nil; want an error", p, h)
		}
	}
}

func TestNeedsRehash(t *testing.T) {
	encoded := mustHash(t, "some passphrase here", testParams)
	tests := []struct {
		name    string
		encoded string
		p       Params
		want    bool
	}{
		{"same params", encoded, testParams, false},
		{"default is stronger", encoded, DefaultParams, true},
		{"more memory wanted", encoded, Params{Memory: 128, Time: 1, Threads: 1}, true},
		{"more time wanted", encoded, Params{Memory: 64, Time: 2, Threads: 1}, true},
		{"weaker wanted", encoded, Params{Memory: 32, Time: 1, Threads: 1}, false},
		{"more threads alone", encoded, Params{Memory: 64, Time: 1, Threads: 2}, false},
		{"malformed", "$argon2id$v=19$", testParams, true},
	}
	for _, tt := range tests {
		if got := NeedsRehash(tt.encoded, tt.p); got != tt.want {
			t.Errorf("%s: NeedsRehash = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestDummyCheck(t *testing.T) {
	// If the dummy hash failed to parse, DummyCheck would return at once
	// and the timing it exists to hide would show.
	dummy := encodeHash(DefaultParams, make([]byte, saltLen), make([]byte, keyLen))
	h, err := parseHash(dummy)
	if err != nil {
		t.Fatalf("dummy hash %q does not parse: %v", dummy, err)
	}
	if got, want := h.p, DefaultParams; got != want {
		t.Errorf("dummy params = %+v, want %+v", got, want)
	}
	DummyCheck("anything at all")
}

func TestValidatePassword(t *testing.T) {
	tests := []struct {
		name string
		pw   string
		ok   bool
	}{
		{"11 characters", "abcdefghij1", false},
		{"12 characters", "abcdefghij12", true},
		{"12 runes, more bytes", "ünïcödé pässw", true},
		{"11 runes, 22 bytes", "ääääääääääb", false},
		{"256 characters", strings.Repeat("ab", 128), true},
		{"257 characters", strings.Repeat("ab", 128) + "c", false},
		{"spaces allowed", "correct horse battery", true},
		{"common", "password1234", false},
		{"common, other case", "PassWord1234", false},
		{"common keyboard", "qwertyuiopas", false},
		{"common digits", "123456789012", false},
		{"one repeated character", "zzzzzzzzzzzzzzzz", false},
		{"twelve spaces", strings.Repeat(" ", 12), false},
		{"tab", "correct\thorse battery", false},
		{"newline", "correct horse battery\n", false},
		{"NUL", "correct horse\x00battery", false},
		{"DEL", "correct horse\x7fbattery", false},
		{"C1 control", "correct horse\u0085battery", false},
		{"invalid UTF-8", "correct horse \xff battery", false},
	}
	for _, tt := range tests {
		err := ValidatePassword(tt.pw)
		if got := err == nil; got != tt.ok {
			t.Errorf("%s: ValidatePassword(%q) = %v; want ok = %v", tt.name, tt.pw, err, tt.ok)
		}
	}
}

func TestValidatePasswordMessageSaysWhatIsAccepted(t *testing.T) {
	err := ValidatePassword("short")
	if err == nil {
		t.Fatal("short password accepted")
	}
	if got, want := err.Error(), "at least 12 characters"; !strings.Contains(got, want) {
		t.Errorf("error %q does not say %q", got, want)
	}
}

func FuzzCheckPassword(f *testing.F) {
	f.Add(mustHash(f, "a seed password", testParams), "a seed password")
	f.Add(mustHash(f, "another seed", Params{Memory: 16, Time: 1, Threads: 2}), "x")
	f.Add("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5aw", "")
	f.Add("$argon2id$v=19$m=64,t=1,p=1$$", "pw")
	f.Add("$argon2id$v=19$m=,t=,p=$c2FsdHNhbHQ$a2V5", "pw")
	f.Add("$argon2id$v=19$m=64,t=0,p=0$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5aw", "pw")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, encoded, pw string) {
		h, perr := parseHash(encoded)
		// Parameters that pass the bounds are still up to 1 GiB and 20
		// passes: fine for one login, too slow for a fuzzer. Their
		// parsing has been exercised already.
		if perr == nil && (h.p.Memory > 1024 || h.p.Time > 2) {
			t.Skip()
		}
		ok, err := CheckPassword(encoded, pw)
		if (err == nil) != (perr == nil) {
			t.Fatalf("CheckPassword error %v, parseHash error %v", err, perr)
		}
		if err != nil && ok {
			t.Fatalf("CheckPassword = true with error %v", err)
		}
		if err == nil && (h.p.Memory > maxMemory || h.p.Time > maxTime || h.p.Threads == 0) {
			t.Fatalf("accepted absurd params %+v", h.p)
		}
	})
}
