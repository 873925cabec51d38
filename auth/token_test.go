package auth

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

const testSigningKey = "0123456789abcdef0123456789abcdef-test-key"

// currentTokens is an in-memory Revocations: agent id → current token id.
type currentTokens struct {
	mu  sync.Mutex
	ids map[string]string
	err error
}

func (c *currentTokens) CurrentTokenID(_ context.Context, agent string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return "", c.err
	}
	id, ok := c.ids[agent]
	if !ok {
		return "", ErrRevoked
	}
	return id, nil
}

func (c *currentTokens) set(agent, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ids[agent] = id
}

var alice = &Identity{DB: "odoo", UID: 7, Login: "alice", Name: "Alice", Credentials: odoorpc.Credentials{UID: 7, Key: "alice-odoo-key-40-hex-chars-000000000000"},
	Context: map[string]any{"lang": "fr_FR", "tz": "Europe/Brussels"}}

func newTokens(t *testing.T) (*Tokens, *currentTokens) {
	t.Helper()
	cur := &currentTokens{ids: map[string]string{}}
	tk, err := NewTokens(testSigningKey, "odoo", time.Hour, cur)
	if err != nil {
		t.Fatal(err)
	}
	return tk, cur
}

func issue(t *testing.T, tk *Tokens, cur *currentTokens, agent string, tools ...string) string {
	t.Helper()
	tok, id, err := tk.IssueThread(ThreadGrant{Identity: alice, Thread: "t-1", AgentID: agent, Tools: tools})
	if err != nil {
		t.Fatal(err)
	}
	cur.set(agent, id)
	return tok
}

func TestThreadTokenRoundTrip(t *testing.T) {
	tk, cur := newTokens(t)
	tok := issue(t, tk, cur, "agent-1", "odoo_record_retriever")
	if !LooksLikeToken(tok) || strings.Contains(tok, alice.Credentials.Key) {
		t.Fatalf("token %q", tok)
	}
	id, err := tk.Verify(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if id.UID != 7 || id.DB != "odoo" || id.Credentials.Key != alice.Credentials.Key || id.Thread.AgentID != "agent-1" ||
		id.Thread.Thread != "t-1" || len(id.Thread.Tools) != 1 || id.Context["lang"] != "fr_FR" || id.Thread.Listing {
		t.Fatalf("identity %+v %+v", id, id.Thread)
	}
}

func TestThreadTokenAttacksAreRefused(t *testing.T) {
	tk, cur := newTokens(t)
	good := issue(t, tk, cur, "agent-1", "odoo_record_retriever")
	sign := func(method jwt.SigningMethod, key any, mutate func(*tokenClaims)) string {
		var c tokenClaims
		jwt.ParseWithClaims(good, &c, func(*jwt.Token) (any, error) { return tk.signKey, nil })
		mutate(&c)
		s, err := jwt.NewWithClaims(method, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	noop := func(*tokenClaims) {}
	other, _ := NewTokens("another-signing-key-of-32-chars-or-more!", "odoo", time.Hour, cur)
	otherDB, _ := NewTokens(testSigningKey, "other_db", time.Hour, cur)
	cases := map[string]string{
		"alg none":        sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, noop),
		"alg HS512":       sign(jwt.SigningMethodHS512, tk.signKey, noop),
		"raw signing key": sign(jwt.SigningMethodHS256, []byte(testSigningKey), noop),
		"wrong key":       issueWith(t, other, cur),
		"expired":         sign(jwt.SigningMethodHS256, tk.signKey, func(c *tokenClaims) { c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour)) }),
		"not yet valid":   sign(jwt.SigningMethodHS256, tk.signKey, func(c *tokenClaims) { c.NotBefore = jwt.NewNumericDate(time.Now().Add(time.Hour)) }),
		"no expiry":       sign(jwt.SigningMethodHS256, tk.signKey, func(c *tokenClaims) { c.ExpiresAt = nil }),
		"wrong audience":  sign(jwt.SigningMethodHS256, tk.signKey, func(c *tokenClaims) { c.Audience = jwt.ClaimStrings{"letta"} }),
		"wrong issuer":    sign(jwt.SigningMethodHS256, tk.signKey, func(c *tokenClaims) { c.Issuer = "someone" }),
		"other database":  sign(jwt.SigningMethodHS256, tk.signKey, func(c *tokenClaims) { c.DB = "other_db" }),
		"moved credential": sign(jwt.SigningMethodHS256, tk.signKey, func(c *tokenClaims) {
			c.Agent = "agent-2"
			cur.set("agent-2", c.ID)
		}),
		"tampered payload": good[:strings.LastIndex(good, ".")-2] + "xx" + good[strings.LastIndex(good, "."):],
		"unknown kind":     sign(jwt.SigningMethodHS256, tk.signKey, func(c *tokenClaims) { c.Kind = "admin" }),
	}
	for name, tok := range cases {
		if _, err := tk.Verify(context.Background(), tok); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: accepted or wrong error: %v", name, err)
		}
	}
	// A token from this database is refused by a server of another one.
	if _, err := otherDB.Verify(context.Background(), good); !errors.Is(err, ErrInvalid) {
		t.Errorf("token of db odoo accepted on other_db: %v", err)
	}
}

func issueWith(t *testing.T, tk *Tokens, cur *currentTokens) string {
	tok, id, err := tk.IssueThread(ThreadGrant{Identity: alice, Thread: "t-1", AgentID: "agent-x"})
	if err != nil {
		t.Fatal(err)
	}
	cur.set("agent-x", id)
	return tok
}

func TestRevokedAndReissuedTokens(t *testing.T) {
	tk, cur := newTokens(t)
	old := issue(t, tk, cur, "agent-1", "odoo_record_retriever")
	fresh := issue(t, tk, cur, "agent-1", "odoo_record_retriever", "odoo_record_creator") // tools changed: reissued
	if _, err := tk.Verify(context.Background(), old); !errors.Is(err, ErrRevoked) {
		t.Errorf("superseded token: %v", err)
	}
	if _, err := tk.Verify(context.Background(), fresh); err != nil {
		t.Errorf("current token: %v", err)
	}
	cur.mu.Lock()
	delete(cur.ids, "agent-1") // thread deleted
	cur.mu.Unlock()
	if _, err := tk.Verify(context.Background(), fresh); !errors.Is(err, ErrRevoked) {
		t.Errorf("token of a deleted thread: %v", err)
	}
	// Letta unreachable: not a 401, the caller must retry.
	cur.err = odoorpc.ErrUnavailable
	if _, err := tk.Verify(context.Background(), fresh); errors.Is(err, ErrInvalid) {
		t.Errorf("revocation source down reported as invalid: %v", err)
	}
}

func TestListingToken(t *testing.T) {
	tk, _ := newTokens(t)
	a, b := tk.ListingToken(), tk.ListingToken()
	if a != b {
		t.Fatal("listing token is not deterministic: replicas would fight over Letta's header")
	}
	id, err := tk.Verify(context.Background(), a)
	if err != nil || id.Thread == nil || !id.Thread.Listing || id.UID != 0 || id.Credentials.Key != "" {
		t.Fatalf("listing identity %+v %v", id, err)
	}
}

func TestSigningKeyLength(t *testing.T) {
	if _, err := NewTokens("short", "odoo", 0, nil); err == nil {
		t.Fatal("short signing key accepted")
	}
}
