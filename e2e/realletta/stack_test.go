package realletta_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/e2e/realletta"
	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
)

const signingKey = "realletta-signing-key-00112233445566778899aabbccddeeff"

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	realletta.StopAll()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

func buildBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "odoo-mcp-realletta")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "odoo-mcp")
		out, err := exec.Command("go", "build", "-o", binPath, "../../cmd/odoo-mcp").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// odooMCP is a running odoo-mcp binary.
type odooMCP struct {
	URL    string
	cmd    *exec.Cmd
	exited chan struct{}
	mu     sync.Mutex
	logs   bytes.Buffer
}

func (p *odooMCP) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.Write(b)
}

func (p *odooMCP) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

func (p *odooMCP) stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
	}
}

// startOdooMCP runs `odoo-mcp serve` against Odoo and Letta on a loopback
// address that is also its public URL (Letta 0.16.6 and 0.11.7 accept
// loopback MCP URLs; 0.16.8 refuses them).
func startOdooMCP(t *testing.T, odooURL string, l *realletta.Server, extra ...string) *odooMCP {
	t.Helper()
	addr := freeAddr(t)
	p := &odooMCP{URL: "http://" + addr, exited: make(chan struct{})}
	p.cmd = exec.Command(buildBinary(t), "serve", "--listen", addr, "--log-format", "json", "--log-level", "debug")
	p.cmd.Env = append(os.Environ(), append([]string{"ODOO_URL=" + odooURL, "ODOO_DB=e2e",
		"LETTA_BASE_URL=" + l.URL, "ODOO_MCP_PUBLIC_URL=" + p.URL, "ODOO_MCP_SIGNING_KEY=" + signingKey,
		// MCP mode unless a test says otherwise: these tests are about
		// Letta calling odoo-mcp back (auto would pick client tools on 0.16).
		"LETTA_TOOL_MODE=mcp",
		"LETTA_DEFAULT_EMBEDDING=" + l.Embedding}, extra...)...)
	p.cmd.Stdout, p.cmd.Stderr = p, p
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("odoo-mcp log:\n%s", tail(p.Logs(), 20000))
			t.Logf("Letta %s log (tail):\n%s", l.Version, tail(l.Logs(), 20000))
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(p.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-p.exited:
			t.Fatalf("odoo-mcp exited early:\n%s", p.Logs())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("odoo-mcp did not become healthy:\n%s", p.Logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// waitForLog waits until odoo-mcp logged a line containing s.
func waitForLog(t *testing.T, p *odooMCP, s string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !strings.Contains(p.Logs(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("odoo-mcp did not log %q within %s", s, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
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
