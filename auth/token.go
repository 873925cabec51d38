package auth

import (
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// Thread tokens are JWTs that odoo-mcp signs for the Letta agent of one chat
// thread. Letta stores them as the agent's ODOO_MCP_TOKEN and sends them
// back on every tool call. They are bound to one Odoo user and database,
// one thread, one agent and the thread's tools, and expire.
//
// The user's Odoo key, which the tool calls need, travels inside the token
// encrypted (AES-256-GCM, key derived from the signing key with HKDF), so
// Letta never holds it in a usable form and any replica that has the signing
// key can serve the agent: odoo-mcp stays stateless.

const (
	tokenIssuer   = "odoo-mcp"
	tokenAudience = "odoo-mcp"
	kindThread    = "thread"
	kindListing   = "listing"
	// MinSigningKeyLen is the shortest accepted ODOO_MCP_SIGNING_KEY.
	MinSigningKeyLen = 32
	// DefaultTokenTTL is odoo-llm's 90 days.
	DefaultTokenTTL = 90 * 24 * time.Hour
)

// ThreadClaims are what a thread token grants: one Odoo user in one
// database, one thread and its agent, and the thread's tools.
type ThreadClaims struct {
	TokenID string
	Thread  string
	AgentID string
	Tools   []string
	Listing bool // a listing token may list tools and nothing else
}

// tokenClaims is the JWT body.
type tokenClaims struct {
	jwt.RegisteredClaims
	Kind   string   `json:"kind"`
	DB     string   `json:"db,omitempty"`
	UID    int64    `json:"uid,omitempty"`
	Login  string   `json:"login,omitempty"`
	Name   string   `json:"name,omitempty"`
	Thread string   `json:"thread,omitempty"`
	Agent  string   `json:"agent,omitempty"`
	Tools  []string `json:"tools,omitempty"`
	Lang   string   `json:"lang,omitempty"`
	TZ     string   `json:"tz,omitempty"`
	// Cred is the user's Odoo key, sealed; see the package comment.
	Cred string `json:"cred,omitempty"`
}

// Revocations tells whether a thread token is still the current one of its
// agent. The orchestrator answers from Letta (cached briefly), so a deleted
// thread or a reissued token stops working on every replica.
type Revocations interface {
	CurrentTokenID(ctx context.Context, agentID string) (string, error)
}

// ErrRevocationUnknown wraps a Revocations failure to answer (its source,
// Letta, unreachable): the token may be good, so callers answer 503, not 401.
var ErrRevocationUnknown = errors.New("the thread token could not be checked")

// ErrRevoked is a token whose agent is gone or that has been reissued.
var ErrRevoked = fmt.Errorf("%w: this thread token was revoked", ErrInvalid)

// Tokens signs and verifies thread tokens.
type Tokens struct {
	signKey []byte
	fpKey   []byte
	sealer  *Sealer
	db      string
	ttl     time.Duration
	revoked Revocations
	now     func() time.Time
}

// NewTokens builds the signer/verifier for one Odoo database. The signing
// key must be at least MinSigningKeyLen bytes.
func NewTokens(signingKey, db string, ttl time.Duration, revoked Revocations) (*Tokens, error) {
	if len(signingKey) < MinSigningKeyLen {
		return nil, fmt.Errorf("the signing key must be at least %d characters (generate one with: openssl rand -hex 32)", MinSigningKeyLen)
	}
	if ttl <= 0 {
		ttl = DefaultTokenTTL
	}
	sealer, err := NewSealer(signingKey, "odoo-mcp thread token credential")
	if err != nil {
		return nil, err
	}
	macKey, err := hkdf.Key(sha256.New, []byte(signingKey), nil, "odoo-mcp thread token signature", 32)
	if err != nil {
		return nil, err
	}
	fpKey, err := hkdf.Key(sha256.New, []byte(signingKey), nil, "odoo-mcp credential fingerprint", 32)
	if err != nil {
		return nil, err
	}
	return &Tokens{signKey: macKey, fpKey: fpKey, sealer: sealer, db: db, ttl: ttl, revoked: revoked, now: time.Now}, nil
}

// TTL is how long the thread tokens this signer issues are valid.
func (t *Tokens) TTL() time.Duration { return t.ttl }

// CredentialFingerprint is a keyed hash (HMAC-SHA256, key derived from the
// signing key) of an identity's database, uid and Odoo key. The orchestrator
// keeps it beside a thread's token to tell when the user's key changed and
// the token, which carries the key sealed, must be reissued. Without the
// signing key it reveals nothing about the Odoo key.
func (t *Tokens) CredentialFingerprint(id *Identity) string {
	if id == nil {
		return ""
	}
	m := hmac.New(sha256.New, t.fpKey)
	fmt.Fprintf(m, "%s\x00%d\x00%s", id.DB, id.UID, id.Credentials.Key)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// SetRevocations sets the revocation source (the orchestrator, built after
// the tokens).
func (t *Tokens) SetRevocations(r Revocations) { t.revoked = r }

// ThreadGrant is what a new thread token is issued for.
type ThreadGrant struct {
	Identity *Identity
	Thread   string
	AgentID  string
	Tools    []string
}

// IssueThread signs a token for a thread's agent; it returns the token and
// its id (to be recorded as the agent's current token).
func (t *Tokens) IssueThread(g ThreadGrant) (token, id string, err error) {
	if g.Identity == nil || g.Identity.UID == 0 || g.Thread == "" || g.AgentID == "" {
		return "", "", errors.New("a thread token needs a user, a thread and an agent")
	}
	sealed, err := t.seal(g.Identity.Credentials.Key, g.AgentID)
	if err != nil {
		return "", "", err
	}
	id = rand.Text()
	now := t.now()
	c := tokenClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: tokenIssuer, Audience: jwt.ClaimStrings{tokenAudience},
			Subject:  fmt.Sprintf("%s:%d", g.Identity.DB, g.Identity.UID),
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
			ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)), ID: id,
		},
		Kind: kindThread, DB: g.Identity.DB, UID: g.Identity.UID, Login: g.Identity.Login, Name: g.Identity.Name,
		Thread: g.Thread, Agent: g.AgentID, Tools: slices.Clone(g.Tools), Cred: sealed,
	}
	c.Lang, _ = g.Identity.Context["lang"].(string)
	c.TZ, _ = g.Identity.Context["tz"].(string)
	token, err = jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.signKey)
	return token, id, err
}

// ListingToken is the token Letta sends when it lists tools without an
// agent (the default of the header template). It is deterministic, so
// every replica registers the same header, and grants listing only.
func (t *Tokens) ListingToken() string {
	c := tokenClaims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: tokenIssuer, Audience: jwt.ClaimStrings{tokenAudience}, Subject: "listing:" + t.db},
		Kind:             kindListing, DB: t.db,
	}
	s, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.signKey)
	return s
}

// Verify checks a token and returns the identity it stands for. Only
// HS256 is accepted (no "none", no key confusion), for this audience and
// database, within its validity, and, for thread tokens, still current.
func (t *Tokens) Verify(ctx context.Context, token string) (*Identity, error) {
	var c tokenClaims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return t.signKey, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(tokenIssuer), jwt.WithAudience(tokenAudience),
		jwt.WithTimeFunc(t.now), jwt.WithLeeway(30*time.Second))
	if err != nil {
		return nil, fmt.Errorf("%w: thread token: %s", ErrInvalid, TokenProblem(err))
	}
	if c.DB != t.db {
		return nil, fmt.Errorf("%w: thread token issued for another database", ErrInvalid)
	}
	switch c.Kind {
	case kindListing:
		return &Identity{DB: c.DB, Thread: &ThreadClaims{Listing: true}}, nil
	case kindThread:
	default:
		return nil, fmt.Errorf("%w: unknown token kind", ErrInvalid)
	}
	if c.ExpiresAt == nil || c.UID == 0 || c.Agent == "" || c.Thread == "" || c.ID == "" {
		return nil, fmt.Errorf("%w: thread token lacks required claims", ErrInvalid)
	}
	key, err := t.open(c.Cred, c.Agent)
	if err != nil {
		return nil, fmt.Errorf("%w: thread token credential cannot be opened", ErrInvalid)
	}
	if t.revoked == nil {
		return nil, fmt.Errorf("%w: thread tokens cannot be checked on this server", ErrInvalid)
	}
	current, err := t.revoked.CurrentTokenID(ctx, c.Agent)
	if err != nil {
		return nil, err
	}
	if current != c.ID {
		return nil, ErrRevoked
	}
	id := &Identity{
		DB: c.DB, UID: c.UID, Login: c.Login, Name: c.Name,
		Credentials: odoorpc.Credentials{UID: c.UID, Key: key},
		Context:     map[string]any{},
		Thread:      &ThreadClaims{TokenID: c.ID, Thread: c.Thread, AgentID: c.Agent, Tools: c.Tools},
		Expires:     c.ExpiresAt.Time,
	}
	if c.Lang != "" {
		id.Context["lang"] = c.Lang
	}
	if c.TZ != "" {
		id.Context["tz"] = c.TZ
	}
	return id, nil
}

// TokenProblem names what is wrong with a JWT (thread, listing or OAuth
// access token) without echoing the token.
func TokenProblem(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "not valid yet"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return "bad signature, type or algorithm"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "issued for another audience"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "issued by another server"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "no expiry"
	}
	return "invalid"
}

// seal encrypts the Odoo key, bound to the agent id as additional data so
// a sealed key cannot be moved into another agent's token.
func (t *Tokens) seal(key, agentID string) (string, error) { return t.sealer.Seal(key, agentID) }

func (t *Tokens) open(sealed, agentID string) (string, error) { return t.sealer.Open(sealed, agentID) }

// LooksLikeToken tells a JWT (three base64url segments, JSON header) from
// an Odoo API key (40 hex characters) without verifying anything.
func LooksLikeToken(s string) bool {
	return strings.HasPrefix(s, "eyJ") && strings.Count(s, ".") == 2
}

// oauthAccessHeader is the first segment of every OAuth access token
// odoo-mcp issues (package oauth): its JWT header, typ at+jwt (RFC 9068).
var oauthAccessHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"at+jwt"}`)) + "."

// LooksLikeOAuthAccessToken tells an OAuth access token from a thread
// token (both are JWTs) without verifying anything: the thread API refuses
// thread tokens unchecked but verifies OAuth access tokens.
func LooksLikeOAuthAccessToken(s string) bool { return strings.HasPrefix(s, oauthAccessHeader) }
