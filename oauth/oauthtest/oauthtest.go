// Package oauthtest drives odoo-mcp's OAuth flow over plain HTTP, as a
// browser and a client would, for tests: registration, the sign-in and
// consent forms, the token endpoint.
package oauthtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
)

// Flow is one client's authorization in one browser (its cookie jar).
type Flow struct {
	Base        string // the server's public URL
	ClientID    string
	RedirectURI string
	Verifier    string
	State       string
	// Resource is the resource asked for (RFC 8707); empty: Base/mcp.
	Resource string
	Browser  *http.Client // cookies, no redirects followed
}

func (f *Flow) resource() string {
	if f.Resource != "" {
		return f.Resource
	}
	return f.Base + "/mcp"
}

// New starts a flow for a client id (registered or a metadata URL).
func New(base, clientID, redirect string) *Flow {
	jar, _ := cookiejar.New(nil)
	return &Flow{
		Base: strings.TrimRight(base, "/"), ClientID: clientID, RedirectURI: redirect,
		Verifier: rand.Text() + rand.Text(), State: rand.Text(),
		Browser: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}
}

// Challenge is the verifier's S256 challenge.
func (f *Flow) Challenge() string {
	sum := sha256.Sum256([]byte(f.Verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Register does dynamic client registration and returns the client id.
func Register(ctx context.Context, base, name string, redirects ...string) (string, error) {
	body, _ := json.Marshal(map[string]any{"client_name": name, "redirect_uris": redirects, "token_endpoint_auth_method": "none"})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(base, "/")+"/oauth/register", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		ClientID string `json:"client_id"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(raw, &out) != nil {
		return "", fmt.Errorf("register: HTTP %d: %s", resp.StatusCode, raw)
	}
	return out.ClientID, nil
}

// Page is a response of the authorization endpoint.
type Page struct {
	Status   int
	Header   http.Header
	Body     string
	Request  string // the form's sealed state
	Location string // where a redirect goes
}

// Params are the authorization request's parameters; callers may change
// them before Authorize.
func (f *Flow) Params() url.Values {
	return url.Values{
		"response_type": {"code"}, "client_id": {f.ClientID}, "redirect_uri": {f.RedirectURI},
		"code_challenge": {f.Challenge()}, "code_challenge_method": {"S256"}, "state": {f.State},
		"scope": {"odoo.read odoo.write"}, "resource": {f.resource()},
	}
}

// Authorize opens the authorization endpoint.
func (f *Flow) Authorize(ctx context.Context, params url.Values) (*Page, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.Base+"/oauth/authorize?"+params.Encode(), nil)
	return f.do(req)
}

// SignIn submits the sign-in form of page.
func (f *Flow) SignIn(ctx context.Context, page *Page, login, key string) (*Page, error) {
	return f.post(ctx, url.Values{"step": {"signin"}, "request": {page.Request}, "login": {login}, "key": {key}})
}

// Consent submits the consent form of page: allow or deny, with or
// without the write scope.
func (f *Flow) Consent(ctx context.Context, page *Page, allow, write bool) (*Page, error) {
	v := url.Values{"step": {"consent"}, "request": {page.Request}, "decision": {"deny"}}
	if allow {
		v.Set("decision", "allow")
	}
	if write {
		v.Set("write", "on")
	}
	return f.post(ctx, v)
}

func (f *Flow) post(ctx context.Context, form url.Values) (*Page, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, f.Base+"/oauth/authorize", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", f.Base)
	return f.do(req)
}

var requestField = regexp.MustCompile(`name="request" value="([^"]*)"`)

func (f *Flow) do(req *http.Request) (*Page, error) {
	resp, err := f.Browser.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	p := &Page{Status: resp.StatusCode, Header: resp.Header, Body: string(raw), Location: resp.Header.Get("Location")}
	if m := requestField.FindStringSubmatch(p.Body); m != nil {
		p.Request = html.UnescapeString(m[1])
	}
	return p, nil
}

// Code reads the code from a redirect, checking state and iss.
func (f *Flow) Code(p *Page) (string, error) {
	u, err := url.Parse(p.Location)
	if err != nil || p.Location == "" {
		return "", fmt.Errorf("no redirect (HTTP %d): %.300s", p.Status, p.Body)
	}
	q := u.Query()
	if e := q.Get("error"); e != "" {
		return "", fmt.Errorf("authorization error %s: %s", e, q.Get("error_description"))
	}
	if q.Get("state") != f.State {
		return "", fmt.Errorf("state %q, want %q", q.Get("state"), f.State)
	}
	if q.Get("iss") != f.Base {
		return "", fmt.Errorf("iss %q, want %q", q.Get("iss"), f.Base)
	}
	return q.Get("code"), nil
}

// Tokens is a token endpoint answer (success or error).
type Tokens struct {
	Status       int    `json:"-"`
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
	Error        string `json:"error"`
	Description  string `json:"error_description"`
}

// Token posts to the token endpoint.
func Token(ctx context.Context, base string, form url.Values, header http.Header) (*Tokens, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(base, "/")+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var t Tokens
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("token endpoint: HTTP %d: %s", resp.StatusCode, raw)
	}
	t.Status = resp.StatusCode
	return &t, nil
}

// Exchange redeems a code with the flow's verifier.
func (f *Flow) Exchange(ctx context.Context, code string) (*Tokens, error) {
	return Token(ctx, f.Base, url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "client_id": {f.ClientID},
		"redirect_uri": {f.RedirectURI}, "code_verifier": {f.Verifier}, "resource": {f.resource()},
	}, nil)
}

// Refresh uses a refresh token.
func (f *Flow) Refresh(ctx context.Context, refresh string) (*Tokens, error) {
	return Token(ctx, f.Base, url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {f.ClientID}, "resource": {f.resource()},
	}, nil)
}

// Run does the whole flow (register first if ClientID is empty) and
// returns the tokens.
func (f *Flow) Run(ctx context.Context, login, key string, write bool) (*Tokens, error) {
	if f.ClientID == "" {
		id, err := Register(ctx, f.Base, "test client", f.RedirectURI)
		if err != nil {
			return nil, err
		}
		f.ClientID = id
	}
	p, err := f.Authorize(ctx, f.Params())
	if err != nil {
		return nil, err
	}
	if p.Request == "" {
		return nil, fmt.Errorf("no sign-in page (HTTP %d): %.300s", p.Status, p.Body)
	}
	if p, err = f.SignIn(ctx, p, login, key); err != nil {
		return nil, err
	}
	if p.Request == "" || p.Status != http.StatusOK {
		return nil, fmt.Errorf("no consent page (HTTP %d): %.300s", p.Status, p.Body)
	}
	if p, err = f.Consent(ctx, p, true, write); err != nil {
		return nil, err
	}
	code, err := f.Code(p)
	if err != nil {
		return nil, err
	}
	t, err := f.Exchange(ctx, code)
	if err != nil {
		return nil, err
	}
	if t.Status != http.StatusOK {
		return t, fmt.Errorf("token endpoint: HTTP %d %s: %s", t.Status, t.Error, t.Description)
	}
	return t, nil
}
