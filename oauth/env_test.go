package oauth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/httpapp"
	"github.com/odoo-mcp/odoo-mcp/internal/lockedbuf"
	"github.com/odoo-mcp/odoo-mcp/mcp"
	"github.com/odoo-mcp/odoo-mcp/oauth"
	"github.com/odoo-mcp/odoo-mcp/oauth/oauthtest"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
	"github.com/odoo-mcp/odoo-mcp/tools"
)

const signingKey = "0123456789abcdef0123456789abcdef-test-signing-key"

// env is odoo-mcp with OAuth on, against a fake Odoo, on loopback.
type env struct {
	fake  *fakeodoo.Server
	srv   *httptest.Server
	as    *oauth.Server
	authn *auth.Authenticator
	base  string
	clock *clock
	logs  *syncBuffer
	// toOdoo is every request sent to Odoo, headers and body.
	toOdoo *syncBuffer
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newEnv(t *testing.T, mutate ...func(*oauth.Config)) *env {
	t.Helper()
	fake := fakeodoo.New(fakeodoo.Options{})
	e := &env{fake: fake, clock: &clock{now: time.Now()}, logs: &syncBuffer{}, toOdoo: &syncBuffer{}}
	odooSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Everything sent to Odoo, to prove no OAuth token reaches it.
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(e.toOdoo, "%v\n%s\n", r.Header, body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(odooSrv.Close)
	client, err := odoorpc.New(odoorpc.Config{URL: odooSrv.URL, DB: fake.DB(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.authn = auth.NewAuthenticator(client, auth.Options{TTL: time.Hour})
	var handler http.Handler
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	e.base = e.srv.URL
	cfg := oauth.Config{
		PublicURL: e.base, SigningKey: signingKey, DB: fake.DB(), Odoo: e.authn,
		Logger: log, Now: e.clock.Now, AllowPrivateClientIDs: true,
	}
	for _, m := range mutate {
		m(&cfg)
	}
	e.as, err = oauth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ep := mcp.New(mcp.Config{
		Odoo: client, Policy: tools.Policy{DefaultLimit: 100, MaxLimit: 1000}, Version: "test", Logger: log,
	})
	// The HTTP application as serve wires it with OAuth on.
	app := httpapp.New(httpapp.Config{
		MCP: ep.Handler(), Auth: e.authn, MCPAuth: e.as.Authenticator(e.authn),
		ResourceMetadataURL: e.as.ResourceMetadataURL(), ReadOnlyRefuses: ep.ReadOnlyRefuses,
		APIAuth: e.as.APIAuthenticator(e.authn), APIResourceMetadataURL: e.as.APIResourceMetadataURL(),
		Threads: whoAmI{},
		Public:  []httpapp.Mount{{Paths: oauth.Paths(), Handler: e.as}}, Logger: log,
	})
	mux := http.NewServeMux()
	mux.Handle("/", app)
	// What any other route does with a credential (the thread API): the
	// plain authenticator, which knows nothing of OAuth tokens.
	mux.HandleFunc("/other", func(w http.ResponseWriter, r *http.Request) {
		if _, err := e.authn.Authenticate(r.Context(), r.Header.Get("Authorization")); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	handler = mux
	return e
}

// flow is a flow for a freshly registered client with a loopback redirect.
func (e *env) flow(t *testing.T) *oauthtest.Flow {
	t.Helper()
	redirect := "http://127.0.0.1:9/callback"
	id, err := oauthtest.Register(context.Background(), e.base, "Test Client", redirect)
	if err != nil {
		t.Fatal(err)
	}
	return oauthtest.New(e.base, id, redirect)
}

// tokens runs the whole flow as the demo user.
func (e *env) tokens(t *testing.T, write bool) (*oauthtest.Flow, *oauthtest.Tokens) {
	t.Helper()
	f := e.flow(t)
	tok, err := f.Run(context.Background(), fakeodoo.DemoLogin, fakeodoo.DemoKey, write)
	if err != nil {
		t.Fatal(err)
	}
	return f, tok
}

// whoAmI stands in for the thread API behind the real application's edge:
// it answers who the caller is.
type whoAmI struct{}

func (whoAmI) Paths() []string { return []string{"/api/v1/threads"} }

func (whoAmI) Handler(authenticate func(http.Handler) http.Handler) http.Handler {
	return authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := auth.IdentityFrom(r.Context())
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"uid": id.UID, "login": id.Login, "read_only": id.ReadOnly, "oauth_client": id.OAuthClient, "key": id.Credentials.Key})
	}))
}

type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// connect opens an MCP session with an access token.
func (e *env) connect(t *testing.T, token string) (*gomcp.ClientSession, error) {
	t.Helper()
	tr := &gomcp.StreamableClientTransport{Endpoint: e.base + "/mcp", HTTPClient: &http.Client{Transport: bearer{token}}}
	cs, err := gomcp.NewClient(&gomcp.Implementation{Name: "test", Version: "v0"}, nil).Connect(context.Background(), tr, nil)
	if err == nil {
		t.Cleanup(func() { cs.Close() })
	}
	return cs, err
}

// post sends one JSON-RPC message to /mcp.
func (e *env) post(t *testing.T, authorization, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.base+"/mcp", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", "2025-11-25")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

const listBody = `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`

// syncBuffer is a buffer the server writes while the test reads.
type syncBuffer = lockedbuf.Buffer
