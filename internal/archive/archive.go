// Package archive encrypts and decrypts export files with age
// (filippo.io/age, https://age-encryption.org/v1): to a passphrase, or to
// one or more age recipients (public keys), so that an export that leaves
// the server is as safe as the database it came from. The plaintext is the
// JSON of a caseload.Bundle.
package archive

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"
)

// MinPassphrase is the shortest passphrase accepted: an export holds
// names and passport numbers, and anyone with the file may try offline.
const MinPassphrase = 12

// Key says how a file is encrypted or decrypted: a passphrase, or age
// recipients (to encrypt) or identities (to decrypt), one per line, as the
// age tool writes them.
type Key struct {
	Passphrase string
	Recipients string // "age1…" lines
	Identities string // "AGE-SECRET-KEY-1…" lines
	// WorkFactor is scrypt's log2(N) for a passphrase; 0 means age's
	// default (18). Tests lower it.
	WorkFactor int
}

// Check reports whether k can encrypt: a long enough passphrase, or
// recipients that parse. Callers check before gathering what to encrypt.
func (k Key) Check() error {
	_, err := k.recipients()
	return err
}

func (k Key) recipients() ([]age.Recipient, error) {
	var rs []age.Recipient
	switch {
	case k.Passphrase != "" && k.Recipients != "":
		return nil, errors.New("archive: give a passphrase or recipients, not both")
	case k.Passphrase != "":
		if len([]rune(k.Passphrase)) < MinPassphrase {
			return nil, fmt.Errorf("archive: passphrase: at least %d characters", MinPassphrase)
		}
		r, err := age.NewScryptRecipient(k.Passphrase)
		if err != nil {
			return nil, fmt.Errorf("archive: passphrase: %w", err)
		}
		if k.WorkFactor > 0 {
			r.SetWorkFactor(min(k.WorkFactor, maxWorkFactor))
		}
		rs = []age.Recipient{r}
	case strings.TrimSpace(k.Recipients) != "":
		var err error
		if rs, err = age.ParseRecipients(strings.NewReader(k.Recipients)); err != nil {
			return nil, fmt.Errorf("archive: recipients: %w (accepted: age public keys, age1…, one per line)", err)
		}
	default:
		return nil, errors.New("archive: an export must be encrypted: give a passphrase or age recipients")
	}
	return rs, nil
}

// Encrypt writes plaintext to w, encrypted to k.
func Encrypt(w io.Writer, plaintext []byte, k Key) error {
	rs, err := k.recipients()
	if err != nil {
		return err
	}
	return encrypt(w, plaintext, rs)
}

func encrypt(w io.Writer, plaintext []byte, rs []age.Recipient) error {
	aw, err := age.Encrypt(w, rs...)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	if _, err := aw.Write(plaintext); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	if err := aw.Close(); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	return nil
}

// maxWorkFactor is age's default scrypt cost (2^18, 256 MiB), the one
// Encrypt uses.
const maxWorkFactor = 18

// MaxPlaintext bounds what Decrypt will read, so that a hostile file
// cannot fill memory.
const MaxPlaintext = 512 << 20

// Decrypt reads an encrypted file with k's passphrase or identities.
func Decrypt(r io.Reader, k Key) ([]byte, error) {
	var ids []age.Identity
	switch {
	case k.Passphrase != "":
		id, err := age.NewScryptIdentity(k.Passphrase)
		if err != nil {
			return nil, fmt.Errorf("archive: passphrase: %w", err)
		}
		// A file's header names its scrypt cost; capping it at the cost we
		// write keeps a hostile upload from taking gigabytes of memory.
		id.SetMaxWorkFactor(maxWorkFactor)
		ids = []age.Identity{id}
	case strings.TrimSpace(k.Identities) != "":
		var err error
		if ids, err = age.ParseIdentities(strings.NewReader(k.Identities)); err != nil {
			return nil, fmt.Errorf("archive: identities: %w (accepted: age secret keys, AGE-SECRET-KEY-1…, one per line)", err)
		}
	default:
		return nil, errors.New("archive: give the passphrase or the age identity the export was encrypted to")
	}
	pr, err := age.Decrypt(r, ids...)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, errors.New("archive: wrong passphrase or key for this export")
		}
		return nil, fmt.Errorf("archive: not a readable export: %w", err)
	}
	var b bytes.Buffer
	n, err := io.Copy(&b, io.LimitReader(pr, MaxPlaintext+1))
	if err != nil {
		return nil, fmt.Errorf("archive: the export is damaged: %w", err)
	}
	if n > MaxPlaintext {
		return nil, fmt.Errorf("archive: the export is larger than %d MiB", MaxPlaintext>>20)
	}
	return b.Bytes(), nil
}
