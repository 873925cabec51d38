// Package oauth makes odoo-mcp its own OAuth 2.1 authorization server for
// /mcp and the thread API (/api/v1), where signing in means proving an Odoo
// identity: the user gives their Odoo login and API key on a sign-in page,
// consents, and the client gets short-lived access tokens that carry that
// identity (the key sealed inside, as thread tokens do) and rotating
// refresh tokens.
//
// Each access token is for one resource (RFC 8707), its audience: a token
// for <public URL>/mcp works at /mcp only, one for <public URL>/api/v1 on
// the thread API only. The chat page at /chat is a built-in first-party
// client (ChatClientID) that gets thread API tokens.
//
// Its API is plain net/http: Server is an http.Handler for the discovery,
// registration, authorization, token and revocation endpoints (Paths lists
// them); Authenticator wraps /mcp's credential check and APIAuthenticator
// the thread API's so that each also accepts the access tokens of its
// audience. Nothing else accepts them.
package oauth

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/odoo-mcp/odoo-mcp/auth"
)

// Scopes.
const (
	ScopeRead  = "odoo.read"
	ScopeWrite = "odoo.write"
)

// ScopesSupported are both scopes, as metadata and challenges list them.
var ScopesSupported = []string{ScopeRead, ScopeWrite}

// Defaults.
const (
	DefaultAccessTTL  = 15 * time.Minute
	MaxAccessTTL      = time.Hour
	DefaultRefreshTTL = 30 * 24 * time.Hour
	codeTTL           = 5 * time.Minute
	pageTTL           = 15 * time.Minute // how long a sign-in or consent page stays usable
)

// Endpoint paths (relative to the public URL).
const (
	PathProtectedResource    = "/.well-known/oauth-protected-resource"
	PathProtectedResourceMCP = "/.well-known/oauth-protected-resource/mcp"
	PathProtectedResourceAPI = "/.well-known/oauth-protected-resource/api/v1"
	PathAuthServer           = "/.well-known/oauth-authorization-server"
	PathAuthorize            = "/oauth/authorize"
	PathToken                = "/oauth/token"
	PathRegister             = "/oauth/register"
	PathRevoke               = "/oauth/revoke"
)

// Paths are the routes the HTTP application must send to the Server.
func Paths() []string {
	return []string{PathProtectedResource, PathProtectedResourceMCP, PathProtectedResourceAPI, PathAuthServer, PathAuthorize, PathToken, PathRegister, PathRevoke}
}

// Checker checks Odoo credentials: Authenticate exactly as /mcp does (a
// Basic header), CheckFresh bypassing the cache (at refresh).
type Checker interface {
	Authenticate(ctx context.Context, header string) (*auth.Identity, error)
	CheckFresh(ctx context.Context, login, key string) (*auth.Identity, error)
}

// Config configures the authorization server.
type Config struct {
	// PublicURL is where clients reach odoo-mcp (https://, or http:// on a
	// loopback address); the issuer. PublicURL/mcp and PublicURL/api/v1
	// are the resources, and PublicURL/chat/ the chat page's redirect URI.
	PublicURL string
	// SigningKey (ODOO_MCP_SIGNING_KEY) derives every key used here.
	SigningKey string
	DB         string // the Odoo database
	Odoo       Checker
	AccessTTL  time.Duration
	RefreshTTL time.Duration
	// AllowPrivateClientIDs lets client id metadata documents be fetched
	// from private and loopback addresses (tests, private networks).
	AllowPrivateClientIDs bool
	// ClientIDRootCAs, when set, are the roots trusted when fetching client
	// id metadata documents (tests); nil: the system's.
	ClientIDRootCAs *x509.CertPool
	// KeyHelpURL, when set, is linked from the sign-in page as where to
	// create an API key (Odoo's public URL).
	KeyHelpURL string
	Store      Store
	Logger     *slog.Logger
	Now        func() time.Time
}

// Server is the authorization server; it also verifies its access tokens.
type Server struct {
	cfg         Config
	issuer      string // public URL without a trailing slash
	resource    string // issuer + "/mcp"
	resourceAPI string // issuer + "/api/v1"
	store       Store
	log         *slog.Logger
	now         func() time.Time

	atMAC     []byte       // access token signature key
	atSeal    *auth.Sealer // the Odoo key inside access tokens
	grantSeal *auth.Sealer // the Odoo key in the store
	pageSeal  *auth.Sealer // sign-in and consent page state
	clientMAC []byte       // stateless registered client ids

	clients *clientResolver
	pages   *pages
}

// ValidatePublicURL checks that the public URL can be an OAuth issuer:
// https, or http on a loopback address; no query, fragment or path.
func ValidatePublicURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(raw), "/"))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("%q is not an absolute http(s) URL, e.g. https://odoo-mcp.example.com", raw)
	}
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("%q must use https:// for OAuth (plain http is allowed only on a loopback address such as 127.0.0.1, for development)", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("%q must not carry a query, fragment or user info", raw)
	}
	if u.Path != "" {
		return nil, fmt.Errorf("%q must be the server's root (no path): OAuth metadata is served at /.well-known/ of that host", raw)
	}
	return u, nil
}

func isLoopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// New builds the authorization server.
func New(cfg Config) (*Server, error) {
	u, err := ValidatePublicURL(cfg.PublicURL)
	if err != nil {
		return nil, fmt.Errorf("public URL: %w", err)
	}
	if len(cfg.SigningKey) < auth.MinSigningKeyLen {
		return nil, fmt.Errorf("OAuth needs a signing key of at least %d characters (ODOO_MCP_SIGNING_KEY; generate one with: openssl rand -hex 32)", auth.MinSigningKeyLen)
	}
	if cfg.Odoo == nil || cfg.DB == "" {
		return nil, errors.New("OAuth needs the Odoo checker and database")
	}
	if cfg.AccessTTL <= 0 {
		cfg.AccessTTL = DefaultAccessTTL
	}
	if cfg.AccessTTL > MaxAccessTTL {
		return nil, fmt.Errorf("the OAuth access token lifetime %s is over the maximum %s", cfg.AccessTTL, MaxAccessTTL)
	}
	if cfg.RefreshTTL <= 0 {
		cfg.RefreshTTL = DefaultRefreshTTL
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Store == nil {
		cfg.Store = NewMemoryStore(cfg.AccessTTL + time.Minute)
	}
	s := &Server{cfg: cfg, issuer: u.String(), store: cfg.Store, log: cfg.Logger, now: cfg.Now}
	s.resource, s.resourceAPI = s.issuer+"/mcp", s.issuer+"/api/v1"
	if s.atMAC, err = auth.DeriveKey(cfg.SigningKey, "odoo-mcp oauth access token signature"); err != nil {
		return nil, err
	}
	if s.clientMAC, err = auth.DeriveKey(cfg.SigningKey, "odoo-mcp oauth client registration"); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		dst     **auth.Sealer
		purpose string
	}{
		{&s.atSeal, "odoo-mcp oauth access token credential"},
		{&s.grantSeal, "odoo-mcp oauth grant credential"},
		{&s.pageSeal, "odoo-mcp oauth pages"},
	} {
		if *p.dst, err = auth.NewSealer(cfg.SigningKey, p.purpose); err != nil {
			return nil, err
		}
	}
	s.clients = newClientResolver(s.clientMAC, cfg.AllowPrivateClientIDs, cfg.ClientIDRootCAs, s.now)
	s.clients.chat = chatClient(s.issuer)
	s.pages = newPages()
	return s, nil
}

// Issuer is the authorization server's identifier (the public URL).
func (s *Server) Issuer() string { return s.issuer }

// Resource is /mcp's identifier as a protected resource, PublicURL/mcp.
func (s *Server) Resource() string { return s.resource }

// APIResource is the thread API's identifier, PublicURL/api/v1.
func (s *Server) APIResource() string { return s.resourceAPI }

// ResourceMetadataURL is what a 401 from /mcp points clients to.
func (s *Server) ResourceMetadataURL() string { return s.issuer + PathProtectedResourceMCP }

// APIResourceMetadataURL is what a 401 from the thread API points to.
func (s *Server) APIResourceMetadataURL() string { return s.issuer + PathProtectedResourceAPI }

// knownResource reports whether r is one of the two resources.
func (s *Server) knownResource(r string) bool { return r == s.resource || r == s.resourceAPI }

// resourceName says in words what a resource is, for error messages.
func (s *Server) resourceName(r string) string {
	if r == s.resourceAPI {
		return "the thread API"
	}
	return "/mcp"
}

// ServeHTTP routes the OAuth endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		// No panic crosses a request.
		if v := recover(); v != nil {
			s.log.ErrorContext(r.Context(), "panic in OAuth handler", "path", r.URL.Path, "panic", fmt.Sprint(v))
			oauthError(w, http.StatusInternalServerError, "server_error", "internal error")
		}
	}()
	switch r.URL.Path {
	case PathProtectedResource, PathProtectedResourceMCP:
		s.metadata(w, r, s.protectedResourceMetadata(s.resource, "Odoo (odoo-mcp)"))
	case PathProtectedResourceAPI:
		s.metadata(w, r, s.protectedResourceMetadata(s.resourceAPI, "odoo-mcp thread API"))
	case PathAuthServer:
		s.metadata(w, r, s.authServerMetadata())
	case PathRegister:
		s.cors(w, r, http.MethodPost, s.register)
	case PathToken:
		s.cors(w, r, http.MethodPost, s.token)
	case PathRevoke:
		s.cors(w, r, http.MethodPost, s.revoke)
	case PathAuthorize:
		s.authorize(w, r)
	default:
		http.NotFound(w, r)
	}
}

// cors lets browser-based clients (MCP Inspector) call the JSON endpoints;
// they use no cookies, so any origin may.
func (s *Server) cors(w http.ResponseWriter, r *http.Request, method string, h http.HandlerFunc) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if r.Method == http.MethodOptions {
		w.Header().Set("Access-Control-Allow-Methods", method+", OPTIONS")
		w.Header().Set("Access-Control-Allow-Headers", "Content-Type, Authorization, MCP-Protocol-Version")
		w.Header().Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.Method != method {
		w.Header().Set("Allow", method+", OPTIONS")
		oauthError(w, http.StatusMethodNotAllowed, "invalid_request", "use "+method)
		return
	}
	h(w, r)
}

func (s *Server) metadata(w http.ResponseWriter, r *http.Request, doc any) {
	s.cors(w, r, http.MethodGet, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=300")
		writeJSON(w, http.StatusOK, doc)
	})
}

func (s *Server) protectedResourceMetadata(resource, name string) map[string]any {
	return map[string]any{
		"resource":                 resource,
		"authorization_servers":    []string{s.issuer},
		"scopes_supported":         ScopesSupported,
		"bearer_methods_supported": []string{"header"},
		"resource_name":            name,
	}
}

func (s *Server) authServerMetadata() map[string]any {
	return map[string]any{
		"issuer":                                         s.issuer,
		"authorization_endpoint":                         s.issuer + PathAuthorize,
		"token_endpoint":                                 s.issuer + PathToken,
		"registration_endpoint":                          s.issuer + PathRegister,
		"revocation_endpoint":                            s.issuer + PathRevoke,
		"scopes_supported":                               ScopesSupported,
		"response_types_supported":                       []string{"code"},
		"response_modes_supported":                       []string{"query"},
		"grant_types_supported":                          []string{"authorization_code", "refresh_token"},
		"code_challenge_methods_supported":               []string{"S256"},
		"token_endpoint_auth_methods_supported":          []string{"none"},
		"revocation_endpoint_auth_methods_supported":     []string{"none"},
		"authorization_response_iss_parameter_supported": true,
		"client_id_metadata_document_supported":          true,
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// oauthError answers an OAuth error (RFC 6749 section 5.2).
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// hashSecret is how codes and refresh tokens are stored: never in clear.
func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
