package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
)

// TestInspectorCLI drives the binary with an MCP client written elsewhere:
// MCP Inspector's CLI (TypeScript SDK). It lists the tools in --strict mode
// (schema portability checks) and calls all seven, on an Odoo-18-style server
// with Basic credentials and an Odoo-19-style one with a bare key, and
// reads the record and attachment resources. .ci/run
// installs the inspector and sets INSPECTOR_CLI and CONFORMANCE_NODE.
func TestInspectorCLI(t *testing.T) {
	cli, node := os.Getenv("INSPECTOR_CLI"), os.Getenv("CONFORMANCE_NODE")
	if cli == "" || node == "" {
		requiredInCI(t)
		t.Skip("set INSPECTOR_CLI (@modelcontextprotocol/inspector's CLI) and CONFORMANCE_NODE (Node 22) to run; .ci/run does")
	}
	for _, tc := range []struct{ version, auth string }{
		{"18.0", basicAuth(fakeodoo.AdminLogin, fakeodoo.AdminKey)},
		{"19.0", "Bearer " + fakeodoo.AdminKey},
	} {
		t.Run(tc.version, func(t *testing.T) {
			_, srv := odooFor(t, tc.version)
			p := startBinary(t, odooEnv(srv))
			home := t.TempDir() // the inspector keeps a catalog under $HOME
			run := func(args ...string) map[string]any {
				t.Helper()
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				defer cancel()
				full := append([]string{cli, "--cli", p.URL + "/mcp", "--transport", "http",
					"--header", "Authorization: " + tc.auth, "--format", "json"}, args...)
				cmd := exec.CommandContext(ctx, node, full...)
				cmd.Env = append(os.Environ(), "HOME="+home, "PATH="+filepath.Dir(node)+":"+os.Getenv("PATH"), "NO_COLOR=1")
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("inspector %v: %v\n%s", args, err, out)
				}
				var v map[string]any
				if err := json.Unmarshal(out, &v); err != nil {
					t.Fatalf("inspector output is not JSON: %s", out)
				}
				return v["result"].(map[string]any)
			}
			list := run("--method", "tools/list", "--strict")
			if n := len(list["tools"].([]any)); n != 7 {
				t.Fatalf("inspector sees %d tools", n)
			}
			calls := []struct{ tool, args string }{
				{"odoo_model_inspector", `{"model":"res.partner","field_limit":3}`},
				{"odoo_record_creator", `{"model":"res.partner","fields":[{"field":"name","value":"Inspector Co"}]}`},
				{"odoo_record_retriever", `{"model":"res.partner","domain":[["name","=","Inspector Co"]],"fields":["name"]}`},
				{"odoo_record_updater", `{"model":"res.partner","domain":[["name","=","Inspector Co"]],"values":[{"field":"phone","value":"1"}]}`},
				{"odoo_model_method_executor", `{"model":"res.partner","method":"search_count","kwargs":[{"name":"domain","value":[["phone","=","1"]]}]}`},
				{"odoo_record_unlinker", `{"model":"res.partner","domain":[["name","=","Inspector Co"]]}`},
				{"odoo_record_aggregator", `{"model":"res.partner","group_by":["is_company"],"aggregates":["__count"]}`},
			}
			for _, c := range calls {
				res := run("--method", "tools/call", "--tool-name", c.tool, "--tool-args-json", c.args)
				if res["isError"] == true || res["structuredContent"] == nil {
					t.Fatalf("%s: %v", c.tool, res)
				}
				text := res["content"].([]any)[0].(map[string]any)["text"].(string)
				if !strings.HasPrefix(text, "{") {
					t.Fatalf("%s: text %q", c.tool, text)
				}
			}
			// Resources: the templates, a record and a file (issue 14).
			templates := run("--method", "resources/templates/list")
			if n := len(templates["resourceTemplates"].([]any)); n != 2 {
				t.Fatalf("inspector sees %d resource templates", n)
			}
			rec := run("--method", "resources/read", "--uri", "odoo://res.partner/7")
			if c := rec["contents"].([]any)[0].(map[string]any); c["mimeType"] != "application/json" || !strings.Contains(c["text"].(string), "Azure Interior") {
				t.Fatalf("record resource: %v", rec)
			}
			file := run("--method", "resources/read", "--uri", "odoo://ir.attachment/2/content")
			if c := file["contents"].([]any)[0].(map[string]any); c["mimeType"] != "text/plain" || c["blob"] == nil {
				t.Fatalf("attachment resource: %v", file)
			}
		})
	}
}

// TestConfigInspectorCommandsRun runs every command `odoo-mcp config
// inspector` prints, as printed, in a shell whose environment holds the
// credential, with MCP Inspector's CLI in place of npx: over stdio (the
// Inspector starts odoo-mcp) and over HTTP, on Odoo 18 with a login and
// on Odoo 19 with the key alone.
func TestConfigInspectorCommandsRun(t *testing.T) {
	cli, node := os.Getenv("INSPECTOR_CLI"), os.Getenv("CONFORMANCE_NODE")
	if cli == "" || node == "" {
		requiredInCI(t)
		t.Skip("set INSPECTOR_CLI (@modelcontextprotocol/inspector's CLI) and CONFORMANCE_NODE (Node 22) to run; .ci/run does")
	}
	for _, tc := range []struct {
		version   string
		transport string
		cred      []string
	}{
		{"18.0", "stdio", []string{"ODOO_LOGIN=" + fakeodoo.AdminLogin, "ODOO_API_KEY=" + fakeodoo.AdminKey}},
		{"19.0", "stdio", []string{"ODOO_API_KEY=" + fakeodoo.AdminKey}},
		{"18.0", "http", []string{"ODOO_LOGIN=" + fakeodoo.AdminLogin, "ODOO_API_KEY=" + fakeodoo.AdminKey}},
		{"19.0", "http", []string{"ODOO_API_KEY=" + fakeodoo.AdminKey}},
	} {
		t.Run(tc.version+" "+tc.transport, func(t *testing.T) {
			_, srv := odooFor(t, tc.version)
			env := odooEnv(srv, tc.cred...)
			if tc.transport == "http" {
				p := startBinary(t, odooEnv(srv))
				env = append(env, "ODOO_MCP_LISTEN="+strings.TrimPrefix(p.URL, "http://"))
			}
			cmd := exec.Command(buildBinary(t), "config", "inspector", "--transport", tc.transport, "--command", buildBinary(t))
			cmd.Env = hermeticEnv(env...)
			printed, err := cmd.Output()
			if err != nil {
				t.Fatalf("config inspector: %v", err)
			}
			const npx = "npx @modelcontextprotocol/inspector@2.12.0 "
			lines := strings.Split(strings.TrimSpace(string(printed)), "\n")
			if len(lines) != 2 {
				t.Fatalf("want 2 commands:\n%s", printed)
			}
			home := t.TempDir()
			for i, line := range lines {
				if !strings.HasPrefix(line, npx) {
					t.Fatalf("command %d does not start with %q: %s", i, npx, line)
				}
				// The installed CLI in place of npx, nothing else changed.
				line = `"$INSPECTOR_NODE" "$INSPECTOR_CLI" ` + strings.TrimPrefix(line, npx)
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				run := exec.CommandContext(ctx, "sh", "-c", line)
				run.Env = hermeticEnv(append(env, "INSPECTOR_NODE="+node, "INSPECTOR_CLI="+cli, "HOME="+home,
					"PATH="+filepath.Dir(node)+":"+os.Getenv("PATH"), "NO_COLOR=1")...)
				out, err := run.CombinedOutput()
				cancel()
				if err != nil {
					t.Fatalf("command %d failed: %v\n%s\n%s", i, err, line, out)
				}
				want := []string{"odoo_record_retriever", `"name"`}[i]
				if !strings.Contains(string(out), want) {
					t.Errorf("command %d: output lacks %s:\n%s", i, want, out)
				}
			}
		})
	}
}
