package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
)

// The configurations `odoo-mcp config` prints work as pasted: a client
// that follows them reaches the tools.

// configOf runs `odoo-mcp config args...` with env and decodes its output.
func configOf(t *testing.T, env []string, args ...string) map[string]any {
	t.Helper()
	cmd := exec.Command(buildBinary(t), append([]string{"config"}, args...)...)
	cmd.Env = hermeticEnv(env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("config %v: %v\n%s", args, err, stderr.String())
	}
	var out map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("config %v is not JSON: %v\n%s", args, err, stdout.String())
	}
	return out
}

func listTools(t *testing.T, ctx context.Context, transport gomcp.Transport) int {
	t.Helper()
	cs, err := gomcp.NewClient(&gomcp.Implementation{Name: "e2e", Version: "v0"}, nil).Connect(ctx, transport, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer cs.Close()
	list, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	res, err := cs.CallTool(ctx, &gomcp.CallToolParams{Name: "odoo_record_retriever", Arguments: map[string]any{"model": "res.partner", "limit": 1}})
	if err != nil || res.IsError {
		t.Fatalf("tools/call: %v %v", res, err)
	}
	return len(list.Tools)
}

func TestConfigClaudeDesktopStdioWorksAsPrinted(t *testing.T) {
	odoo := startFakeOdoo(t, "18.0")
	out := configOf(t, []string{"ODOO_URL=" + odoo.URL, "ODOO_DB=e2e", "ODOO_LOGIN=" + fakeodoo.AdminLogin,
		"ODOO_API_KEY=" + fakeodoo.AdminKey, "ODOO_MCP_READ_ONLY=true"}, "claude-desktop")
	srv := out["mcpServers"].(map[string]any)["odoo"].(map[string]any)
	// Start it as Claude Desktop does: the command, its arguments, and only
	// the environment the configuration gives.
	var args []string
	for _, a := range srv["args"].([]any) {
		args = append(args, a.(string))
	}
	cmd := exec.Command(srv["command"].(string), args...)
	env := hermeticEnv()
	for k, v := range srv["env"].(map[string]any) {
		env = append(env, k+"="+v.(string))
	}
	cmd.Env = env
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if n := listTools(t, ctx, &gomcp.CommandTransport{Command: cmd}); n != 3 {
		t.Errorf("%d tools, want the 3 of read-only mode (ODOO_MCP_READ_ONLY carried over)", n)
	}
}

func TestConfigCursorHTTPWorksAsPrinted(t *testing.T) {
	odoo := startFakeOdoo(t, "19.0")
	p := startBinary(t, []string{"ODOO_URL=" + odoo.URL, "ODOO_DB=e2e"})
	out := configOf(t, []string{"ODOO_MCP_LISTEN=" + strings.TrimPrefix(p.URL, "http://"), "ODOO_API_KEY=" + fakeodoo.AdminKey}, "cursor")
	srv := out["mcpServers"].(map[string]any)["odoo"].(map[string]any)
	h := http.Header{}
	for k, v := range srv["headers"].(map[string]any) {
		h.Set(k, v.(string))
	}
	transport := &gomcp.StreamableClientTransport{Endpoint: srv["url"].(string),
		HTTPClient: &http.Client{Transport: withHeaders{h, http.DefaultTransport}, Timeout: 30 * time.Second}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if n := listTools(t, ctx, transport); n != 7 {
		t.Errorf("%d tools, want 7", n)
	}
}
