package oauth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Client is an OAuth client as odoo-mcp knows it. Every client is public
// (no secret): PKCE protects its codes.
type Client struct {
	ID           string
	Name         string
	RedirectURIs []string
	Metadata     bool // the client id is a client id metadata document URL
	// FirstParty is the chat page served by odoo-mcp itself (ChatClientID):
	// its one redirect URI matches exactly (no loopback port latitude), and
	// it gets thread API tokens only.
	FirstParty bool
}

// ChatClientID is the client id of the chat page at /chat, a client built
// into the server: no registration round trip, nothing to store, and a
// redirect URI the server knows (ChatRedirectPath under the public URL)
// rather than one a caller declares. Like every client it is public: PKCE
// protects its codes.
const ChatClientID = "odoo-mcp-chat"

// ChatRedirectPath is the chat page's redirect URI, under the public URL.
const ChatRedirectPath = "/chat/"

func chatClient(issuer string) Client {
	return Client{ID: ChatClientID, Name: "odoo-mcp chat (this server's own chat page)", RedirectURIs: []string{issuer + ChatRedirectPath}, FirstParty: true}
}

// Limits on clients.
const (
	maxRedirectURIs    = 10
	maxRedirectURILen  = 1024
	maxClientNameLen   = 120
	maxRegistration    = 16 << 10
	maxMetadataDoc     = 5 << 10 // client id metadata documents: a few KB
	metadataTimeout    = 5 * time.Second
	metadataCacheTTL   = 5 * time.Minute
	metadataCacheLimit = 1000
	registeredPrefix   = "odoo-mcp-client."
)

// ErrClient is an unknown or unusable client; its message says why.
var ErrClient = errors.New("invalid client")

// clientResolver turns a client id into a Client: a registered client's id
// carries its own (signed) metadata, so registration needs no store and
// survives restarts; a URL is fetched as a client id metadata document.
type clientResolver struct {
	mac   []byte
	http  *http.Client
	now   func() time.Time
	mu    sync.Mutex
	cache map[string]cachedClient
	chat  Client // the built-in first-party client
}

type cachedClient struct {
	c       Client
	expires time.Time
}

func newClientResolver(mac []byte, allowPrivate bool, roots *x509.CertPool, now func() time.Time) *clientResolver {
	dialer := &net.Dialer{Timeout: metadataTimeout}
	if !allowPrivate {
		// Checked on the address actually dialled, after DNS: a public name
		// resolving to a private address is refused too.
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("unexpected address %q", address)
			}
			if !publicAddr(ap.Addr()) {
				return fmt.Errorf("%s is a private or special address (allowed only with --oauth-allow-private-client-ids)", ap.Addr())
			}
			return nil
		}
	}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would hide the address dialled
		DialContext:           dialer.DialContext,
		TLSClientConfig:       &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   metadataTimeout,
		ResponseHeaderTimeout: metadataTimeout,
		MaxIdleConns:          4,
		IdleConnTimeout:       30 * time.Second,
	}
	return &clientResolver{
		mac: mac, now: now, cache: map[string]cachedClient{},
		http: &http.Client{
			Transport: tr, Timeout: metadataTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return errors.New("redirects are not followed for client id metadata documents")
			},
		},
	}
}

var specialPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
}

func publicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsUnspecified() || a.IsLinkLocalUnicast() ||
		a.IsLinkLocalMulticast() || a.IsMulticast() || a.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range specialPrefixes {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// resolve finds the client for an id.
func (cr *clientResolver) resolve(ctx context.Context, id string) (Client, error) {
	switch {
	case id == ChatClientID && cr.chat.ID != "":
		return cr.chat, nil
	case strings.HasPrefix(id, registeredPrefix):
		return cr.openRegistered(id)
	case strings.HasPrefix(id, "https://"):
		return cr.fetchMetadata(ctx, id)
	case strings.HasPrefix(id, "http://"):
		return Client{}, fmt.Errorf("%w: a client id metadata document must be served over https", ErrClient)
	case id == "":
		return Client{}, fmt.Errorf("%w: client_id is missing", ErrClient)
	}
	return Client{}, fmt.Errorf("%w: unknown client_id (register at %s, or use a client id metadata document URL)", ErrClient, PathRegister)
}

// registered is the signed body of a registered client's id.
type registered struct {
	Name     string   `json:"n,omitempty"`
	Redirect []string `json:"r"`
	Issued   int64    `json:"i"`
}

func (cr *clientResolver) sign(r registered) string {
	body, _ := json.Marshal(r)
	b := base64.RawURLEncoding.EncodeToString(body)
	m := hmac.New(sha256.New, cr.mac)
	m.Write([]byte(b))
	return registeredPrefix + b + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

func (cr *clientResolver) openRegistered(id string) (Client, error) {
	body, sig, ok := strings.Cut(strings.TrimPrefix(id, registeredPrefix), ".")
	if !ok {
		return Client{}, fmt.Errorf("%w: malformed client_id", ErrClient)
	}
	m := hmac.New(sha256.New, cr.mac)
	m.Write([]byte(body))
	want := base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
	if !hmac.Equal([]byte(sig), []byte(want)) {
		return Client{}, fmt.Errorf("%w: client_id was not issued by this server (register again)", ErrClient)
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	var r registered
	if err != nil || json.Unmarshal(raw, &r) != nil || len(r.Redirect) == 0 {
		return Client{}, fmt.Errorf("%w: malformed client_id", ErrClient)
	}
	return Client{ID: id, Name: r.Name, RedirectURIs: r.Redirect}, nil
}

// metadataDoc is the part of a client id metadata document (or a
// registration request, RFC 7591) that odoo-mcp reads.
type metadataDoc struct {
	ClientID                string   `json:"client_id"`
	ClientName              string   `json:"client_name"`
	RedirectURIs            []string `json:"redirect_uris"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
}

func (cr *clientResolver) fetchMetadata(ctx context.Context, id string) (Client, error) {
	u, err := url.Parse(id)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Fragment != "" || u.Path == "" || u.Path == "/" {
		return Client{}, fmt.Errorf("%w: a client id URL must be https with a path, no user info or fragment", ErrClient)
	}
	now := cr.now()
	cr.mu.Lock()
	if c, ok := cr.cache[id]; ok && now.Before(c.expires) {
		cr.mu.Unlock()
		return c.c, nil
	}
	cr.mu.Unlock()

	ctx, cancel := context.WithTimeout(ctx, metadataTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, id, nil)
	if err != nil {
		return Client{}, fmt.Errorf("%w: %v", ErrClient, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := cr.http.Do(req)
	if err != nil {
		return Client{}, fmt.Errorf("%w: fetching the client id metadata document: %v", ErrClient, unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Client{}, fmt.Errorf("%w: the client id metadata document answered HTTP %d", ErrClient, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadataDoc+1))
	if err != nil {
		return Client{}, fmt.Errorf("%w: reading the client id metadata document: %v", ErrClient, err)
	}
	if len(body) > maxMetadataDoc {
		return Client{}, fmt.Errorf("%w: the client id metadata document is over %d bytes", ErrClient, maxMetadataDoc)
	}
	var doc metadataDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		return Client{}, fmt.Errorf("%w: the client id metadata document is not a JSON object", ErrClient)
	}
	if doc.ClientID != id {
		return Client{}, fmt.Errorf("%w: the client id metadata document's client_id is not its own URL", ErrClient)
	}
	if m := doc.TokenEndpointAuthMethod; m != "" && m != "none" {
		return Client{}, fmt.Errorf("%w: token_endpoint_auth_method %q is not supported (only none: public clients with PKCE)", ErrClient, m)
	}
	if err := checkRedirectURIs(doc.RedirectURIs); err != nil {
		return Client{}, fmt.Errorf("%w: %v", ErrClient, err)
	}
	c := Client{ID: id, Name: truncate(doc.ClientName, maxClientNameLen), RedirectURIs: doc.RedirectURIs, Metadata: true}
	cr.mu.Lock()
	if len(cr.cache) >= metadataCacheLimit {
		clear(cr.cache)
	}
	cr.cache[id] = cachedClient{c: c, expires: now.Add(metadataCacheTTL)}
	cr.mu.Unlock()
	return c, nil
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// checkRedirectURIs accepts https URLs, http on a loopback address, and
// private-use schemes of native apps (vscode://, cursor://); no fragment.
func checkRedirectURIs(uris []string) error {
	if len(uris) == 0 {
		return errors.New("redirect_uris is required")
	}
	if len(uris) > maxRedirectURIs {
		return fmt.Errorf("at most %d redirect_uris", maxRedirectURIs)
	}
	for _, raw := range uris {
		if len(raw) > maxRedirectURILen {
			return fmt.Errorf("a redirect URI is over %d characters", maxRedirectURILen)
		}
		u, err := url.Parse(raw)
		if err != nil || u.Scheme == "" || u.Fragment != "" || strings.Contains(raw, "#") {
			return fmt.Errorf("redirect URI %q must be an absolute URI without a fragment", raw)
		}
		switch strings.ToLower(u.Scheme) {
		case "https":
			if u.Host == "" {
				return fmt.Errorf("redirect URI %q has no host", raw)
			}
		case "http":
			if !isLoopbackHost(u.Hostname()) {
				return fmt.Errorf("redirect URI %q: http is allowed only on a loopback address (use https)", raw)
			}
		case "javascript", "data", "file", "vbscript", "about", "blob", "ftp", "ws", "wss":
			return fmt.Errorf("redirect URI %q: scheme %s is not allowed", raw, u.Scheme)
		}
	}
	return nil
}

// redirectAllowed matches a redirect URI against a client's: exactly, but
// for the port of a loopback http URI (RFC 8252 section 7.3).
func (c Client) redirectAllowed(got string) bool {
	g, err := url.Parse(got)
	if err != nil {
		return false
	}
	for _, want := range c.RedirectURIs {
		if got == want {
			return true
		}
		if c.FirstParty {
			continue
		}
		w, err := url.Parse(want)
		if err != nil || w.Scheme != "http" || g.Scheme != "http" || !isLoopbackHost(w.Hostname()) {
			continue
		}
		if g.Hostname() == w.Hostname() && g.Path == w.Path && g.RawQuery == w.RawQuery && g.User == nil && g.Fragment == "" {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) > n {
		return string(r[:n])
	}
	return string(r)
}

// register is dynamic client registration (RFC 7591). The client id it
// returns carries the client's name and redirect URIs, signed.
func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRegistration+1))
	if err != nil || len(body) > maxRegistration {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_client_metadata", "error_description": fmt.Sprintf("the registration must be a JSON object of at most %d bytes", maxRegistration)})
		return
	}
	var doc metadataDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_client_metadata", "error_description": "the registration is not a JSON object"})
		return
	}
	if err := checkRedirectURIs(doc.RedirectURIs); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_redirect_uri", "error_description": err.Error()})
		return
	}
	for _, g := range doc.GrantTypes {
		if g != "authorization_code" && g != "refresh_token" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_client_metadata", "error_description": fmt.Sprintf("grant type %q is not supported (authorization_code and refresh_token are)", g)})
			return
		}
	}
	name := truncate(doc.ClientName, maxClientNameLen)
	issued := s.now().Unix()
	id := s.clients.sign(registered{Name: name, Redirect: doc.RedirectURIs, Issued: issued})
	w.Header().Set("Cache-Control", "no-store")
	// Every client is public: whatever authentication method was asked
	// for, the answer is none (RFC 7591 lets the server replace values).
	writeJSON(w, http.StatusCreated, map[string]any{
		"client_id":                  id,
		"client_id_issued_at":        issued,
		"client_name":                name,
		"redirect_uris":              doc.RedirectURIs,
		"token_endpoint_auth_method": "none",
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
		"scope":                      strings.Join(ScopesSupported, " "),
	})
}

// urlUnescape decodes a client id sent in HTTP Basic (RFC 6749 2.3.1
// form-encodes it).
func urlUnescape(s string) (string, error) { return url.QueryUnescape(s) }
