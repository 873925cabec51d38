package threads

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/fakeletta"
	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/letta"
)

// mcpSession opens an MCP session to odoo-mcp as Letta would for an agent.
func (e *env) mcpSession(t *testing.T, token, agentID string) (*gomcp.ClientSession, error) {
	t.Helper()
	var rt http.RoundTripper = headerRT{"Authorization", "Bearer " + token, e.client.Transport}
	if agentID != "" {
		rt = headerRT{"X-Agent-Id", agentID, rt}
	}
	transport := &gomcp.StreamableClientTransport{Endpoint: e.appSrv.URL + "/mcp", HTTPClient: &http.Client{Transport: rt}, MaxRetries: -1}
	cs, err := gomcp.NewClient(&gomcp.Implementation{Name: "t", Version: "1"}, nil).Connect(t.Context(), transport, nil)
	if err == nil {
		t.Cleanup(func() { cs.Close() })
	}
	return cs, err
}

func TestThreadTokenOnMCP(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		// Every token check asks Letta (no revocation cache).
		e := newEnv(t, version, func(o *envOptions) { o.orch = func(opts *Options) { opts.RevocationCacheTTL = time.Nanosecond } })
		th := e.declare(admin, "m", Spec{Model: chatModel, Tools: &[]string{"odoo_record_retriever"}}, http.StatusCreated)
		token := e.agent(th.AgentID).EnvVars[TokenVar]
		args := map[string]any{"model": "res.partner", "fields": []string{"name"}, "limit": 1}

		// Letta unreachable: a token never seen before cannot be checked:
		// 503 naming Letta, not 401.
		e.lettaOff.Store(true)
		r := e.postMCP(t, token, th.AgentID)
		e.lettaOff.Store(false)
		if r.status != http.StatusServiceUnavailable || r.json(t)["error"] != "letta_unavailable" || r.header.Get("Retry-After") == "" {
			t.Errorf("/mcp with Letta down: %d %s, want 503 letta_unavailable", r.status, r.body)
		}

		cs, err := e.mcpSession(t, token, th.AgentID)
		if err != nil {
			t.Fatal(err)
		}
		list, err := cs.ListTools(t.Context(), nil)
		if err != nil || len(list.Tools) != 1 || list.Tools[0].Name != "odoo_record_retriever" {
			t.Fatalf("tools/list with a thread token: %v %v", list, err)
		}
		if res, err := cs.CallTool(t.Context(), &gomcp.CallToolParams{Name: "odoo_record_retriever", Arguments: args}); err != nil || res.IsError {
			t.Fatalf("the thread's tool: %v %v", res, err)
		}
		res, err := cs.CallTool(t.Context(), &gomcp.CallToolParams{Name: "odoo_record_creator",
			Arguments: map[string]any{"model": "res.partner", "records": []any{map[string]any{"name": "X"}}}})
		if err == nil && !res.IsError {
			t.Fatalf("a tool outside the thread ran: %v", res)
		}
		if _, err := e.mcpSession(t, token, "agent-00000000-0000-4000-8000-000000000000"); err == nil || !strings.Contains(err.Error(), "403") && !strings.Contains(err.Error(), "Forbidden") {
			t.Errorf("another agent's X-Agent-Id: %v, want 403", err)
		}
		// The listing token lists and calls nothing.
		ls, err := e.mcpSession(t, e.tokens.ListingToken(), "")
		if err != nil {
			t.Fatal(err)
		}
		if l, err := ls.ListTools(t.Context(), nil); err != nil || len(l.Tools) != len(allTools) {
			t.Errorf("listing token tools/list: %v %v", l, err)
		}
		if res, err := ls.CallTool(t.Context(), &gomcp.CallToolParams{Name: "odoo_record_retriever", Arguments: args}); err == nil && !res.IsError {
			t.Errorf("the listing token called a tool: %v", res)
		}

		// Deleted: the token stops working once the authenticator's 5 s
		// cache of it expires (10 s at most across replicas).
		if r := e.do(http.MethodDelete, "/api/v1/threads/m", admin, nil); r.status != http.StatusNoContent {
			t.Fatal(r.status)
		}
		eventually(t, 10*time.Second, "the deleted thread's token to be refused on /mcp", func() bool {
			return e.postMCP(t, token, th.AgentID).status == http.StatusUnauthorized
		})
	})
}

// postMCP sends an initialize to /mcp with a thread token.
func (e *env) postMCP(t *testing.T, token, agentID string) response {
	t.Helper()
	return e.do(http.MethodPost, "/mcp", "Bearer "+token,
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`,
		"Accept", "application/json, text/event-stream", "X-Agent-Id", agentID)
}

func TestRevocationsFromLetta(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		e := newEnv(t, version)
		th := e.declare(admin, "r", Spec{Model: chatModel, Tools: &[]string{"odoo_record_retriever"}}, http.StatusCreated)
		token := e.agent(th.AgentID).EnvVars[TokenVar]
		// Another replica, whose cache knows nothing yet.
		other := e.newOrchestrator(nil)
		tokens2, err := auth.NewTokens(testSigningKey, e.odoo.DB(), 0, other)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tokens2.Verify(t.Context(), token); err != nil {
			t.Fatalf("the other replica refuses a good token: %v", err)
		}

		// Reissued on one replica: the other refuses the old token once its
		// cache (50 ms here, ≤5 s in production) expires.
		e.declare(admin, "r", Spec{Model: chatModel, Tools: &[]string{"odoo_record_retriever", "odoo_model_inspector"}}, http.StatusOK)
		newToken := e.agent(th.AgentID).EnvVars[TokenVar]
		eventually(t, 5*time.Second, "the old token to be refused on the other replica", func() bool {
			_, err := tokens2.Verify(t.Context(), token)
			return errors.Is(err, auth.ErrRevoked)
		})
		if _, err := tokens2.Verify(t.Context(), newToken); err != nil {
			t.Errorf("the reissued token on the other replica: %v", err)
		}

		// Deleted behind everyone's back.
		e.letta.DeleteAgentBehindBack(th.AgentID)
		eventually(t, 5*time.Second, "the token of an agent deleted in Letta to be refused", func() bool {
			_, err := tokens2.Verify(t.Context(), newToken)
			return errors.Is(err, auth.ErrRevoked)
		})

		// Agents that are not odoo-mcp's thread agents have no current token.
		foreign := createForeignAgent(t, e)
		if _, err := other.CurrentTokenID(t.Context(), foreign); !errors.Is(err, auth.ErrRevoked) {
			t.Errorf("an agent odoo-mcp does not manage: %v, want ErrRevoked", err)
		}
		if _, err := other.CurrentTokenID(t.Context(), "agent-not-an-id"); !errors.Is(err, auth.ErrRevoked) {
			t.Errorf("a malformed agent id: %v, want ErrRevoked", err)
		}

		// Letta down: an error that is not a refusal.
		e.lettaOff.Store(true)
		unknown := "agent-00000000-0000-4000-8000-00000000000"
		_, err = other.CurrentTokenID(t.Context(), unknown+"1")
		e.lettaOff.Store(false)
		if !errors.Is(err, letta.ErrUnavailable) || errors.Is(err, auth.ErrInvalid) {
			t.Errorf("Letta down: %v, want letta.ErrUnavailable and not ErrInvalid", err)
		}
		// Letta failing (500): same.
		e.letta.FailNext("GET", "/v1/agents/{agent_id}", 500)
		if _, err := other.CurrentTokenID(t.Context(), unknown+"2"); !errors.Is(err, letta.ErrUnavailable) {
			t.Errorf("Letta 500: %v, want letta.ErrUnavailable", err)
		}
	})
}

func createForeignAgent(t *testing.T, e *env) string {
	t.Helper()
	lc, err := letta.New(e.lettaSrv.URL, letta.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := lc.CreateAgent(t.Context(), letta.CreateAgentRequest{Model: chatModel, Embedding: fakeletta.DefaultEmbeddingModels[0],
		Tags: []string{"someone-else"}, Metadata: map[string]any{"odoo_mcp": map[string]any{"v": 1, "server": "odoo-mcp", "token_id": "x"}}})
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// TestTokenFollowsTheUsersKey: a thread used with another Odoo key of the
// same user (a rotated key) gets a token carrying that key, before the
// agent runs; the old key can then be revoked in Odoo.
func TestTokenFollowsTheUsersKey(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		e := newEnv(t, version)
		th := e.declare(admin, "k", Spec{Model: chatModel, Tools: &[]string{"odoo_record_retriever"}}, http.StatusCreated)
		oldToken := e.agent(th.AgentID).EnvVars[TokenVar]
		const newKey = "0123456789abcdef0123456789abcdef01234567"
		if err := e.odoo.AddAPIKey(fakeodoo.AdminUID, newKey); err != nil {
			t.Fatal(err)
		}
		rotated := basic(fakeodoo.AdminLogin, newKey)
		_, evs := e.send(rotated, "k", retrieverCall)
		if len(evs) == 0 || evs[len(evs)-1].Data["finish_reason"] != "stop" {
			t.Fatalf("message with the new key: %v", evs)
		}
		newToken := e.agent(th.AgentID).EnvVars[TokenVar]
		if newToken == oldToken {
			t.Fatal("the token still carries the old key")
		}
		id, err := e.tokens.Verify(t.Context(), newToken)
		if err != nil || id.Credentials.Key != newKey {
			t.Fatalf("new token: %v", err)
		}
		e.odoo.RevokeKey(fakeodoo.AdminKey)
		_, evs = e.send(rotated, "k", retrieverCall)
		for _, ev := range evs {
			if ev.Name == EventToolReturn && ev.Data["status"] != "success" {
				t.Errorf("tool call after the old key was revoked: %v", ev.Data)
			}
		}
	})
}
