package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/fakeletta"
	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/letta/lettaspec"
	"github.com/odoo-mcp/odoo-mcp/letta/threads"
	"github.com/odoo-mcp/odoo-mcp/letta/threads/threadclient"
	"github.com/odoo-mcp/odoo-mcp/sse"
)

// The whole Letta loop with the built binary: a client declares a thread,
// sends a message; the fake Letta's agent calls an Odoo tool back through
// odoo-mcp's /mcp with its thread token; the fake Odoo answers; the client
// sees the tool call, its result and the answer streamed. Then the agent's
// token is tried where it must fail.

const (
	thSigningKey = "e2e-signing-key-00112233445566778899aabbccddeeff"
	// thPublicURL is a public-looking name (Letta 0.16.7+ refuses private
	// URLs): the fake Letta dials the binary for it.
	thPublicURL = "http://odoo-mcp.e2e.example"
	thModel     = "openai/gpt-4o-mini"
)

// thStack is a fake Odoo and a fake Letta in this process, and the binary
// between them.
type thStack struct {
	odoo   *httptest.Server
	letta  *fakeletta.Server
	lettaS *httptest.Server
	p      *process
	spec   *thSpecCheck
}

// startThreadStack starts the fakes and the binary. The fake Letta reaches
// the binary at thPublicURL through a dialer that waits for the binary's
// address.
func startThreadStack(t *testing.T, lettaVersion string, extraEnv ...string) *thStack {
	t.Helper()
	s := &thStack{}
	fake := fakeodoo.New(fakeodoo.Options{Version: "18.0", DB: "e2e"})
	s.odoo = httptest.NewServer(fake)
	t.Cleanup(s.odoo.Close)

	var (
		mu     sync.Mutex
		target string
		ready  = make(chan struct{})
	)
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		select {
		case <-ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		mu.Lock()
		addr := target
		mu.Unlock()
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	transport := &http.Transport{DialContext: dial}
	t.Cleanup(transport.CloseIdleConnections)
	opts := fakeletta.Options{Version: lettaVersion, AllowPrivateURLs: true,
		HTTPClient: &http.Client{Transport: thHostRewrite{transport, func() string { mu.Lock(); defer mu.Unlock(); return target }}}}
	if dir, err := lettaspec.FindDir(); err == nil {
		v, err := lettaspec.LoadWithOptions(dir, lettaspec.ForServerVersion(lettaVersion), lettaspec.Options{
			RejectUnknownQuery: true,
			AllowQuery: map[string][]string{"GET /v1/agents/{agent_id}/tools": {"limit"},
				// The 0.11.7 tag reads step feedback from the query; the spec (14
				// days later) has a body, which the client sends too.
				"PATCH /v1/steps/{step_id}/feedback": {"feedback"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		s.spec = &thSpecCheck{v: v}
		opts.Validator = s.spec
		t.Cleanup(func() {
			for _, f := range s.spec.failures() {
				t.Errorf("odoo-mcp sent Letta %s a request its OpenAPI spec refuses: %s", lettaVersion, f)
			}
		})
	} else {
		t.Logf("not validating odoo-mcp's requests against Letta's OpenAPI spec: %v", err)
	}
	s.letta = fakeletta.New(opts)
	s.lettaS = httptest.NewServer(s.letta)
	t.Cleanup(s.lettaS.Close)

	env := append([]string{
		"ODOO_URL=" + s.odoo.URL, "ODOO_DB=e2e",
		"LETTA_BASE_URL=" + s.lettaS.URL, "ODOO_MCP_PUBLIC_URL=" + thPublicURL, "ODOO_MCP_SIGNING_KEY=" + thSigningKey,
		"LETTA_TOOL_MODE=mcp", // the stack tests MCP mode unless extraEnv says otherwise
	}, extraEnv...)
	s.p = startBinary(t, env)
	u, _ := url.Parse(s.p.URL)
	mu.Lock()
	target = u.Host
	mu.Unlock()
	close(ready)
	return s
}

// thHostRewrite sends the binary's own address as Host, as a reverse proxy
// would: the MCP SDK refuses a foreign Host on a loopback listener.
type thHostRewrite struct {
	base http.RoundTripper
	host func() string
}

func (h thHostRewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Host = h.host()
	return h.base.RoundTrip(r)
}

type thSpecCheck struct {
	v    *lettaspec.Validator
	mu   sync.Mutex
	errs []string
}

func (c *thSpecCheck) ValidateRequest(r *http.Request) error {
	err := c.v.ValidateRequest(r)
	if err != nil {
		c.mu.Lock()
		c.errs = append(c.errs, r.Method+" "+r.URL.Path+": "+err.Error())
		c.mu.Unlock()
	}
	return err
}

func (c *thSpecCheck) failures() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.errs...)
}

// thDo sends a request to the binary and returns status and body.
func thDo(t *testing.T, p *process, method, path, authorization, body string, header ...string) (int, []byte, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, p.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, b, resp.Header
}

// thClient is a thread API client of the binary with one credential.
func thClient(t *testing.T, p *process, authorization string) *threadclient.Client {
	t.Helper()
	c, err := threadclient.New(p.URL, authorization, threadclient.Options{HTTPClient: &http.Client{Timeout: 60 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type thEvent struct {
	name string
	data map[string]any
}

// thSend sends a message and reads its whole reply.
func thSend(t *testing.T, c *threadclient.Client, threadID, content string) []thEvent {
	t.Helper()
	s, err := c.Send(t.Context(), threadID, content)
	if err != nil {
		t.Fatalf("POST message: %v", err)
	}
	defer s.Close()
	var out []thEvent
	for {
		ev, err := s.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("reading the reply after %d events: %v", len(out), err)
		}
		var d map[string]any
		if err := ev.Decode(&d); err != nil {
			t.Fatalf("bad SSE data %q", ev.Data)
		}
		out = append(out, thEvent{ev.Name, d})
	}
}

// thParseSSE reads a whole thread-API reply already in memory.
func thParseSSE(t *testing.T, body []byte) []thEvent {
	t.Helper()
	r := sse.NewReader(bytes.NewReader(body), sse.Options{})
	var out []thEvent
	for {
		ev, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("reading the reply after %d events: %v", len(out), err)
		}
		var d map[string]any
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			t.Fatalf("bad SSE data %q", ev.Data)
		}
		out = append(out, thEvent{ev.Type, d})
	}
}

const thInitialize = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}`

// thMCPSession opens an MCP session with the agent's token, as Letta does.
func thMCPSession(t *testing.T, p *process, token, agentID string) *gomcp.ClientSession {
	t.Helper()
	h := http.Header{}
	h.Set("Authorization", "Bearer "+token)
	h.Set("X-Agent-Id", agentID)
	transport := &gomcp.StreamableClientTransport{Endpoint: p.URL + "/mcp",
		HTTPClient: &http.Client{Transport: withHeaders{h, http.DefaultTransport}, Timeout: 30 * time.Second}}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cs, err := gomcp.NewClient(&gomcp.Implementation{Name: "e2e", Version: "v0"}, nil).Connect(ctx, transport, nil)
	if err != nil {
		t.Fatalf("MCP session with the thread token: %v", err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func TestThreadsEndToEnd(t *testing.T) {
	for _, version := range []string{fakeletta.VersionOld, fakeletta.VersionNew} {
		t.Run("letta-"+version, func(t *testing.T) {
			s := startThreadStack(t, version)
			p := s.p
			admin := basicAuth(fakeodoo.AdminLogin, fakeodoo.AdminKey)
			waitForLog(t, p, "registered with Letta", 30*time.Second)

			// What the fake Odoo holds, asked directly with the admin's key.
			cs, err := connectMCP(t, p, admin)
			if err != nil {
				t.Fatal(err)
			}
			direct, err := cs.CallTool(t.Context(), &gomcp.CallToolParams{Name: "odoo_record_retriever",
				Arguments: map[string]any{"model": "res.partner", "fields": []string{"name"}, "limit": 2}})
			if err != nil || direct.IsError {
				t.Fatalf("direct retriever: %v %v", direct, err)
			}
			var recs struct{ Records []struct{ Name string } }
			if err := json.Unmarshal([]byte(direct.Content[0].(*gomcp.TextContent).Text), &recs); err != nil || len(recs.Records) != 2 {
				t.Fatalf("direct retriever result: %v", err)
			}

			// Declare the thread.
			api := thClient(t, p, admin)
			th, err := api.Declare(t.Context(), "e2e-1", threads.Spec{Model: thModel, Tools: &[]string{"odoo_record_retriever"}})
			if err != nil || !th.Created || th.AgentID == "" {
				t.Fatalf("PUT thread: %+v %v", th, err)
			}

			// Send a message: the agent calls the retriever through /mcp.
			evs := thSend(t, api, "e2e-1", `call odoo_record_retriever {"model":"res.partner","fields":["name"],"limit":2}`)
			var seen []string
			var answer strings.Builder
			for _, ev := range evs {
				seen = append(seen, ev.name)
				switch ev.name {
				case "tool_call":
					if ev.data["name"] != "odoo_record_retriever" {
						t.Errorf("tool_call %v", ev.data)
					}
				case "tool_return":
					content, _ := ev.data["content"].(string)
					if ev.data["status"] != "success" {
						t.Errorf("tool_return %v", ev.data)
					}
					for _, r := range recs.Records {
						if !strings.Contains(content, r.Name) {
							t.Errorf("tool_return lacks partner %q: %s", r.Name, content)
						}
					}
				case "content":
					answer.WriteString(ev.data["text"].(string))
				case "error":
					t.Errorf("error event %v", ev.data)
				}
			}
			for _, want := range []string{"tool_call", "tool_return", "content", "usage", "done"} {
				if !strings.Contains(strings.Join(seen, " "), want) {
					t.Errorf("no %s event in %v", want, seen)
				}
			}
			if len(evs) == 0 || evs[len(evs)-1].name != "done" || evs[len(evs)-1].data["finish_reason"] != "stop" {
				t.Fatalf("the stream does not end with done/stop: %v", seen)
			}
			if !strings.Contains(answer.String(), "odoo_record_retriever returned:") || !strings.Contains(answer.String(), recs.Records[0].Name) {
				t.Errorf("answer %q", answer.String())
			}

			// The agent's token, as Letta holds it.
			a, ok := s.letta.Agent(th.AgentID)
			token := a.EnvVars["ODOO_MCP_TOKEN"]
			if !ok || token == "" {
				t.Fatalf("agent %s has no ODOO_MCP_TOKEN", th.AgentID)
			}
			agentSession := thMCPSession(t, p, token, th.AgentID)
			list, err := agentSession.ListTools(t.Context(), nil)
			if err != nil || len(list.Tools) != 1 || list.Tools[0].Name != "odoo_record_retriever" {
				t.Errorf("the thread token lists %v (%v), want only the retriever", list, err)
			}
			// A tool outside the thread is refused.
			res, err := agentSession.CallTool(t.Context(), &gomcp.CallToolParams{Name: "odoo_record_creator",
				Arguments: map[string]any{"model": "res.partner", "records": []any{map[string]any{"name": "Intruder"}}}})
			if err == nil && !res.IsError {
				t.Errorf("a tool outside the thread ran: %v", res.Content)
			}
			// Another agent's X-Agent-Id is refused.
			status, body, _ := thDo(t, p, http.MethodPost, "/mcp", "Bearer "+token, thInitialize,
				"Accept", "application/json, text/event-stream", "X-Agent-Id", "agent-00000000-0000-4000-8000-000000000000")
			if status != http.StatusForbidden {
				t.Errorf("wrong X-Agent-Id: %d %s, want 403", status, body)
			}
			// The thread token cannot manage threads.
			if _, err := thClient(t, p, "Bearer "+token).List(t.Context()); threadclient.StatusOf(err) != http.StatusUnauthorized {
				t.Errorf("thread API with a thread token: %v, want HTTP 401", err)
			}

			// A deleted thread's token is refused within 10 s.
			if err := api.Delete(t.Context(), "e2e-1"); err != nil {
				t.Fatalf("DELETE: %v", err)
			}
			deadline := time.Now().Add(15 * time.Second)
			for {
				status, body, _ = thDo(t, p, http.MethodPost, "/mcp", "Bearer "+token, thInitialize,
					"Accept", "application/json, text/event-stream", "X-Agent-Id", th.AgentID)
				if status == http.StatusUnauthorized {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the deleted thread's token still works: %d %s", status, body)
				}
				time.Sleep(100 * time.Millisecond)
			}
			if _, ok := s.letta.Agent(th.AgentID); ok {
				t.Error("the agent is still in Letta")
			}

			for name, secret := range map[string]string{"admin key": fakeodoo.AdminKey, "signing key": thSigningKey, "thread token": token} {
				if strings.Contains(p.Logs(), secret) {
					t.Errorf("the %s is in the binary's logs", name)
				}
			}
		})
	}
}

// TestThreadsStartupProblems: what an operator sees when Letta is down,
// refuses the public URL, or the configuration is incomplete.
func TestThreadsStartupProblems(t *testing.T) {
	admin := basicAuth(fakeodoo.AdminLogin, fakeodoo.AdminKey)
	t.Run("Letta down: /mcp serves, registration retries", func(t *testing.T) {
		fake := fakeodoo.New(fakeodoo.Options{Version: "18.0", DB: "e2e"})
		odoo := httptest.NewServer(fake)
		t.Cleanup(odoo.Close)
		p := startBinary(t, []string{"ODOO_URL=" + odoo.URL, "ODOO_DB=e2e", "LETTA_BASE_URL=http://" + freeAddr(t),
			"ODOO_MCP_PUBLIC_URL=" + thPublicURL, "ODOO_MCP_SIGNING_KEY=" + thSigningKey, "LETTA_TOOL_MODE=mcp"})
		waitForLog(t, p, "cannot register with Letta yet; will retry", 15*time.Second)
		if _, err := connectMCP(t, p, admin); err != nil {
			t.Errorf("/mcp does not serve while Letta is down: %v", err)
		}
		status, body, _ := thDo(t, p, http.MethodPut, "/api/v1/threads/x", admin, `{"model":"`+thModel+`"}`)
		if status != http.StatusServiceUnavailable || !strings.Contains(string(body), "Letta") {
			t.Errorf("PUT while Letta is down: %d %s", status, body)
		}
	})
	t.Run("Letta 0.16.8 refuses a loopback public URL", func(t *testing.T) {
		s := startThreadStack(t, fakeletta.VersionNew, "ODOO_MCP_PUBLIC_URL=http://127.0.0.1:8808")
		waitForLog(t, s.p, "Letta will not accept odoo-mcp's MCP URL", 15*time.Second)
		status, body, _ := thDo(t, s.p, http.MethodPut, "/api/v1/threads/x", admin, `{"model":"`+thModel+`"}`)
		if status != http.StatusServiceUnavailable || !strings.Contains(string(body), "ODOO_MCP_PUBLIC_URL") {
			t.Errorf("PUT: %d %s", status, body)
		}
	})
	t.Run("secrets are not shown as flag defaults", func(t *testing.T) {
		cmd := exec.Command(buildBinary(t), "serve", "-h")
		cmd.Env = append(os.Environ(), "LETTA_API_KEY=sk-let-0123456789", "ODOO_MCP_SIGNING_KEY="+thSigningKey)
		out, _ := cmd.CombinedOutput()
		if !strings.Contains(string(out), "-letta-api-key") || strings.Contains(string(out), "sk-let-0123456789") || strings.Contains(string(out), thSigningKey) {
			t.Errorf("serve -h:\n%s", out)
		}
	})
	for _, tc := range []struct {
		name, want string
		env        []string
	}{
		{"no signing key", "ODOO_MCP_SIGNING_KEY", []string{"ODOO_MCP_PUBLIC_URL=" + thPublicURL}},
		{"short signing key", "too short", []string{"ODOO_MCP_PUBLIC_URL=" + thPublicURL, "ODOO_MCP_SIGNING_KEY=short"}},
		{"no public URL", "ODOO_MCP_PUBLIC_URL", []string{"ODOO_MCP_SIGNING_KEY=" + thSigningKey}},
		{"bad server name", "LETTA_MCP_SERVER_NAME", []string{"ODOO_MCP_PUBLIC_URL=" + thPublicURL, "ODOO_MCP_SIGNING_KEY=" + thSigningKey, "LETTA_MCP_SERVER_NAME=odoo:mcp"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(buildBinary(t), "serve", "--listen", freeAddr(t))
			cmd.Env = append(os.Environ(), append([]string{"ODOO_URL=http://127.0.0.1:1", "ODOO_DB=x", "LETTA_BASE_URL=http://127.0.0.1:2", "LETTA_TOOL_MODE=mcp"}, tc.env...)...)
			out, err := cmd.CombinedOutput()
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), tc.want) {
				t.Errorf("exit %v, output:\n%s\nwant exit 2 naming %s", err, out, tc.want)
			}
			if strings.Contains(string(out), thSigningKey) {
				t.Error("the signing key is in the output")
			}
		})
	}
}

// TestThreadsClientToolsMode: the binary with nothing but LETTA_BASE_URL and
// the Odoo settings (no public URL, no signing key) on Letta 0.16.8 chooses
// client tools, registers nothing, and runs the agent's calls itself.
func TestThreadsClientToolsMode(t *testing.T) {
	s := startThreadStack(t, fakeletta.VersionNew, "ODOO_MCP_PUBLIC_URL=", "ODOO_MCP_SIGNING_KEY=", "LETTA_TOOL_MODE=")
	admin := basicAuth(fakeodoo.AdminLogin, fakeodoo.AdminKey)
	waitForLog(t, s.p, "Letta tool mode", 30*time.Second)
	status, body, _ := thDo(t, s.p, http.MethodPut, "/api/v1/threads/c-1", admin,
		`{"model":"`+thModel+`","tools":["odoo_record_retriever","odoo_record_creator"],"approve":["odoo_record_creator"]}`)
	if status != http.StatusCreated {
		t.Fatalf("PUT thread: %d %s", status, body)
	}
	status, body, _ = thDo(t, s.p, http.MethodPost, "/api/v1/threads/c-1/messages", admin,
		`{"content":"call odoo_record_retriever {\"model\":\"res.partner\",\"fields\":[\"name\"],\"limit\":2}"}`)
	evs := thParseSSE(t, body)
	if status != http.StatusOK || len(evs) == 0 || evs[len(evs)-1].data["finish_reason"] != "stop" {
		t.Fatalf("message: %d %s", status, body)
	}
	var text string
	for _, ev := range evs {
		if ev.name == "content" {
			text += ev.data["text"].(string)
		}
	}
	if !strings.HasPrefix(text, "odoo_record_retriever returned: ") {
		t.Errorf("content %q", text)
	}
	if n := len(s.letta.MCPServers()); n != 0 {
		t.Errorf("client mode registered %d MCP servers", n)
	}
	// A write waits for approval; the answer resumes the run.
	_, body, _ = thDo(t, s.p, http.MethodPost, "/api/v1/threads/c-1/messages", admin,
		`{"content":"call odoo_record_creator {\"model\":\"res.partner\",\"fields\":[{\"field\":\"name\",\"value\":\"E2E\"}]}"}`)
	evs = thParseSSE(t, body)
	var callID string
	for _, ev := range evs {
		if ev.name == "approval_required" {
			callID, _ = ev.data["id"].(string)
		}
	}
	if callID == "" || evs[len(evs)-1].data["finish_reason"] != "approval_required" {
		t.Fatalf("no approval asked: %s", body)
	}
	status, body, _ = thDo(t, s.p, http.MethodPost, "/api/v1/threads/c-1/approvals", admin,
		`{"decisions":[{"id":"`+callID+`","approve":true}]}`)
	evs = thParseSSE(t, body)
	if status != http.StatusOK || len(evs) == 0 || evs[len(evs)-1].data["finish_reason"] != "stop" || !strings.Contains(string(body), "odoo_record_creator returned") {
		t.Errorf("approval: %d %s", status, body)
	}
}
