package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
)

// TestConformance runs the MCP conformance suite
// (@modelcontextprotocol/conformance) against the built binary in demo
// mode. The suite cannot send credentials, so it talks to a loopback proxy
// that adds them. .ci/run installs Node 22 and the suite and sets
// CONFORMANCE_NODE and CONFORMANCE_CLI; elsewhere the test is skipped.
func TestConformance(t *testing.T) {
	node, cli := os.Getenv("CONFORMANCE_NODE"), os.Getenv("CONFORMANCE_CLI")
	if node == "" || cli == "" {
		requiredInCI(t)
		t.Skip("set CONFORMANCE_NODE (Node 22) and CONFORMANCE_CLI (conformance dist/index.js) to run the MCP conformance suite; .ci/run does")
	}
	for _, mode := range []struct {
		name string
		args []string
	}{
		{"stateless", nil},
		{"stateful", []string{"--stateful"}},
	} {
		baseline := filepath.Join("testdata", "conformance-baseline-"+mode.name+".yml")
		t.Run(mode.name, func(t *testing.T) {
			p := startBinary(t, nil, append([]string{"--demo"}, mode.args...)...)
			target, _ := url.Parse(p.URL)
			proxy := &httputil.ReverseProxy{
				FlushInterval: -1, // stream SSE without buffering
				Rewrite: func(r *httputil.ProxyRequest) {
					r.SetURL(target)
					r.Out.Host = r.In.Host // as NewSingleHostReverseProxy did
					r.Out.Header.Set("Authorization", basicAuth(fakeodoo.AdminLogin, fakeodoo.AdminKey))
				},
			}
			front := httptest.NewServer(proxy)
			defer front.Close()

			out := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, cli, "server", "--url", front.URL+"/mcp",
				"--expected-failures", baseline, "-o", out)
			cmd.Env = append(os.Environ(), "NO_COLOR=1")
			output, err := cmd.CombinedOutput()
			t.Logf("conformance (%s):\n%s", mode.name, tail(output, 4000))
			if err != nil {
				logFailedChecks(t, out)
				t.Fatalf("conformance suite failed: %v", err)
			}
		})
	}
}

func tail(b []byte, n int) string {
	if len(b) > n {
		return "…" + string(b[len(b)-n:])
	}
	return string(b)
}

// logFailedChecks logs the failed checks the suite saved under dir (its
// summary names a failed scenario, not why it failed).
func logFailedChecks(t *testing.T, dir string) {
	files, _ := filepath.Glob(filepath.Join(dir, "*", "checks.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil || !bytes.Contains(b, []byte(`"FAILURE"`)) {
			continue
		}
		var checks []struct {
			Name, Status, ErrorMessage string
		}
		json.Unmarshal(b, &checks)
		for _, c := range checks {
			if c.Status == "FAILURE" {
				t.Logf("%s: %s: %s", filepath.Base(filepath.Dir(f)), c.Name, tail([]byte(c.ErrorMessage), 500))
			}
		}
	}
}
