// Package vault encrypts identity fields at rest: envelope encryption with
// AES-256-GCM, a data key per organisation, and master keys held outside
// the database that wrap the data keys.
//
// A stolen database holds only ciphertext and wrapped keys; without a
// master key it reveals no name or passport number. Exact-match lookups
// (a passport number) go through a keyed blind index, so that there is no
// plain index either. Rotating the master key re-wraps the data keys and
// leaves the data as it is.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// KeySize is the size of every key, in bytes (AES-256).
const KeySize = 32

// MasterKey wraps data keys. It lives outside the database: in a file or
// an environment variable.
type MasterKey struct {
	ID  byte // which master key wrapped a data key; 1–255
	key []byte
}

// ParseMasterKey reads "ID:BASE64" (a key id from 1 to 255, a colon, and
// 32 random bytes in standard base64), the form MasterKey.String writes.
func ParseMasterKey(s string) (MasterKey, error) {
	idText, b64, ok := strings.Cut(strings.TrimSpace(s), ":")
	var id int
	if _, err := fmt.Sscanf(idText, "%d", &id); !ok || err != nil || id < 1 || id > 255 {
		return MasterKey{}, errors.New("vault: a master key is written ID:BASE64, with an id from 1 to 255")
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(key) != KeySize {
		return MasterKey{}, fmt.Errorf("vault: master key %d: want %d bytes of standard base64", id, KeySize)
	}
	return MasterKey{ID: byte(id), key: key}, nil
}

// NewMasterKey makes a random master key with the given id.
func NewMasterKey(id byte) (MasterKey, error) {
	if id == 0 {
		return MasterKey{}, errors.New("vault: master key ids start at 1")
	}
	k := MasterKey{ID: id, key: make([]byte, KeySize)}
	_, err := rand.Read(k.key)
	return k, err
}

// String writes the key in the form ParseMasterKey reads. Keep it secret.
func (k MasterKey) String() string {
	return fmt.Sprintf("%d:%s", k.ID, base64.StdEncoding.EncodeToString(k.key))
}

// Keyring holds the current master key and the earlier ones still needed
// to unwrap data keys not yet rotated.
type Keyring struct {
	current MasterKey
	byID    map[byte]MasterKey
}

// NewKeyring makes a keyring whose current key is the first.
func NewKeyring(current MasterKey, older ...MasterKey) (*Keyring, error) {
	kr := &Keyring{current: current, byID: map[byte]MasterKey{}}
	for _, k := range append([]MasterKey{current}, older...) {
		if len(k.key) != KeySize || k.ID == 0 {
			return nil, errors.New("vault: a master key must have an id and 32 bytes")
		}
		if _, dup := kr.byID[k.ID]; dup {
			return nil, fmt.Errorf("vault: master key id %d given twice", k.ID)
		}
		kr.byID[k.ID] = k
	}
	return kr, nil
}

// Current returns the id of the current master key.
func (kr *Keyring) Current() byte { return kr.current.ID }

func gcm(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	// A fresh random 96-bit nonce each time, put before the ciphertext; at
	// most 2^32 messages per key, far beyond one organisation's fields.
	return cipher.NewGCMWithRandomNonce(b)
}

// WrappedKey is a data key encrypted under a master key: the master key's
// id, then the AES-GCM output. It is what the database keeps.
type WrappedKey []byte

// NewDataKey makes a data key for org and returns it wrapped under the
// current master key.
func (kr *Keyring) NewDataKey(org string) (WrappedKey, error) {
	dk := make([]byte, KeySize)
	if _, err := rand.Read(dk); err != nil {
		return nil, err
	}
	return kr.wrap(org, dk)
}

func wrapAAD(org string) []byte { return []byte("visaclock/data-key/" + org) }

func (kr *Keyring) wrap(org string, dk []byte) (WrappedKey, error) {
	a, err := gcm(kr.current.key)
	if err != nil {
		return nil, err
	}
	return append([]byte{kr.current.ID}, a.Seal(nil, nil, dk, wrapAAD(org))...), nil
}

// ErrNoKey means a wrapped key names a master key the keyring lacks.
var ErrNoKey = errors.New("vault: the master key that wrapped this data key is not in the keyring")

// ErrDecrypt means ciphertext failed authentication: the wrong key, the
// wrong field, or tampering.
var ErrDecrypt = errors.New("vault: ciphertext does not authenticate")

func (kr *Keyring) unwrap(org string, w WrappedKey) ([]byte, error) {
	if len(w) < 1 {
		return nil, ErrDecrypt
	}
	mk, ok := kr.byID[w[0]]
	if !ok {
		return nil, ErrNoKey
	}
	a, err := gcm(mk.key)
	if err != nil {
		return nil, err
	}
	dk, err := a.Open(nil, nil, w[1:], wrapAAD(org))
	if err != nil || len(dk) != KeySize {
		return nil, ErrDecrypt
	}
	return dk, nil
}

// Rewrap unwraps a data key with whichever master key wrapped it and wraps
// it again under the current one. The data it protects is untouched.
func (kr *Keyring) Rewrap(org string, w WrappedKey) (WrappedKey, error) {
	dk, err := kr.unwrap(org, w)
	if err != nil {
		return nil, err
	}
	return kr.wrap(org, dk)
}

// Box encrypts and decrypts one organisation's fields.
type Box struct {
	aead  cipher.AEAD
	index []byte
}

// Open unwraps org's data key into a Box.
func (kr *Keyring) Open(org string, w WrappedKey) (*Box, error) {
	dk, err := kr.unwrap(org, w)
	if err != nil {
		return nil, err
	}
	a, err := gcm(dk)
	if err != nil {
		return nil, err
	}
	// The blind index has a key of its own, derived from the data key, so
	// that an index value reveals nothing about the encryption key.
	ik, err := hkdf.Key(sha256.New, dk, nil, "visaclock/blind-index/v1", KeySize)
	if err != nil {
		return nil, err
	}
	return &Box{aead: a, index: ik}, nil
}

const sealVersion = 1

// Seal encrypts plaintext for the field named by aad (for example
// "case/c_123/identity"), so that a ciphertext cannot be moved to another
// case or field without failing to open.
func (b *Box) Seal(plaintext []byte, aad string) []byte {
	return b.aead.Seal([]byte{sealVersion}, nil, plaintext, []byte(aad))
}

// Open decrypts what Seal made for the same aad.
func (b *Box) Open(ciphertext []byte, aad string) ([]byte, error) {
	if len(ciphertext) < 1 || ciphertext[0] != sealVersion {
		return nil, ErrDecrypt
	}
	p, err := b.aead.Open(nil, nil, ciphertext[1:], []byte(aad))
	if err != nil {
		return nil, ErrDecrypt
	}
	return p, nil
}

// BlindIndex is a keyed hash of value for exact-match lookup, as of a
// passport number. Values are normalised first: case, spaces and dashes do
// not matter ("ab 12-34" finds "AB1234").
func (b *Box) BlindIndex(kind, value string) []byte {
	var n strings.Builder
	for _, r := range value {
		if unicode.IsSpace(r) || r == '-' {
			continue
		}
		n.WriteRune(unicode.ToUpper(r))
	}
	m := hmac.New(sha256.New, b.index)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(n.String()))
	return m.Sum(nil)
}

// Equal reports whether two blind index values match, in constant time.
func Equal(a, b []byte) bool { return hmac.Equal(a, b) }

// DeriveKey unwraps the key wrapped for name and derives from it a key for
// purpose, as the audit chain's HMAC key is derived from a stored key.
func (kr *Keyring) DeriveKey(name string, w WrappedKey, purpose string) ([]byte, error) {
	k, err := kr.unwrap(name, w)
	if err != nil {
		return nil, err
	}
	return hkdf.Key(sha256.New, k, nil, purpose, KeySize)
}
