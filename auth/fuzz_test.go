package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// FuzzParseAuthorization: any header parses to a credential of a known
// scheme or fails with a typed error; Basic credentials round-trip.
func FuzzParseAuthorization(f *testing.F) {
	for _, seed := range []string{"", "Bearer abc", "basic " + base64.StdEncoding.EncodeToString([]byte("a:b")), "Basic ===", "Bearer a b", "Negotiate x", "Basic " + base64.StdEncoding.EncodeToString([]byte(":"))} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		c, err := ParseAuthorization(header)
		if err != nil {
			// Exactly a fixed sentinel: nothing of the header is echoed.
			if err != ErrNoCredentials && err != ErrMalformed && err != errControlChar {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		switch c.Scheme {
		case SchemeBearer:
			if c.Secret == "" || strings.ContainsAny(c.Secret, " \t") || hasControl(c.Secret) {
				t.Fatalf("bad bearer %+v", c)
			}
		case SchemeBasic:
			if hasControl(c.Login) || hasControl(c.Secret) {
				t.Fatalf("control character accepted: %+v", c)
			}
			again, err := ParseAuthorization("Basic " + base64.StdEncoding.EncodeToString([]byte(c.Login+":"+c.Secret)))
			if err != nil || again != c {
				t.Fatalf("basic round trip: %+v → %+v %v", c, again, err)
			}
		default:
			t.Fatalf("unknown scheme %+v", c)
		}
	})
}

// FuzzVerifyToken: arbitrary tokens never verify (only a token this server
// signed does), and never panic.
func FuzzVerifyToken(f *testing.F) {
	cur := &currentTokens{ids: map[string]string{}}
	tk, err := NewTokens(testSigningKey, "odoo", 0, cur)
	if err != nil {
		f.Fatal(err)
	}
	good, id, _ := tk.IssueThread(ThreadGrant{Identity: alice, Thread: "t", AgentID: "agent-1"})
	cur.set("agent-1", id)
	f.Add(good)
	f.Add(tk.ListingToken())
	f.Add("eyJhbGciOiJub25lIn0.eyJraW5kIjoidGhyZWFkIn0.")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, token string) {
		id, err := tk.Verify(context.Background(), token)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if token != good && token != tk.ListingToken() {
			// Re-encodings of the same signed bytes (base64 padding variants)
			// are the only other strings that may verify.
			if id.Thread == nil {
				t.Fatalf("forged token verified: %q", token)
			}
		}
	})
}
