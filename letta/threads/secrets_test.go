package threads

import (
	"net/http"
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/fakeletta"
	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
)

// TestNoSecretInLogsOrErrors runs a full life cycle, including a Letta
// error that echoes the request (as NEW's 422 bodies do), and searches
// every log line and every answer for every secret involved.
func TestNoSecretInLogsOrErrors(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		e := newEnv(t, version)
		var answers []string
		keep := func(r response) response { answers = append(answers, string(r.body)); return r }

		th := e.declare(admin, "s", Spec{Model: chatModel, Tools: &[]string{"odoo_record_retriever"}}, http.StatusCreated)
		first := e.agent(th.AgentID).EnvVars[TokenVar]
		r, _ := e.send(admin, "s", retrieverCall)
		keep(r)

		// Letta refuses the reissue and echoes the agent's token back.
		e.letta.SetFault(fakeletta.Fault{Method: "PATCH", Path: "/v1/agents/{agent_id}", Status: 422,
			Body: `{"detail":"[{'type': 'value_error', 'loc': ('body', 'secrets'), 'input': {'ODOO_MCP_TOKEN': '` + first + `'}}]"}`})
		bad := keep(e.do(http.MethodPut, "/api/v1/threads/s", admin, Spec{Model: chatModel, Tools: &[]string{"odoo_model_inspector"}}))
		if bad.status != http.StatusBadGateway {
			t.Fatalf("reissue refused by Letta: %d %s", bad.status, bad.body)
		}
		e.declare(admin, "s", Spec{Model: chatModel, Tools: &[]string{"odoo_model_inspector"}}, http.StatusOK)
		second := e.agent(th.AgentID).EnvVars[TokenVar]
		keep(e.do(http.MethodGet, "/api/v1/threads/s", "Bearer "+second, nil))
		keep(e.postMCP(t, first, th.AgentID))
		keep(e.do(http.MethodGet, "/api/v1/threads", basic(fakeodoo.AdminLogin, "wrong-key-0123456789"), nil))
		keep(e.do(http.MethodDelete, "/api/v1/threads/s", admin, nil))

		secrets := map[string]string{
			"signing key": testSigningKey, "admin key": fakeodoo.AdminKey, "demo key": fakeodoo.DemoKey,
			"first token": first, "second token": second, "listing token": e.tokens.ListingToken(),
			"wrong key": "wrong-key-0123456789",
		}
		logs := e.logs.String()
		for name, s := range secrets {
			if strings.Contains(logs, s) {
				t.Errorf("the %s is in the logs", name)
			}
			for _, a := range answers {
				if strings.Contains(a, s) {
					t.Errorf("the %s is in an answer: %s", name, a)
				}
			}
		}
		if !strings.Contains(bad.json(t)["message"].(string), "[redacted token]") {
			t.Errorf("Letta's echo was not redacted but dropped or kept: %s", bad.body)
		}
	})
}
