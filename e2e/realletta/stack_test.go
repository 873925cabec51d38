package realletta_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/e2e/realletta"
	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/internal/testbin"
)

const signingKey = "realletta-signing-key-00112233445566778899aabbccddeeff"

func TestMain(m *testing.M) {
	code := m.Run()
	realletta.StopAll()
	testbin.Remove()
	os.Exit(code)
}

// odooMCP is a running odoo-mcp binary.
type odooMCP = testbin.Process

// startOdooMCP runs `odoo-mcp serve` against Odoo and Letta on a loopback
// address that is also its public URL (Letta 0.16.6 and 0.11.7 accept
// loopback MCP URLs; 0.16.8 refuses them).
func startOdooMCP(t *testing.T, odooURL string, l *realletta.Server, extra ...string) *odooMCP {
	t.Helper()
	addr := testbin.FreeAddr(t)
	return testbin.Serve(t, testbin.Options{
		Bin: testbin.Build(t, "../../cmd/odoo-mcp"), Addr: addr,
		Env: append([]string{"ODOO_URL=" + odooURL, "ODOO_DB=e2e",
			"LETTA_BASE_URL=" + l.URL, "ODOO_MCP_PUBLIC_URL=http://" + addr, "ODOO_MCP_SIGNING_KEY=" + signingKey,
			// MCP mode unless a test says otherwise: these tests are about
			// Letta calling odoo-mcp back (auto would pick client tools on 0.16).
			"LETTA_TOOL_MODE=mcp",
			"LETTA_DEFAULT_EMBEDDING=" + l.Embedding}, extra...),
		HealthyWithin: 30 * time.Second, StopGrace: 20 * time.Second,
		OnFailure: func() { t.Logf("Letta %s log (tail):\n%s", l.Version, tail(l.Logs(), 20000)) },
	})
}

func tail(s string, n int) string { return testbin.Tail(s, n) }

// waitForLog waits until odoo-mcp logged a line containing s.
func waitForLog(t *testing.T, p *odooMCP, s string, within time.Duration) {
	t.Helper()
	testbin.WaitForLog(t, p, s, within)
}

func newOdoo(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(fakeodoo.New(fakeodoo.Options{Version: "18.0", DB: "e2e"}))
	t.Cleanup(s.Close)
	return s
}

var admin = "Basic " + base64.StdEncoding.EncodeToString([]byte(fakeodoo.AdminLogin+":"+fakeodoo.AdminKey))

// do sends a request and returns status and body.
func do(t *testing.T, method, url, authorization, body string, header ...string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
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
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return resp.StatusCode, b
}

// getJSON GETs a Letta path and decodes the answer.
func getJSON(t *testing.T, l *realletta.Server, path string, v any) {
	t.Helper()
	status, body := do(t, http.MethodGet, l.URL+path, "", "")
	if status != http.StatusOK {
		t.Fatalf("Letta %s GET %s: %d %s", l.Version, path, status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("Letta GET %s: %v: %s", path, err, body)
	}
}

type event struct {
	name string
	data map[string]any
}

func parseSSE(t *testing.T, body []byte) []event {
	t.Helper()
	var out []event
	name := ""
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case line == "data: [DONE]":
			out = append(out, event{"[DONE]", nil})
		case strings.HasPrefix(line, "data: "):
			var d map[string]any
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &d); err != nil {
				t.Fatalf("bad SSE data %q", line)
			}
			out = append(out, event{name, d})
		}
	}
	return out
}

// turn is what one message's stream said.
type turn struct {
	events    []string                  // event names, in order
	calls     []call                    // tool_call events
	returns   map[string]map[string]any // tool_return events by tool name
	answer    string                    // the content events joined
	usage     map[string]any
	dones     []map[string]any
	messageID string // the last done's message_id
}

// readTurn folds a turn's SSE reply; an error event fails the test.
func readTurn(t *testing.T, body []byte) turn {
	t.Helper()
	tr := turn{returns: map[string]map[string]any{}}
	var answer strings.Builder
	for _, ev := range parseSSE(t, body) {
		tr.events = append(tr.events, ev.name)
		switch ev.name {
		case "tool_call":
			args, _ := ev.data["arguments"].(map[string]any)
			tr.calls = append(tr.calls, call{ev.data["name"].(string), args})
		case "tool_return":
			tr.returns[ev.data["name"].(string)] = ev.data
		case "content":
			answer.WriteString(ev.data["text"].(string))
		case "usage":
			tr.usage = ev.data
		case "done":
			tr.dones = append(tr.dones, ev.data)
			tr.messageID, _ = ev.data["message_id"].(string)
		case "error":
			t.Errorf("error event: %v", ev.data)
		}
	}
	tr.answer = answer.String()
	return tr
}
