package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/internal/lockedbuf"
)

// `odoo-mcp stdio`: the binary started by an MCP client, as a desktop
// client starts it, against a fake Odoo in this process.

// hermeticEnv is this process's environment without any odoo-mcp, Odoo or
// Letta setting a developer may have exported, plus env.
func hermeticEnv(env ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "ODOO_") || strings.HasPrefix(kv, "LETTA_") {
			continue
		}
		out = append(out, kv)
	}
	return append(out, env...)
}

func startFakeOdoo(t *testing.T, version string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(fakeodoo.New(fakeodoo.Options{Version: version, DB: "e2e"}))
	t.Cleanup(srv.Close)
	return srv
}

func TestStdioServesTheTools(t *testing.T) {
	for _, tc := range []struct {
		name, version string
		cred          []string
	}{
		{"odoo 18, ODOO_LOGIN and ODOO_API_KEY", "18.0", []string{"ODOO_LOGIN=" + fakeodoo.AdminLogin, "ODOO_API_KEY=" + fakeodoo.AdminKey}},
		{"odoo 19, ODOO_API_KEY alone", "19.0", []string{"ODOO_API_KEY=" + fakeodoo.AdminKey}},
		{"odoo 19, ODOO_LOGIN and ODOO_API_KEY", "19.0", []string{"ODOO_LOGIN=" + fakeodoo.AdminLogin, "ODOO_API_KEY=" + fakeodoo.AdminKey}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			odoo := startFakeOdoo(t, tc.version)
			cmd := exec.Command(buildBinary(t), "stdio", "--log-format", "json")
			cmd.Env = hermeticEnv(append([]string{"ODOO_URL=" + odoo.URL, "ODOO_DB=e2e"}, tc.cred...)...)
			var stderr syncBuffer
			cmd.Stderr = &stderr
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cs, err := gomcp.NewClient(&gomcp.Implementation{Name: "e2e", Version: "v0"}, nil).
				Connect(ctx, &gomcp.CommandTransport{Command: cmd}, nil)
			if err != nil {
				t.Fatalf("connect: %v\n%s", err, stderr.String())
			}
			list, err := cs.ListTools(ctx, nil)
			if err != nil || len(list.Tools) != 7 {
				t.Fatalf("tools/list: %v %v", list, err)
			}
			res, err := cs.CallTool(ctx, &gomcp.CallToolParams{Name: "odoo_record_retriever",
				Arguments: map[string]any{"model": "res.partner", "domain": []any{[]any{"is_company", "=", true}}, "fields": []string{"name"}, "limit": 2}})
			if err != nil || res.IsError {
				t.Fatalf("retriever: %v %v\n%s", res, err, stderr.String())
			}
			var out struct {
				Records []struct{ Name string }
				HasMore bool `json:"has_more"`
			}
			if err := json.Unmarshal([]byte(res.Content[0].(*gomcp.TextContent).Text), &out); err != nil || len(out.Records) != 2 || out.Records[0].Name == "" {
				t.Fatalf("retriever result: %v %+v", err, out)
			}
			res, err = cs.CallTool(ctx, &gomcp.CallToolParams{Name: "odoo_record_creator",
				Arguments: map[string]any{"model": "res.partner", "fields": []any{map[string]any{"field": "name", "value": "Stdio Partner"}}}})
			if err != nil || res.IsError {
				t.Fatalf("creator: %v %v", res, err)
			}
			file, err := cs.ReadResource(ctx, &gomcp.ReadResourceParams{URI: "odoo://ir.attachment/2/content"})
			if err != nil || file.Contents[0].MIMEType != "text/plain" || len(file.Contents[0].Blob) == 0 {
				t.Fatalf("attachment resource over stdio: %v %v", file, err)
			}
			if err := cs.Close(); err != nil {
				t.Logf("close: %v", err)
			}
			logs := stderr.String()
			for _, want := range []string{`"odoo-mcp serving over stdio"`, `"tool call"`, `"tool":"odoo_record_creator"`, `"outcome":"ok"`} {
				if !strings.Contains(logs, want) {
					t.Errorf("stderr lacks %s:\n%s", want, logs)
				}
			}
			if strings.Contains(logs, fakeodoo.AdminKey) {
				t.Error("the API key is in the logs")
			}
		})
	}
}

// TestStdioWritesOnlyProtocolToStdout speaks raw JSON-RPC to the binary
// with logging at its loudest, and checks that every byte on standard
// output is a JSON-RPC message and that the logs went to standard error.
func TestStdioWritesOnlyProtocolToStdout(t *testing.T) {
	odoo := startFakeOdoo(t, "18.0")
	for _, format := range []string{"json", "text"} {
		t.Run(format, func(t *testing.T) {
			cmd := exec.Command(buildBinary(t), "stdio", "--log-level", "debug", "--log-format", format)
			cmd.Env = hermeticEnv("ODOO_URL="+odoo.URL, "ODOO_DB=e2e", "ODOO_LOGIN="+fakeodoo.AdminLogin, "ODOO_API_KEY="+fakeodoo.AdminKey)
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr syncBuffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// A watchdog, not an assertion: a hung binary ends the test.
			watchdog := time.AfterFunc(time.Minute, func() { cmd.Process.Kill() })
			defer watchdog.Stop()
			// A client waits for its answers before it closes the stream.
			lines := make(chan []byte)
			go func() {
				defer close(lines)
				sc := bufio.NewScanner(stdout)
				sc.Buffer(make([]byte, 1<<20), 16<<20)
				for sc.Scan() {
					lines <- append([]byte(nil), sc.Bytes()...)
				}
			}()
			for _, req := range []string{
				`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}`,
				`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
				`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
				`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"odoo_record_retriever","arguments":{"model":"res.partner","limit":1}}}`,
				`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"odoo_record_retriever","arguments":{"model":"no.such.model"}}}`,
				`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"no_such_tool","arguments":{}}}`,
			} {
				if _, err := io.WriteString(stdin, req+"\n"); err != nil {
					t.Fatal(err)
				}
			}
			ids := map[float64]bool{}
			check := func(line []byte) {
				var msg struct {
					JSONRPC string   `json:"jsonrpc"`
					ID      *float64 `json:"id"`
				}
				if err := json.Unmarshal(line, &msg); err != nil || msg.JSONRPC != "2.0" {
					t.Errorf("stdout carries something else than JSON-RPC: %q", line)
				}
				if msg.ID != nil {
					ids[*msg.ID] = true
				}
			}
			for len(ids) < 5 {
				line, ok := <-lines
				if !ok {
					t.Fatalf("stdout ended with answers to %v only\n%s", ids, stderr.String())
				}
				check(line)
			}
			stdin.Close()
			for line := range lines {
				check(line)
			}
			if err := cmd.Wait(); err != nil {
				t.Fatalf("exit: %v\n%s", err, stderr.String())
			}
			if !strings.Contains(stderr.String(), "tool call") {
				t.Errorf("the logs did not go to stderr:\n%s", stderr.String())
			}
		})
	}
}

func TestStdioStartupProblems(t *testing.T) {
	odoo18 := startFakeOdoo(t, "18.0")
	at18 := []string{"ODOO_URL=" + odoo18.URL, "ODOO_DB=e2e"}
	for _, tc := range []struct {
		name string
		env  []string
		code int
		want []string
	}{
		{"no credential", at18, 2, []string{"ODOO_LOGIN", "ODOO_API_KEY", "API Key"}},
		{"no Odoo URL", []string{"ODOO_DB=e2e", "ODOO_LOGIN=admin", "ODOO_API_KEY=k"}, 2, []string{"ODOO_URL"}},
		{"bad protocol", append([]string{"ODOO_PROTOCOL=soap", "ODOO_API_KEY=k"}, at18...), 2, []string{"soap"}},
		{"key alone on Odoo 18", append([]string{"ODOO_API_KEY=" + fakeodoo.AdminKey}, at18...), 2, []string{"Odoo 16-18", "ODOO_LOGIN"}},
		{"wrong key", append([]string{"ODOO_LOGIN=admin", "ODOO_API_KEY=0123456789wrong"}, at18...), 1, []string{"refused", "ODOO_LOGIN=admin", "fix:"}},
		{"Odoo down", []string{"ODOO_URL=http://" + freeAddr(t), "ODOO_DB=e2e", "ODOO_LOGIN=admin", "ODOO_API_KEY=0123456789k"}, 1, []string{"cannot reach Odoo"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(buildBinary(t), "stdio")
			cmd.Env = hermeticEnv(tc.env...)
			cmd.Stdin = strings.NewReader("")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != tc.code {
				t.Fatalf("exit %v, want code %d\n%s", err, tc.code, stderr.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
				}
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout is not empty: %q", stdout.String())
			}
			for _, secret := range []string{fakeodoo.AdminKey, "0123456789wrong", "0123456789k"} {
				if strings.Contains(stderr.String(), secret) {
					t.Errorf("a key is in the output: %s", stderr.String())
				}
			}
		})
	}
}

// syncBuffer is a buffer the server writes while the test reads.
type syncBuffer = lockedbuf.Buffer
