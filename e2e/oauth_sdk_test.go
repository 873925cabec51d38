package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/tools"
)

// TestOAuthTypeScriptSDKClient: the MCP TypeScript SDK's OAuth client
// connects to the binary with nothing but its URL; headless Chromium
// (playwright-core driving Debian's chromium) signs in and consents; the
// client then lists and calls tools as the signed-in user. Read-write, and
// read-only where the write is refused. .ci/run installs the SDK and
// playwright-core (OAUTH_CLIENT_MODULES), Node 22 (CONFORMANCE_NODE) and
// chromium (CHROMIUM_PATH).
func TestOAuthTypeScriptSDKClient(t *testing.T) {
	node, mods, chromium := os.Getenv("CONFORMANCE_NODE"), os.Getenv("OAUTH_CLIENT_MODULES"), os.Getenv("CHROMIUM_PATH")
	if node == "" || mods == "" || chromium == "" {
		requiredInCI(t)
		t.Skip("set CONFORMANCE_NODE (Node 22), OAUTH_CLIENT_MODULES (node_modules with @modelcontextprotocol/sdk and playwright-core) and CHROMIUM_PATH to run; .ci/run does")
	}
	script, err := filepath.Abs("testdata/oauth_client.mjs")
	if err != nil {
		t.Fatal(err)
	}
	_, odoo := odooFor(t, "18.0")
	p := startOAuth(t, odoo.URL)
	for _, mode := range []string{"write", "read"} {
		t.Run(mode, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, script, p.URL+"/mcp", fakeodoo.DemoLogin, fakeodoo.DemoKey, mode)
			cmd.Env = append(os.Environ(), "OAUTH_CLIENT_MODULES="+mods, "CHROMIUM_PATH="+chromium, "HOME="+t.TempDir())
			raw, err := cmd.Output()
			if err != nil {
				stderr := ""
				if ee, ok := err.(*exec.ExitError); ok {
					stderr = string(ee.Stderr)
				}
				t.Fatalf("node: %v\n%s\n%s", err, raw, stderr)
			}
			var out struct {
				Error        string   `json:"error"`
				Steps        []string `json:"steps"`
				Scope        string   `json:"scope"`
				Tools        []string `json:"tools"`
				ConsentText  string   `json:"consent_text"`
				AuthURL      string   `json:"authorization_url"`
				Read, Create struct {
					IsError bool   `json:"isError"`
					Text    string `json:"text"`
					Thrown  string `json:"thrown"`
				}
			}
			if err := json.Unmarshal(raw, &out); err != nil {
				t.Fatalf("output: %s", raw)
			}
			if out.Error != "" {
				t.Fatalf("the client failed after %v: %s", out.Steps, out.Error)
			}
			t.Logf("steps: %v; scope %q; tools %v", out.Steps, out.Scope, out.Tools)
			if !strings.Contains(out.AuthURL, "code_challenge_method=S256") || !strings.Contains(out.AuthURL, "resource=") {
				t.Errorf("authorization URL %s", out.AuthURL)
			}
			if !strings.Contains(out.ConsentText, "Marc Demo") || !strings.Contains(out.ConsentText, "odoo-mcp e2e (TypeScript SDK)") {
				t.Errorf("consent page: %q", out.ConsentText)
			}
			if out.Read.IsError || !strings.Contains(out.Read.Text, "records") {
				t.Errorf("retriever: %+v", out.Read)
			}
			var reading []string
			for _, tl := range tools.Inventory() {
				if tl.ReadOnly() {
					reading = append(reading, tl.Def.Name)
				}
			}
			slices.Sort(reading)
			if mode == "write" {
				if out.Scope != "odoo.read odoo.write" || len(out.Tools) != len(tools.Inventory()) || out.Create.IsError || out.Create.Thrown != "" {
					t.Errorf("read-write grant: scope %q, tools %v, create %+v", out.Scope, out.Tools, out.Create)
				}
				return
			}
			if out.Scope != "odoo.read" || !slices.Equal(out.Tools, reading) {
				t.Errorf("read-only grant: scope %q, tools %v", out.Scope, out.Tools)
			}
			t.Logf("the write, refused: %+v", out.Create)
			if !out.Create.IsError && out.Create.Thrown == "" {
				t.Errorf("a read-only grant created a record: %+v", out.Create)
			}
		})
	}
}
