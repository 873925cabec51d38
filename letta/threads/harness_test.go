package threads

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/fakeletta"
	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/httpapp"
	"github.com/odoo-mcp/odoo-mcp/internal/lockedbuf"
	"github.com/odoo-mcp/odoo-mcp/letta"
	"github.com/odoo-mcp/odoo-mcp/letta/lettaspec"
	"github.com/odoo-mcp/odoo-mcp/limits"
	"github.com/odoo-mcp/odoo-mcp/mcp"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
	"github.com/odoo-mcp/odoo-mcp/sse"
	"github.com/odoo-mcp/odoo-mcp/tools"
)

// Both Letta behaviours the orchestrator must handle.
var versions = []string{fakeletta.VersionOld, fakeletta.VersionNew}

func forEachVersion(t *testing.T, f func(t *testing.T, version string)) {
	for _, v := range versions {
		t.Run("letta-"+v, func(t *testing.T) { f(t, v) })
	}
}

const (
	testSigningKey = "test-signing-key-0123456789abcdef-0123456789abcdef"
	// publicURL is a public-looking name: the letta client's 0.16.7+ check
	// passes, and the fake Letta's MCP client dials the test server for it.
	publicURL = "http://odoo-mcp.example.com"
	chatModel = "openai/gpt-4o-mini"
	// stepModel's provider has no token streaming: Letta streams whole steps.
	stepModel = "google_ai/gemini-2.0-flash"
)

var allTools = func() []string {
	var out []string
	for _, t := range tools.Inventory() {
		out = append(out, t.Def.Name)
	}
	return out
}()

// env is odoo-mcp (its /mcp and the thread API) between a fake Odoo and a
// fake Letta, all in this process.
type env struct {
	t       testing.TB
	version string

	odoo     *fakeodoo.Server
	letta    *fakeletta.Server
	lettaSrv *httptest.Server
	lettaOff atomic.Bool  // Letta "down": connections are dropped
	app      http.Handler // set once the orchestrator exists
	appSrv   *httptest.Server
	tokens   *auth.Tokens
	authn    *auth.Authenticator
	runner   ToolRunner
	orch     *Orchestrator
	spec     *recordingValidator
	logs     *lockedBuffer
	client   *http.Client
	closers  []func()

	lettaTimeout time.Duration
}

type envOptions struct {
	orch     func(*Options)
	rate     *limits.Rate // the application's rate limit
	noSpec   bool
	register bool
	models   []string
	// lettaTimeout bounds each non-stream Letta call (default 5 s).
	lettaTimeout time.Duration
}

func newEnv(t testing.TB, version string, opts ...func(*envOptions)) *env {
	t.Helper()
	eo := envOptions{register: true}
	for _, f := range opts {
		f(&eo)
	}
	e := &env{t: t, version: version, logs: &lockedBuffer{}, lettaTimeout: eo.lettaTimeout}
	t.Cleanup(e.close)
	log := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	e.odoo = fakeodoo.New(fakeodoo.Options{Version: "18.0"})
	odooSrv := httptest.NewServer(e.odoo)
	e.closers = append(e.closers, odooSrv.Close)
	odooHTTP := &http.Client{Transport: &http.Transport{}}
	e.closers = append(e.closers, odooHTTP.CloseIdleConnections)
	odoo, err := odoorpc.New(odoorpc.Config{URL: odooSrv.URL, DB: e.odoo.DB(), Timeout: 5 * time.Second, HTTPClient: odooHTTP})
	if err != nil {
		t.Fatal(err)
	}
	e.tokens, err = auth.NewTokens(testSigningKey, e.odoo.DB(), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.authn = auth.NewAuthenticator(odoo, auth.Options{Tokens: e.tokens})
	endpoint := mcp.New(mcp.Config{Odoo: odoo, Auth: e.authn, Version: "test", Logger: log})
	e.runner = endpoint.InProcess()
	// The orchestrator needs the server's URL, the application needs the
	// orchestrator: the server starts first and serves the application
	// once it is built (before any request).
	e.appSrv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { e.app.ServeHTTP(w, r) }))
	e.closers = append(e.closers, e.appSrv.Close)

	// The fake Letta reaches odoo-mcp at publicURL through this client.
	appAddr := e.appSrv.Listener.Addr().String()
	mcpTransport := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, appAddr)
		},
	}
	mcpHTTP := &http.Client{Transport: hostRewrite{mcpTransport, appAddr}}
	e.closers = append(e.closers, mcpTransport.CloseIdleConnections)
	lopts := fakeletta.Options{Version: version, AllowPrivateURLs: true, HTTPClient: mcpHTTP, Models: eo.models}
	if !eo.noSpec {
		if v := specValidator(t, version); v != nil {
			e.spec = v
			lopts.Validator = v
		}
	}
	e.letta = fakeletta.New(lopts)
	e.lettaSrv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if e.lettaOff.Load() {
			panic(http.ErrAbortHandler) // the connection drops: Letta is "down"
		}
		e.letta.ServeHTTP(w, r)
	}))
	e.closers = append(e.closers, e.lettaSrv.Close)

	e.orch = e.newOrchestrator(func(o *Options) {
		o.Logger = log
		if eo.orch != nil {
			eo.orch(o)
		}
	})
	e.tokens.SetRevocations(e.orch)
	e.app = httpapp.New(httpapp.Config{MCP: endpoint.Handler(), Threads: e.orch, Auth: e.authn, Rate: eo.rate, Logger: log,
		Public: []httpapp.Mount{{Paths: []string{"/api/v1/admin/usage"}, Handler: e.orch.AdminUsageHandler()}}})
	e.client = &http.Client{Transport: &http.Transport{}}
	e.closers = append(e.closers, e.client.CloseIdleConnections)
	if eo.register {
		if err := e.orch.Register(context.Background()); err != nil {
			t.Fatalf("register: %v", err)
		}
	}
	return e
}

// newOrchestrator builds an orchestrator on the same Letta: another
// replica of odoo-mcp.
func (e *env) newOrchestrator(mutate func(*Options)) *Orchestrator {
	e.t.Helper()
	hc := &http.Client{Transport: letta.NewTransport()}
	e.closers = append(e.closers, hc.CloseIdleConnections)
	timeout := e.lettaTimeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	lc, err := letta.New(e.lettaSrv.URL, letta.Options{HTTPClient: hc, Timeout: timeout})
	if err != nil {
		e.t.Fatal(err)
	}
	opts := Options{
		Letta: lc, Tokens: e.tokens, PublicURL: publicURL, Tools: allTools,
		RevocationCacheTTL: 50 * time.Millisecond, RetryMin: 5 * time.Millisecond, RetryMax: 20 * time.Millisecond,
		// The tests written for MCP mode say so; client-mode tests set
		// ToolModeClient (or auto) themselves.
		ToolMode: ToolModeMCP, Runner: e.runner,
	}
	if mutate != nil {
		mutate(&opts)
	}
	o, err := New(opts)
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

func (e *env) close() {
	for i := len(e.closers) - 1; i >= 0; i-- {
		e.closers[i]()
	}
	if e.spec != nil {
		for _, f := range e.spec.failures() {
			e.t.Errorf("a request to Letta does not validate against Letta %s's OpenAPI spec: %s", e.version, f)
		}
	}
	if e.t.Failed() {
		e.t.Logf("odoo-mcp logs:\n%s", e.logs.String())
	}
}

// hostRewrite sends the listener's own address as Host, as a reverse proxy
// in front of odoo-mcp does (nginx's default): the MCP SDK refuses a
// non-loopback Host arriving on a loopback listener (DNS-rebinding guard).
type hostRewrite struct {
	base http.RoundTripper
	host string
}

func (h hostRewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Host = h.host
	return h.base.RoundTrip(r)
}

// specValidator returns the spec validator of the version, or nil (and says
// why) when ../shared/letta is absent.
func specValidator(t testing.TB, version string) *recordingValidator {
	dir, err := lettaspec.FindDir()
	if err != nil {
		t.Logf("not validating requests to Letta against its OpenAPI spec: %v (Letta's specs live in ../shared/letta beside the checkout)", err)
		return nil
	}
	v, err := lettaspec.LoadWithOptions(dir, lettaspec.ForServerVersion(version), lettaspec.Options{
		RejectUnknownQuery: true,
		// The letta client's one documented deviation (letta/README.md).
		AllowQuery: map[string][]string{"GET /v1/agents/{agent_id}/tools": {"limit"},
			// The 0.11.7 tag reads step feedback from the query; the spec (14
			// days later) has a body, which the client sends too.
			"PATCH /v1/steps/{step_id}/feedback": {"feedback"}},
	})
	if err != nil {
		t.Fatalf("load Letta spec: %v", err)
	}
	return &recordingValidator{v: v}
}

// recordingValidator validates every request the fake Letta receives and
// remembers the failures, so that a request odoo-mcp tolerates a refusal of
// (a delete in an undo, say) still fails the test.
type recordingValidator struct {
	v    *lettaspec.Validator
	mu   sync.Mutex
	errs []string
}

func (r *recordingValidator) ValidateRequest(req *http.Request) error {
	err := r.v.ValidateRequest(req)
	if err != nil {
		r.mu.Lock()
		r.errs = append(r.errs, req.Method+" "+req.URL.Path+": "+err.Error())
		r.mu.Unlock()
	}
	return err
}

func (r *recordingValidator) failures() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errs...)
}

func basic(login, key string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(login+":"+key))
}

var (
	admin = basic(fakeodoo.AdminLogin, fakeodoo.AdminKey)
	demo  = basic(fakeodoo.DemoLogin, fakeodoo.DemoKey)
)

// response is an answer of odoo-mcp.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("not a JSON object (%d): %s", r.status, r.body)
	}
	return m
}

func (r response) thread(t testing.TB) Thread {
	t.Helper()
	var th Thread
	if err := json.Unmarshal(r.body, &th); err != nil {
		t.Fatalf("not a thread (%d): %s", r.status, r.body)
	}
	return th
}

// do sends a request to odoo-mcp; body is JSON-encoded unless it is a
// string (sent as is).
func (e *env) do(method, path, authorization string, body any, header ...string) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.appSrv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// declare PUTs a thread and fails the test unless it answers want.
func (e *env) declare(authorization, threadID string, spec any, want int) Thread {
	e.t.Helper()
	r := e.do(http.MethodPut, "/api/v1/threads/"+threadID, authorization, spec)
	if r.status != want {
		e.t.Fatalf("PUT thread %s: %d, want %d: %s", threadID, r.status, want, r.body)
	}
	return r.thread(e.t)
}

// sseEvent is one event of a reply stream.
type sseEvent struct {
	Name string
	Data map[string]any
}

func parseSSE(t testing.TB, body []byte) []sseEvent {
	t.Helper()
	var out []sseEvent
	r := sse.NewReader(bytes.NewReader(body), sse.Options{})
	for {
		ev, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil || ev.Unterminated {
			t.Fatalf("bad SSE stream (%v) %q", err, body)
		}
		var d map[string]any
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			t.Fatalf("bad SSE data %q: %v", ev.Data, err)
		}
		out = append(out, sseEvent{Name: ev.Type, Data: d})
	}
}

// send posts a message and returns the SSE events.
func (e *env) send(authorization, threadID, content string) (response, []sseEvent) {
	e.t.Helper()
	r := e.do(http.MethodPost, "/api/v1/threads/"+threadID+"/messages", authorization, map[string]string{"content": content})
	if r.status != http.StatusOK {
		return r, nil
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		e.t.Fatalf("message answer is %q, not an event stream: %s", ct, r.body)
	}
	return r, parseSSE(e.t, r.body)
}

// agent returns the fake Letta's agent, failing the test when it is gone.
func (e *env) agent(id string) fakeletta.Agent {
	e.t.Helper()
	a, ok := e.letta.Agent(id)
	if !ok {
		e.t.Fatalf("agent %s is not in Letta", id)
	}
	return a
}

// threadAgents are the agents of odoo-mcp in the fake Letta whose metadata
// names threadID.
func (e *env) threadAgents(threadID string) []fakeletta.Agent {
	var out []fakeletta.Agent
	for _, a := range e.letta.Agents() {
		if m, ok := decodeMeta(a.Metadata); ok && m.ThreadID == threadID {
			out = append(out, a)
		}
	}
	return out
}

// requests counts the fake Letta's received requests matching method and
// a path prefix.
func (e *env) requests(method, pathPrefix string) int {
	n := 0
	for _, r := range e.letta.Requests() {
		if r.Method == method && strings.HasPrefix(r.Path, pathPrefix) {
			n++
		}
	}
	return n
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func names(evs []sseEvent) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.Name
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// appWithThreads is an application serving only o's thread API (another
// replica's, in concurrency tests).
func (e *env) appWithThreads(o *Orchestrator) http.Handler {
	return httpapp.New(httpapp.Config{Threads: o, Auth: e.authn})
}

// lockedBuffer is a buffer the server writes while the test reads.
type lockedBuffer = lockedbuf.Buffer
