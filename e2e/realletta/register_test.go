package realletta_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/e2e/realletta"
)

// sixTools are odoo-llm's six; allTools adds the aggregator, the seventh.
var (
	sixTools = []string{"odoo_model_inspector", "odoo_model_method_executor", "odoo_record_creator",
		"odoo_record_retriever", "odoo_record_unlinker", "odoo_record_updater"}
	allTools = append([]string{"odoo_record_aggregator"}, sixTools...)
)

// lettaTool is the part of Letta's Tool odoo-mcp relies on.
type lettaTool struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	ToolType   string         `json:"tool_type"`
	Tags       []string       `json:"tags"`
	JSONSchema map[string]any `json:"json_schema"`
}

// mcpTools returns Letta's tools tagged for the MCP server name.
func mcpTools(t *testing.T, l *realletta.Server, server string) map[string]lettaTool {
	t.Helper()
	var tools []lettaTool
	getJSON(t, l, "/v1/tools/?tool_types=external_mcp&limit=200", &tools)
	out := map[string]lettaTool{}
	for _, tl := range tools {
		for _, tag := range tl.Tags {
			if tag == "mcp:"+server {
				out[tl.Name] = tl
			}
		}
	}
	return out
}

// TestRegistration: odoo-mcp registers itself in the real Letta: the MCP
// server with the templated header, the seven tools synced and rated
// STRICT_COMPLIANT by Letta itself. 0.16.8 refuses the loopback URL and
// odoo-mcp says so clearly.
func TestRegistration(t *testing.T) {
	for _, version := range realletta.Versions {
		t.Run(version, func(t *testing.T) {
			l := realletta.Shared(t, version)
			p := startOdooMCP(t, newOdoo(t).URL, l)
			if version == "0.16.8" {
				// Letta itself refuses the loopback URL (odoo-mcp checks
				// before asking, so ask Letta directly)…
				status, body := do(t, http.MethodPost, l.URL+"/v1/mcp-servers/", "",
					`{"server_name":"loopback-probe","config":{"mcp_server_type":"streamable_http","server_url":"`+p.URL+`/mcp"}}`)
				if status < 400 || status >= 500 {
					t.Errorf("Letta 0.16.8 accepted a loopback MCP URL: %d %s", status, body)
				}
				t.Logf("Letta 0.16.8 refuses a loopback MCP URL with %d %s", status, body)
				// …and odoo-mcp says so clearly.
				waitForLog(t, p, "Letta will not accept odoo-mcp's MCP URL", 2*time.Minute)
				status, body = do(t, http.MethodPut, p.URL+"/api/v1/threads/refused", admin, `{"model":"`+realletta.Model+`"}`)
				if status != http.StatusServiceUnavailable || !strings.Contains(string(body), "letta_refuses_mcp_url") ||
					!strings.Contains(string(body), "0.16.6 or older") {
					t.Fatalf("declaring a thread with a refused MCP URL: %d %s, want 503 letta_refuses_mcp_url with the fix", status, body)
				}
				return
			}
			waitForLog(t, p, "registered with Letta", 2*time.Minute)

			var header string
			if version == "0.11.7" {
				var servers map[string]struct {
					Type          string            `json:"type"`
					ServerURL     string            `json:"server_url"`
					CustomHeaders map[string]string `json:"custom_headers"`
				}
				getJSON(t, l, "/v1/tools/mcp/servers", &servers)
				s, ok := servers["odoo-mcp"]
				if !ok || s.ServerURL != p.URL+"/mcp" || s.Type != "streamable_http" {
					t.Fatalf("Letta's MCP servers: %+v", servers)
				}
				header = s.CustomHeaders["Authorization"]
			} else {
				var servers []struct {
					ID            string            `json:"id"`
					ServerName    string            `json:"server_name"`
					Type          string            `json:"mcp_server_type"`
					ServerURL     string            `json:"server_url"`
					CustomHeaders map[string]string `json:"custom_headers"`
				}
				getJSON(t, l, "/v1/mcp-servers/", &servers)
				found := false
				for _, s := range servers {
					if s.ServerName == "odoo-mcp" {
						found = true
						header = s.CustomHeaders["Authorization"]
						if s.ServerURL != p.URL+"/mcp" || s.Type != "streamable_http" {
							t.Fatalf("Letta's MCP server: %+v", s)
						}
						var linked []lettaTool
						getJSON(t, l, "/v1/mcp-servers/"+s.ID+"/tools", &linked)
						if len(linked) != len(allTools) {
							t.Errorf("GET /v1/mcp-servers/{id}/tools lists %d tools, want %d", len(linked), len(allTools))
						}
					}
				}
				if !found {
					t.Fatalf("no odoo-mcp among Letta's MCP servers: %+v", servers)
				}
			}
			if !strings.HasPrefix(header, "Bearer {{ ODOO_MCP_TOKEN | ") || !strings.HasSuffix(header, " }}") {
				t.Errorf("Authorization header template = %q, want Bearer {{ ODOO_MCP_TOKEN | <listing token> }}", header)
			}

			tools := mcpTools(t, l, "odoo-mcp")
			for _, name := range allTools {
				tl, ok := tools[name]
				if !ok {
					t.Errorf("Letta has no tool %s tagged mcp:odoo-mcp (has %v)", name, keys(tools))
					continue
				}
				if st := tl.JSONSchema["mcp:SCHEMA_STATUS"]; st != "STRICT_COMPLIANT" {
					t.Errorf("Letta rates %s %v (%v), want STRICT_COMPLIANT", name, st, tl.JSONSchema["mcp:SCHEMA_WARNINGS"])
				}
			}

			// Letta's live listing (it connects with the listing token, the
			// template's default) and its health verdict.
			var live []struct {
				Name   string `json:"name"`
				Health struct {
					Status  string   `json:"status"`
					Reasons []string `json:"reasons"`
				} `json:"health"`
			}
			getJSON(t, l, "/v1/tools/mcp/servers/odoo-mcp/tools", &live)
			if len(live) != len(allTools) {
				t.Fatalf("Letta's live listing has %d tools, want %d: %+v", len(live), len(allTools), live)
			}
			for _, tl := range live {
				if tl.Health.Status != "STRICT_COMPLIANT" {
					t.Errorf("live listing rates %s %s %v", tl.Name, tl.Health.Status, tl.Health.Reasons)
				}
			}
		})
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
