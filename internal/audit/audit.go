// Package audit is an append-only log of who did what to which case, in
// which each entry is chained to the one before by a keyed hash.
//
// Anyone who can write to the database can rewrite rows, but without the
// chain key (held outside the database, like the master keys of package
// vault) they cannot recompute the chain: Verify then names the first entry
// that was changed, removed or inserted. Entries hold ids and actions, never
// case content.
package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Entry is one audited action.
type Entry struct {
	Seq    int64 // 1 for the first entry of a chain, then one more each time
	At     time.Time
	Org    string
	Actor  string // an account id, never a name
	Action string // such as "identity.reveal", "login.failed", "case.export"
	Case   string // the case id, or ""
	Detail string // a short code, never case content
	Prev   []byte // Hash of the entry before; empty for the first
	Hash   []byte
}

// Chain appends and verifies entries under one key.
type Chain struct{ key []byte }

// New returns a chain keyed by key (at least 32 bytes).
func New(key []byte) (*Chain, error) {
	if len(key) < 32 {
		return nil, errors.New("audit: the chain key must have at least 32 bytes")
	}
	return &Chain{key: append([]byte(nil), key...)}, nil
}

// sum is the keyed hash of e's fields and its link to the entry before.
// Every field is length-prefixed, so that no two entries encode alike.
func (c *Chain) sum(e *Entry) []byte {
	m := hmac.New(sha256.New, c.key)
	var n [8]byte
	put := func(b []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		m.Write(n[:])
		m.Write(b)
	}
	binary.BigEndian.PutUint64(n[:], uint64(e.Seq))
	m.Write(n[:])
	binary.BigEndian.PutUint64(n[:], uint64(e.At.UTC().UnixNano()))
	m.Write(n[:])
	for _, s := range []string{e.Org, e.Actor, e.Action, e.Case, e.Detail} {
		put([]byte(s))
	}
	put(e.Prev)
	return m.Sum(nil)
}

// Next completes e as the entry after prev (nil for the first entry):
// its sequence number, its link and its hash.
func (c *Chain) Next(prev *Entry, e Entry) Entry {
	e.Seq, e.Prev = 1, nil
	if prev != nil {
		e.Seq, e.Prev = prev.Seq+1, append([]byte(nil), prev.Hash...)
	}
	e.Hash = c.sum(&e)
	return e
}

// Error says where a chain breaks.
type Error struct {
	Seq    int64 // the sequence number expected or found at the break
	Reason string
}

func (e *Error) Error() string {
	return fmt.Sprintf("audit: chain broken at entry %d: %s", e.Seq, e.Reason)
}

// Verify checks entries, given in order from the first of the chain (or
// from an entry whose hash is trusted, with from set to it), and returns
// an *Error at the first entry that was altered, removed or inserted.
func (c *Chain) Verify(from *Entry, entries []Entry) error {
	prev := from
	for i := range entries {
		e := &entries[i]
		want := int64(1)
		var link []byte
		if prev != nil {
			want, link = prev.Seq+1, prev.Hash
		}
		switch {
		case e.Seq != want:
			return &Error{Seq: want, Reason: fmt.Sprintf("found entry %d: an entry is missing or out of place", e.Seq)}
		case !hmac.Equal(e.Prev, link):
			return &Error{Seq: e.Seq, Reason: "its link does not match the entry before"}
		case !hmac.Equal(e.Hash, c.sum(e)):
			return &Error{Seq: e.Seq, Reason: "its content was changed"}
		}
		prev = e
	}
	return nil
}
