package audit

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func chain(t *testing.T, n int) (*Chain, []Entry) {
	t.Helper()
	c, err := New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	var es []Entry
	var prev *Entry
	for i := range n {
		e := c.Next(prev, Entry{At: time.Date(2026, 11, 26, 12, 0, i, 0, time.UTC), Org: "ngo-a", Actor: "u_1", Action: "case.read_identity", Case: "c_1"})
		es = append(es, e)
		prev = &es[len(es)-1]
	}
	return c, es
}

func TestVerify(t *testing.T) {
	c, es := chain(t, 5)
	if err := c.Verify(nil, es); err != nil {
		t.Fatalf("an intact chain: %v", err)
	}
	if err := c.Verify(&es[1], es[2:]); err != nil {
		t.Fatalf("verifying from a trusted entry: %v", err)
	}
	tamper := []struct {
		name   string
		change func([]Entry) []Entry
		seq    int64
	}{
		{"a changed action", func(es []Entry) []Entry { es[2].Action = "login"; return es }, 3},
		{"a changed time", func(es []Entry) []Entry { es[1].At = es[1].At.Add(time.Second); return es }, 2},
		{"a changed actor, with a recomputed plain hash", func(es []Entry) []Entry {
			es[3].Actor = "u_2"
			es[3].Hash = bytes.Repeat([]byte{1}, 32) // no key, no valid hash
			return es
		}, 4},
		{"a removed entry", func(es []Entry) []Entry { return append(es[:2], es[3:]...) }, 3},
		{"swapped entries", func(es []Entry) []Entry { es[1], es[2] = es[2], es[1]; return es }, 2},
	}
	for _, tt := range tamper {
		t.Run(tt.name, func(t *testing.T) {
			_, fresh := chain(t, 5)
			err := c.Verify(nil, tt.change(fresh))
			var ae *Error
			if !errors.As(err, &ae) || ae.Seq != tt.seq {
				t.Fatalf("Verify = %v, want a break at entry %d", err, tt.seq)
			}
		})
	}
	other, _ := New(bytes.Repeat([]byte{8}, 32))
	if err := other.Verify(nil, es); err == nil {
		t.Error("a chain verified under another key")
	}
	// An attacker who rewrites an entry and recomputes the chain without
	// the key cannot make it verify.
	forged := append([]Entry(nil), es...)
	forger, _ := New(bytes.Repeat([]byte{9}, 32))
	forged[0] = forger.Next(nil, Entry{At: es[0].At, Org: "ngo-a", Actor: "u_x", Action: "export"})
	for i := 1; i < len(forged); i++ {
		forged[i] = forger.Next(&forged[i-1], forged[i])
	}
	if err := c.Verify(nil, forged); err == nil {
		t.Error("a chain recomputed without the key verified")
	}
	if _, err := New([]byte("short")); err == nil {
		t.Error("New took a short key")
	}
}
