package oauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// Access tokens are JWTs (RFC 9068 shape, typ at+jwt) signed with a key
// derived from the signing key for this purpose alone: a thread token
// never verifies as one, nor the reverse. The audience is the grant's
// resource, <public URL>/mcp or <public URL>/api/v1, and each route takes
// its own only. The user's Odoo key is sealed inside, bound to the grant id, so any
// replica with the signing key serves the call without a lookup.

const accessTokenType = "at+jwt"

type accessClaims struct {
	jwt.RegisteredClaims
	ClientID string `json:"client_id"`
	Scope    string `json:"scope"`
	Grant    string `json:"gid"`
	DB       string `json:"db"`
	UID      int64  `json:"uid"`
	Login    string `json:"login,omitempty"`
	Name     string `json:"name,omitempty"`
	Lang     string `json:"lang,omitempty"`
	TZ       string `json:"tz,omitempty"`
	Cred     string `json:"cred"`
}

// IsAccessToken reports whether s has the shape of this server's access
// tokens (it is not verified): its first segment, the JWT header, tells
// one from a thread token or an API key.
func IsAccessToken(s string) bool { return auth.LooksLikeOAuthAccessToken(s) }

func (s *Server) issueAccess(g Grant, key string) (string, error) {
	sealed, err := s.atSeal.Seal(key, g.ID)
	if err != nil {
		return "", err
	}
	if g.Resource == "" {
		g.Resource = s.resource
	}
	now := s.now()
	c := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: s.issuer, Audience: jwt.ClaimStrings{g.Resource},
			Subject:  fmt.Sprintf("%s:%d", g.User.DB, g.User.UID),
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
			ExpiresAt: jwt.NewNumericDate(now.Add(s.cfg.AccessTTL)), ID: rand.Text(),
		},
		ClientID: g.ClientID, Scope: strings.Join(g.Scope, " "), Grant: g.ID,
		DB: g.User.DB, UID: g.User.UID, Login: g.User.Login, Name: g.User.Name, Lang: g.User.Lang, TZ: g.User.TZ,
		Cred: sealed,
	}
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	t.Header = map[string]any{"alg": "HS256", "typ": accessTokenType}
	return t.SignedString(s.atMAC)
}

// parseAccess checks signature, type, issuer, that the audience is one of
// the two resources, and (unless ignoreExpiry, for revocation) validity.
// Which resource is the caller's to check (verify).
func (s *Server) parseAccess(token string, ignoreExpiry bool) (*accessClaims, error) {
	if !IsAccessToken(token) {
		return nil, fmt.Errorf("%w: not an OAuth access token of this server", auth.ErrInvalid)
	}
	var c accessClaims
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(s.issuer),
		jwt.WithTimeFunc(s.now), jwt.WithLeeway(30 * time.Second), jwt.WithExpirationRequired(),
	}
	if ignoreExpiry {
		opts = append(opts, jwt.WithoutClaimsValidation())
	}
	_, err := jwt.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		if t.Header["typ"] != accessTokenType {
			return nil, errors.New("wrong type")
		}
		return s.atMAC, nil
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: OAuth access token: %s", auth.ErrInvalid, auth.TokenProblem(err))
	}
	if c.Grant == "" || c.UID == 0 || c.DB == "" || c.Cred == "" {
		return nil, fmt.Errorf("%w: OAuth access token lacks required claims", auth.ErrInvalid)
	}
	if len(c.Audience) != 1 || !s.knownResource(c.Audience[0]) {
		return nil, fmt.Errorf("%w: OAuth access token: its audience is not a resource of this server", auth.ErrInvalid)
	}
	return &c, nil
}

// ErrWrongResource is an access token presented to the resource it was
// not issued for: a /mcp token on the thread API or the reverse.
var ErrWrongResource = fmt.Errorf("%w: OAuth access token for another resource", auth.ErrInvalid)

// ErrRevoked is an access token whose grant was revoked.
var ErrRevoked = fmt.Errorf("%w: this OAuth access token was revoked", auth.ErrInvalid)

// Verify checks an access token for /mcp and returns the identity it
// stands for.
func (s *Server) Verify(ctx context.Context, token string) (*auth.Identity, error) {
	return s.verify(ctx, token, s.resource)
}

// VerifyAPI checks an access token for the thread API.
func (s *Server) VerifyAPI(ctx context.Context, token string) (*auth.Identity, error) {
	return s.verify(ctx, token, s.resourceAPI)
}

func (s *Server) verify(ctx context.Context, token, resource string) (*auth.Identity, error) {
	c, err := s.parseAccess(token, false)
	if err != nil {
		return nil, err
	}
	if aud := c.Audience[0]; aud != resource {
		// Least privilege: a token works for the one resource it was
		// asked for; the message names the resource to ask for instead.
		return nil, fmt.Errorf("%w: this token was issued for %s (resource %s); %s takes tokens issued for resource %s (ask for resource=%s)",
			ErrWrongResource, s.resourceName(aud), aud, s.resourceName(resource), resource, resource)
	}
	if c.DB != s.cfg.DB {
		return nil, fmt.Errorf("%w: OAuth access token issued for another database", auth.ErrInvalid)
	}
	if s.store.Revoked(ctx, c.Grant) {
		return nil, ErrRevoked
	}
	key, err := s.atSeal.Open(c.Cred, c.Grant)
	if err != nil {
		return nil, fmt.Errorf("%w: OAuth access token credential cannot be opened", auth.ErrInvalid)
	}
	scope := strings.Fields(c.Scope)
	id := &auth.Identity{
		DB: c.DB, UID: c.UID, Login: c.Login, Name: c.Name,
		Credentials: odoorpc.Credentials{UID: c.UID, Key: key},
		Context:     map[string]any{},
		Expires:     c.ExpiresAt.Time,
		ReadOnly:    !slices.Contains(scope, ScopeWrite),
		OAuthClient: c.ClientID,
	}
	if c.Lang != "" {
		id.Context["lang"] = c.Lang
	}
	if c.TZ != "" {
		id.Context["tz"] = c.TZ
	}
	return id, nil
}

// Authenticator is /mcp's credential check.
type Authenticator interface {
	Authenticate(ctx context.Context, header string) (*auth.Identity, error)
}

// Authenticator returns /mcp's credential check with OAuth access tokens
// added: a Bearer access token of this server for resource /mcp is
// verified here, anything else goes to next (API keys, thread tokens).
// Use it for /mcp only.
func (s *Server) Authenticator(next Authenticator) Authenticator {
	return withAccessTokens{s: s, next: next, resource: s.resource}
}

// APIAuthenticator is the thread API's credential check with OAuth access
// tokens for resource /api/v1 added (the chat page's); anything else goes
// to next (the user's Odoo credentials).
func (s *Server) APIAuthenticator(next Authenticator) Authenticator {
	return withAccessTokens{s: s, next: next, resource: s.resourceAPI}
}

type withAccessTokens struct {
	s        *Server
	next     Authenticator
	resource string
}

func (a withAccessTokens) Authenticate(ctx context.Context, header string) (*auth.Identity, error) {
	if scheme, tok, ok := strings.Cut(strings.TrimSpace(header), " "); ok && strings.EqualFold(scheme, "bearer") && IsAccessToken(strings.TrimSpace(tok)) {
		return a.s.verify(ctx, strings.TrimSpace(tok), a.resource)
	}
	return a.next.Authenticate(ctx, header)
}

// token is the token endpoint: authorization_code (with PKCE) and
// refresh_token grants, for public clients.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	f := r.PostForm
	for k, v := range f {
		if len(v) > 1 {
			oauthError(w, http.StatusBadRequest, "invalid_request", "parameter "+k+" is repeated")
			return
		}
	}
	if !s.clientAuthOK(w, r) {
		return
	}
	switch f.Get("grant_type") {
	case "authorization_code":
		s.exchangeCode(w, r)
	case "refresh_token":
		s.refresh(w, r)
	case "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "grant_type is missing")
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
	}
}

// clientAuthOK refuses any Authorization header but a public client's
// Basic client_id with an empty secret: API keys, thread tokens and
// access tokens are no client credentials here.
func (s *Server) clientAuthOK(w http.ResponseWriter, r *http.Request) bool {
	h := r.Header.Get("Authorization")
	if h == "" {
		return true
	}
	if user, pass, ok := r.BasicAuth(); ok && pass == "" && user != "" {
		if id, err := urlUnescape(user); err == nil && (r.PostForm.Get("client_id") == "" || r.PostForm.Get("client_id") == id) {
			r.PostForm.Set("client_id", id)
			return true
		}
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="odoo-mcp oauth"`)
	oauthError(w, http.StatusUnauthorized, "invalid_client", "clients of this server are public: send client_id in the body and no Authorization header (API keys and tokens are not accepted here)")
	return false
}

func (s *Server) exchangeCode(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	code, verifier := f.Get("code"), f.Get("code_verifier")
	if code == "" || f.Get("client_id") == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "code and client_id are required")
		return
	}
	if !validVerifier(verifier) {
		oauthError(w, http.StatusBadRequest, "invalid_request", "code_verifier is required: 43 to 128 characters of A-Z a-z 0-9 - . _ ~")
		return
	}
	now := s.now()
	hash := hashSecret(code)
	grantID := rand.Text()
	c, err := s.store.RedeemCode(r.Context(), hash, grantID, now)
	switch {
	case errors.Is(err, ErrReused):
		s.log.WarnContext(r.Context(), "oauth: an authorization code was used twice; its grant is revoked", "client_id", logClient(f.Get("client_id")))
		oauthError(w, http.StatusBadRequest, "invalid_grant", "this authorization code was already used; the tokens issued for it are revoked")
		return
	case err != nil:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown or expired authorization code")
		return
	}
	// The code is spent whatever follows: a wrong verifier or redirect
	// cannot be retried with the same code.
	bad := func(desc string) {
		s.store.Revoke(r.Context(), grantID, now)
		oauthError(w, http.StatusBadRequest, "invalid_grant", desc)
	}
	switch {
	case c.ClientID != f.Get("client_id"):
		bad("the code was issued to another client")
		return
	case c.RedirectURI != f.Get("redirect_uri"):
		bad("redirect_uri differs from the authorization request's")
		return
	case !pkceOK(verifier, c.Challenge):
		bad("code_verifier does not match the code_challenge")
		return
	case f.Get("resource") != "" && f.Get("resource") != c.Resource:
		s.store.Revoke(r.Context(), grantID, now)
		oauthError(w, http.StatusBadRequest, "invalid_target", "resource must be "+c.Resource+", the one the authorization request asked for")
		return
	}
	key, err := s.grantSeal.Open(c.SealedKey, "code:"+hash)
	if err != nil {
		bad("the code cannot be used")
		return
	}
	g := Grant{ID: grantID, ClientID: c.ClientID, Resource: c.Resource, Scope: c.Scope, User: c.User}
	s.issueTokens(w, r, g, key, "")
}

// issueTokens saves (or rotates) the grant with a new refresh token and
// answers with it and a new access token.
func (s *Server) issueTokens(w http.ResponseWriter, r *http.Request, g Grant, key, oldRefresh string) {
	ctx, now := r.Context(), s.now()
	refresh := rand.Text() + rand.Text()
	newHash := hashSecret(refresh)
	expires := now.Add(s.cfg.RefreshTTL)
	var err error
	g.RefreshHash, g.RefreshExpires = newHash, expires
	if oldRefresh == "" {
		g.SealedKey, err = s.grantSeal.Seal(key, "grant:"+g.ID)
		if err == nil {
			err = s.store.SaveGrant(ctx, g)
		}
	} else {
		_, err = s.store.Rotate(ctx, hashSecret(oldRefresh), g, now)
	}
	if err != nil {
		if errors.Is(err, ErrReused) || errors.Is(err, ErrNotFound) {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "this grant was revoked")
			return
		}
		s.log.ErrorContext(ctx, "oauth: saving a grant failed", "error", err.Error())
		oauthError(w, http.StatusInternalServerError, "server_error", "the grant could not be recorded")
		return
	}
	access, err := s.issueAccess(g, key)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", "the access token could not be signed")
		return
	}
	s.log.InfoContext(ctx, "oauth tokens issued", "client_id", logClient(g.ClientID), "db", g.User.DB, "uid", g.User.UID,
		"scope", strings.Join(g.Scope, " "), "refresh", oldRefresh != "")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":  access,
		"token_type":    "Bearer",
		"expires_in":    int(s.cfg.AccessTTL.Seconds()),
		"refresh_token": refresh,
		"scope":         strings.Join(g.Scope, " "),
	})
}

// refresh rotates a refresh token, after checking the Odoo key against
// Odoo afresh (no cache): a key revoked in Odoo ends the grant here.
func (s *Server) refresh(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	old := f.Get("refresh_token")
	if old == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "refresh_token is required")
		return
	}
	ctx, now := r.Context(), s.now()
	g, err := s.store.Lookup(ctx, hashSecret(old), now)
	switch {
	case errors.Is(err, ErrReused):
		s.log.WarnContext(ctx, "oauth: a rotated refresh token was used again; its grant is revoked", "client_id", logClient(f.Get("client_id")))
		oauthError(w, http.StatusBadRequest, "invalid_grant", "this refresh token was already used; the grant is revoked")
		return
	case err != nil:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown, expired or revoked refresh token")
		return
	}
	if cid := f.Get("client_id"); cid != "" && cid != g.ClientID {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the refresh token was issued to another client")
		return
	}
	if res := f.Get("resource"); res != "" && res != g.Resource {
		oauthError(w, http.StatusBadRequest, "invalid_target", "resource must be "+g.Resource+", the one this grant is for")
		return
	}
	if sc := f.Get("scope"); sc != "" {
		narrowed := []string{}
		for _, x := range strings.Fields(sc) {
			if !slices.Contains(g.Scope, x) {
				oauthError(w, http.StatusBadRequest, "invalid_scope", "a refresh cannot add scope "+x)
				return
			}
			if !slices.Contains(narrowed, x) {
				narrowed = append(narrowed, x)
			}
		}
		if !slices.Contains(narrowed, ScopeRead) {
			narrowed = append([]string{ScopeRead}, narrowed...)
		}
		g.Scope = narrowed
	}
	key, err := s.grantSeal.Open(g.SealedKey, "grant:"+g.ID)
	if err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the grant cannot be used")
		return
	}
	id, err := s.cfg.Odoo.CheckFresh(ctx, g.User.Login, key)
	if err == nil && (id.UID != g.User.UID || id.DB != g.User.DB) {
		err = fmt.Errorf("%w: the key now belongs to another user", auth.ErrInvalid)
	}
	switch {
	case errors.Is(err, auth.ErrInvalid), errors.Is(err, auth.ErrMalformed), errors.Is(err, auth.ErrBearerNeedsLogin):
		s.store.Revoke(ctx, g.ID, now)
		s.log.InfoContext(ctx, "oauth: Odoo refused the grant's key at refresh; grant revoked", "client_id", logClient(g.ClientID), "db", g.User.DB, "uid", g.User.UID)
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Odoo no longer accepts the API key of this grant: sign in again")
		return
	case err != nil:
		w.Header().Set("Retry-After", "5")
		oauthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "Odoo is not reachable, the grant could not be checked; try again later")
		return
	}
	g.User = *userOf(id)
	s.issueTokens(w, r, g, key, old)
}

// revoke is RFC 7009: a refresh token or an access token ends its whole
// grant. Unknown tokens get 200 too, as the RFC asks.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	if !s.clientAuthOK(w, r) {
		return
	}
	tok := r.PostForm.Get("token")
	if tok == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "token is required")
		return
	}
	ctx, now := r.Context(), s.now()
	cid := r.PostForm.Get("client_id")
	if IsAccessToken(tok) {
		if c, err := s.parseAccess(tok, true); err == nil && (cid == "" || cid == c.ClientID) {
			s.store.Revoke(ctx, c.Grant, now)
			s.log.InfoContext(ctx, "oauth grant revoked", "client_id", logClient(c.ClientID), "by", "access_token")
		}
	} else if g, err := s.store.Lookup(ctx, hashSecret(tok), now); err == nil && (cid == "" || cid == g.ClientID) {
		s.store.Revoke(ctx, g.ID, now)
		s.log.InfoContext(ctx, "oauth grant revoked", "client_id", logClient(g.ClientID), "by", "refresh_token")
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

func validVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

func pkceOK(verifier, challenge string) bool {
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}
