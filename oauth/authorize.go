package oauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// authzRequest is a validated authorization request, carried sealed
// through the sign-in and consent pages (no server-side session: any
// replica serves the pages).
type authzRequest struct {
	ClientID     string   `json:"c"`
	ClientName   string   `json:"n"`
	RedirectURI  string   `json:"r"`
	State        string   `json:"s,omitempty"`
	Challenge    string   `json:"p"`
	Scope        []string `json:"sc"`
	Resource     string   `json:"res"`
	LoopbackPort bool     `json:"lp,omitempty"` // matched as a loopback redirect with another port
}

// pageState is what a page's hidden field holds, sealed: the request, the
// CSRF nonce that must equal the browser's cookie, an expiry, and after
// sign-in the user and their key.
type pageState struct {
	Req     authzRequest `json:"q"`
	CSRF    string       `json:"x"`
	Expires int64        `json:"e"`
	User    *User        `json:"u,omitempty"`
	Key     string       `json:"k,omitempty"`
}

var challengeRE = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

const maxStateLen = 2048

func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		s.authorizeStart(w, r)
	case http.MethodPost:
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			s.errorPage(w, http.StatusBadRequest, "The form could not be read.")
			return
		}
		switch r.PostForm.Get("step") {
		case "signin":
			s.signIn(w, r)
		case "consent":
			s.consent(w, r)
		default:
			s.errorPage(w, http.StatusBadRequest, "Unknown step.")
		}
	default:
		w.Header().Set("Allow", "GET, POST")
		s.errorPage(w, http.StatusMethodNotAllowed, "Use GET to start signing in.")
	}
}

func (s *Server) errorPage(w http.ResponseWriter, status int, msg string) {
	s.pages.render(w, status, "error", "", pageData{Title: "Cannot connect", Error: msg})
}

// authorizeStart validates the request and shows the sign-in page. Until
// the client and its redirect URI are known good, errors are shown here,
// never redirected (no open redirect); after, they go back to the client.
func (s *Server) authorizeStart(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k, v := range q {
		if len(v) > 1 {
			s.errorPage(w, http.StatusBadRequest, fmt.Sprintf("The parameter %s is repeated.", k))
			return
		}
	}
	client, err := s.clients.resolve(r.Context(), q.Get("client_id"))
	if err != nil {
		s.log.InfoContext(r.Context(), "oauth authorization refused", "reason", err.Error())
		s.errorPage(w, http.StatusBadRequest, "This application is not known to odoo-mcp: "+strings.TrimPrefix(err.Error(), ErrClient.Error()+": ")+".")
		return
	}
	redirect := q.Get("redirect_uri")
	if redirect == "" && len(client.RedirectURIs) == 1 {
		redirect = client.RedirectURIs[0]
	}
	if !client.redirectAllowed(redirect) {
		s.errorPage(w, http.StatusBadRequest, "The redirect URI is not one this application registered; odoo-mcp will not send you there.")
		return
	}
	req := authzRequest{
		ClientID: client.ID, ClientName: client.Name, RedirectURI: redirect, State: q.Get("state"),
		Challenge: q.Get("code_challenge"), Resource: q.Get("resource"),
		LoopbackPort: !slices.Contains(client.RedirectURIs, redirect),
	}
	if req.ClientName == "" {
		req.ClientName = clientLabel(client.ID)
	}
	fail := func(code, desc string) { s.redirectError(w, r, req, code, desc) }
	switch {
	case len(req.State) > maxStateLen:
		req.State = ""
		fail("invalid_request", "state is too long")
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "only response_type=code is supported")
	case req.Challenge == "":
		fail("invalid_request", "PKCE is required: send code_challenge and code_challenge_method=S256")
	case q.Get("code_challenge_method") != "S256":
		fail("invalid_request", "code_challenge_method must be S256")
	case !challengeRE.MatchString(req.Challenge):
		fail("invalid_request", "code_challenge must be the base64url SHA-256 of the verifier (43 characters)")
	case client.FirstParty && req.Resource != s.resourceAPI:
		// The chat page needs the thread API only: a token of it never
		// works at /mcp (least privilege).
		fail("invalid_target", "the chat page's tokens are for the thread API: resource must be "+s.resourceAPI)
	case req.Resource != "" && !s.knownResource(req.Resource):
		fail("invalid_target", "resource must be "+s.resource+" (the MCP endpoint) or "+s.resourceAPI+" (the thread API)")
	default:
		if req.Resource == "" {
			req.Resource = s.resource // MCP clients that send none
		}
		req.Scope = parseScope(q.Get("scope"))
		csrf := s.csrfCookie(w, r)
		s.showSignIn(w, http.StatusOK, pageState{Req: req, CSRF: csrf}, "", "")
	}
}

// parseScope keeps the scopes odoo-mcp knows; none asked: both.
func parseScope(raw string) []string {
	var out []string
	for _, sc := range strings.Fields(raw) {
		if slices.Contains(ScopesSupported, sc) && !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	if len(out) == 0 || (len(out) == 1 && out[0] == ScopeWrite) {
		return slices.Clone(ScopesSupported) // writing implies reading
	}
	return out
}

func clientLabel(id string) string {
	if u, err := url.Parse(id); err == nil && u.Host != "" {
		return u.Host
	}
	return "An application"
}

func (s *Server) showSignIn(w http.ResponseWriter, status int, st pageState, login, msg string) {
	st.Expires = s.now().Add(pageTTL).Unix()
	sealed, err := s.sealPage(st, "signin")
	if err != nil {
		s.errorPage(w, http.StatusInternalServerError, "Internal error.")
		return
	}
	s.pages.render(w, status, "signin", "", pageData{
		Title: "Sign in with Odoo", Action: PathAuthorize, State: sealed, Error: msg,
		ClientName: st.Req.ClientName, DB: s.cfg.DB, Login: login, KeyHelpURL: s.cfg.KeyHelpURL,
	})
}

// signIn checks the login and key exactly as /mcp does, then asks for
// consent.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	st, ok := s.openPost(w, r, "signin")
	if !ok {
		return
	}
	login, key := strings.TrimSpace(r.PostForm.Get("login")), strings.TrimSpace(r.PostForm.Get("key"))
	if login == "" || key == "" {
		s.showSignIn(w, http.StatusBadRequest, st, login, "Enter your Odoo login and an API key.")
		return
	}
	header := "Basic " + base64.StdEncoding.EncodeToString([]byte(login+":"+key))
	id, err := s.cfg.Odoo.Authenticate(r.Context(), header)
	if err != nil {
		msg, status := signInProblem(err)
		s.log.InfoContext(r.Context(), "oauth sign-in refused", "client_id", logClient(st.Req.ClientID), "status", status)
		s.showSignIn(w, status, st, login, msg)
		return
	}
	st.User = userOf(id)
	st.Key = id.Credentials.Key
	st.Expires = s.now().Add(pageTTL).Unix()
	sealed, err := s.sealPage(st, "consent")
	if err != nil {
		s.errorPage(w, http.StatusInternalServerError, "Internal error.")
		return
	}
	s.log.InfoContext(r.Context(), "oauth sign-in", "client_id", logClient(st.Req.ClientID), "db", id.DB, "uid", id.UID)
	s.pages.render(w, http.StatusOK, "consent", cspSource(st.Req.RedirectURI, st.Req.LoopbackPort), pageData{
		Title: "Allow access to Odoo?", Action: PathAuthorize, State: sealed,
		ClientName: st.Req.ClientName, ClientHost: clientHost(st.Req.ClientID), RedirectHost: redirectHost(st.Req.RedirectURI),
		DB: id.DB, Login: id.Login, UserName: firstNonEmpty(id.Name, id.Login),
		WriteRequested: slices.Contains(st.Req.Scope, ScopeWrite),
		ThreadAPI:      st.Req.Resource == s.resourceAPI,
	})
}

func signInProblem(err error) (string, int) {
	switch {
	case errors.Is(err, odoorpc.ErrUnavailable):
		return "Odoo is not reachable right now, so the key could not be checked. Try again in a moment.", http.StatusServiceUnavailable
	case errors.Is(err, auth.ErrInvalid), errors.Is(err, auth.ErrMalformed), errors.Is(err, auth.ErrBearerNeedsLogin):
		return "Odoo refused this login and API key. Check both (the key is shown once, when created in Odoo).", http.StatusUnauthorized
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "Checking the key took too long. Try again.", http.StatusServiceUnavailable
	}
	return "Odoo answered unexpectedly while checking the key. Try again later.", http.StatusBadGateway
}

// consent records the user's decision and sends the browser back to the
// client, with a code or an error.
func (s *Server) consent(w http.ResponseWriter, r *http.Request) {
	st, ok := s.openPost(w, r, "consent")
	if !ok {
		return
	}
	if st.User == nil || st.Key == "" {
		s.errorPage(w, http.StatusBadRequest, "Sign in first.")
		return
	}
	if r.PostForm.Get("decision") != "allow" {
		s.log.InfoContext(r.Context(), "oauth consent denied", "client_id", logClient(st.Req.ClientID), "db", st.User.DB, "uid", st.User.UID)
		s.redirectError(w, r, st.Req, "access_denied", "the user denied access")
		return
	}
	scope := []string{ScopeRead}
	if slices.Contains(st.Req.Scope, ScopeWrite) && r.PostForm.Get("write") == "on" {
		scope = append(scope, ScopeWrite)
	}
	code := rand.Text() + rand.Text()
	hash := hashSecret(code)
	sealed, err := s.grantSeal.Seal(st.Key, "code:"+hash)
	if err != nil {
		s.errorPage(w, http.StatusInternalServerError, "Internal error.")
		return
	}
	err = s.store.SaveCode(r.Context(), hash, Code{
		ClientID: st.Req.ClientID, RedirectURI: st.Req.RedirectURI, Challenge: st.Req.Challenge,
		Resource: st.Req.Resource, Scope: scope, User: *st.User, SealedKey: sealed,
		Expires: s.now().Add(codeTTL),
	})
	if err != nil {
		s.log.ErrorContext(r.Context(), "oauth: saving an authorization code failed", "error", err.Error())
		s.redirectError(w, r, st.Req, "server_error", "the authorization could not be recorded")
		return
	}
	s.log.InfoContext(r.Context(), "oauth consent", "client_id", logClient(st.Req.ClientID), "db", st.User.DB, "uid", st.User.UID, "scope", strings.Join(scope, " "))
	s.redirect(w, r, st.Req, url.Values{"code": {code}})
}

// openPost checks a page's POST: same origin, the sealed state valid and
// unexpired, its CSRF nonce equal to the browser's cookie.
func (s *Server) openPost(w http.ResponseWriter, r *http.Request, step string) (pageState, bool) {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		s.errorPage(w, http.StatusForbidden, "This form must be sent from odoo-mcp's own page.")
		return pageState{}, false
	}
	if o := r.Header.Get("Origin"); o != "" && o != s.issuer {
		s.errorPage(w, http.StatusForbidden, "This form must be sent from odoo-mcp's own page.")
		return pageState{}, false
	}
	var st pageState
	raw, err := s.pageSeal.Open(r.PostForm.Get("request"), step)
	if err != nil || json.Unmarshal([]byte(raw), &st) != nil {
		s.errorPage(w, http.StatusBadRequest, "This sign-in page is not valid. Start connecting again from the application.")
		return pageState{}, false
	}
	if s.now().Unix() > st.Expires {
		s.errorPage(w, http.StatusBadRequest, "This sign-in page has expired. Start connecting again from the application.")
		return pageState{}, false
	}
	c, err := r.Cookie(s.csrfName())
	if err != nil || st.CSRF == "" || c.Value != st.CSRF {
		s.errorPage(w, http.StatusForbidden, "The sign-in page's security check failed (cookies must be enabled for this site). Start connecting again from the application.")
		return pageState{}, false
	}
	return st, true
}

func (s *Server) sealPage(st pageState, step string) (string, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return "", err
	}
	return s.pageSeal.Seal(string(b), step)
}

// csrfName: the __Host- prefix (Secure, host-only, path /) where the
// public URL is https.
func (s *Server) csrfName() string {
	if strings.HasPrefix(s.issuer, "https://") {
		return "__Host-odoo_mcp_csrf"
	}
	return "odoo_mcp_csrf"
}

// csrfCookie returns the browser's CSRF nonce, setting one if it has none
// (kept when present, so that two sign-in tabs both work).
func (s *Server) csrfCookie(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(s.csrfName()); err == nil && len(c.Value) == 26 {
		return c.Value
	}
	v := rand.Text()
	http.SetCookie(w, &http.Cookie{
		Name: s.csrfName(), Value: v, Path: "/", HttpOnly: true,
		Secure: strings.HasPrefix(s.issuer, "https://"), SameSite: http.SameSiteStrictMode,
		MaxAge: int((24 * time.Hour).Seconds()),
	})
	return v
}

// redirect sends the browser to the client's (validated) redirect URI with
// params, state and iss (RFC 9207) added to its query.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, req authzRequest, params url.Values) {
	u, err := url.Parse(req.RedirectURI)
	if err != nil {
		s.errorPage(w, http.StatusBadRequest, "The redirect URI is not valid.")
		return
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	if req.State != "" {
		q.Set("state", req.State)
	}
	q.Set("iss", s.issuer)
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

func (s *Server) redirectError(w http.ResponseWriter, r *http.Request, req authzRequest, code, desc string) {
	s.redirect(w, r, req, url.Values{"error": {code}, "error_description": {desc}})
}

func userOf(id *auth.Identity) *User {
	u := &User{DB: id.DB, UID: id.UID, Login: id.Login, Name: id.Name}
	u.Lang, _ = id.Context["lang"].(string)
	u.TZ, _ = id.Context["tz"].(string)
	return u
}

func clientHost(id string) string {
	if strings.HasPrefix(id, "https://") {
		return clientLabel(id)
	}
	return ""
}

func redirectHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	if u.Host != "" {
		return u.Host
	}
	return u.Scheme + ":"
}

// logClient bounds a client id in a log line (a registered one is long).
func logClient(id string) string {
	if len(id) > 80 {
		return id[:80] + "…"
	}
	return id
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
