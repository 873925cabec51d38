// Package e2e drives the built odoo-mcp binary over HTTP, against the
// in-memory fakes, as a real deployment would be driven.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"
)

// binary is built once per test run.
var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

func buildBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "odoo-mcp-e2e")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "odoo-mcp")
		out, err := exec.Command("go", "build", "-o", binPath, "../cmd/odoo-mcp").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// freeAddr picks a loopback port for the binary to listen on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// process is a running odoo-mcp.
type process struct {
	URL    string // http://127.0.0.1:port
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has exited
	err    error         // its exit error, valid once exited is closed
	mu     sync.Mutex
	stdout bytes.Buffer
	stderr bytes.Buffer
}

// Logs returns everything the process wrote to stderr so far.
func (p *process) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// Stdout returns everything the process wrote to stdout so far.
func (p *process) Stdout() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stdout.String()
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// startBinary runs `odoo-mcp serve` with args and env, waits until /healthz
// answers, and stops it (SIGTERM) when the test ends.
func startBinary(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	return startBinaryOn(t, freeAddr(t), env, args...)
}

// startBinaryOn is startBinary listening on addr (from freeAddr), for a
// configuration that must name its own address (a public URL).
func startBinaryOn(t *testing.T, addr string, env []string, args ...string) *process {
	t.Helper()
	bin := buildBinary(t)
	p := &process{URL: "http://" + addr}
	cmd := exec.Command(bin, append([]string{"serve", "--listen", addr, "--log-format", "json", "--log-level", "debug"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = lockedWriter{&p.mu, &p.stdout}
	cmd.Stderr = lockedWriter{&p.mu, &p.stderr}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.cmd = cmd
	p.exited = make(chan struct{})
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("odoo-mcp stderr:\n%s", p.Logs())
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-p.exited:
			t.Fatalf("odoo-mcp exited early: %v\n%s", p.err, p.Logs())
		default:
		}
		resp, err := http.Get(p.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("odoo-mcp did not become healthy:\n%s", p.Logs())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func basicAuth(login, key string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(login+":"+key))
}

// withHeaders adds fixed headers to every request.
type withHeaders struct {
	header http.Header
	base   http.RoundTripper
}

func (w withHeaders) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range w.header {
		r.Header[k] = v
	}
	return w.base.RoundTrip(r)
}

// connectMCP opens an MCP client session to the process with the given
// Authorization header ("" for none), using the go-sdk client.
func connectMCP(t *testing.T, p *process, authorization string) (*gomcp.ClientSession, error) {
	t.Helper()
	h := http.Header{}
	if authorization != "" {
		h.Set("Authorization", authorization)
	}
	transport := &gomcp.StreamableClientTransport{
		Endpoint:   p.URL + "/mcp",
		HTTPClient: &http.Client{Transport: withHeaders{h, http.DefaultTransport}, Timeout: 30 * time.Second},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cs, err := gomcp.NewClient(&gomcp.Implementation{Name: "e2e", Version: "v0"}, nil).Connect(ctx, transport, nil)
	if err == nil {
		t.Cleanup(func() { cs.Close() })
	}
	return cs, err
}

// waitForLog waits until the process logged a line containing s.
func waitForLog(t *testing.T, p *process, s string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		sc := bufio.NewScanner(strings.NewReader(p.Logs()))
		for sc.Scan() {
			if strings.Contains(sc.Text(), s) {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no log line with %q:\n%s", s, p.Logs())
}

// requiredInCI fails a test that would skip for want of a tool: .ci/run
// installs every tool, so in CI a skip would hide a broken install step.
func requiredInCI(t *testing.T) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but the tool this test needs is not configured: .ci/run must install it")
	}
}
