package e2e

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/fakeletta"
	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
)

// `odoo-mcp chat` against the binary serving a thread API, with the fake
// Odoo and the fake Letta (whose scripted model calls tools on "call"
// lines). The cases run in order, as one session with thread chat-1.
func TestChatEndToEnd(t *testing.T) {
	s := startThreadStack(t, fakeletta.VersionNew)
	waitForLog(t, s.p, "registered with Letta", 30*time.Second)
	admin := []string{"ODOO_MCP_URL=" + s.p.URL, "ODOO_LOGIN=" + fakeodoo.AdminLogin, "ODOO_API_KEY=" + fakeodoo.AdminKey}
	noLetta := startBinary(t, []string{"ODOO_URL=" + s.odoo.URL, "ODOO_DB=e2e"})
	retrieve := `call odoo_record_retriever {"model":"res.partner","domain":[["is_company","=",true]],"fields":["name"],"limit":2}`

	for _, tc := range []struct {
		name        string
		args        []string
		env         []string
		stdin       string
		code        int
		wantOut     []string // on stdout: the answer
		wantInfo    []string // on stderr: thread, tool calls, notes
		notOnStdout []string
	}{
		{name: "a thread that does not exist needs --model", args: []string{"--thread", "chat-1", "hello"}, env: admin, code: 1,
			wantInfo: []string{"thread chat-1 does not exist: create it with --model, one of:", thModel}},
		{name: "--model creates the thread and a message is answered with a tool call", args: []string{"--thread", "chat-1", "--model", thModel, "--tools", "odoo_record_retriever", retrieve}, env: admin,
			wantOut:     []string{"odoo_record_retriever returned:", "Azure Interior"},
			wantInfo:    []string{"thread chat-1 created: model " + thModel + ", tools odoo_record_retriever", `→ odoo_record_retriever {"domain":[["is_company","=",true]]`, "← odoo_record_retriever ok: {", "tokens"},
			notOnStdout: []string{"→", "←", "thread chat-1"}},
		{name: "the existing thread is used as it is", args: []string{"--thread", "chat-1", "are you there?"}, env: admin,
			wantOut: []string{"You said: are you there?"}, wantInfo: []string{"thread chat-1: model " + thModel + ", tools odoo_record_retriever"}},
		{name: "the prompt reads one message a line until /quit", args: []string{"--thread", "chat-1"}, env: admin,
			stdin:   "first line\n\n" + retrieve + "\n/quit\nnever sent\n",
			wantOut: []string{"You said: first line", "odoo_record_retriever returned:"}, wantInfo: []string{"→ odoo_record_retriever"},
			notOnStdout: []string{"never sent"}},
		{name: "the prompt ends at end of input", args: []string{"--thread", "chat-1"}, env: admin, stdin: "only line",
			wantOut: []string{"You said: only line"}},
		{name: "- reads the message from stdin", args: []string{"--thread", "chat-1", "-"}, env: admin, stdin: "from a file",
			wantOut: []string{"You said: from a file"}},
		{name: "a declaration flag without --model keeps the model", args: []string{"--thread", "chat-1", "--tools", "none", "hi"}, env: admin,
			wantOut: []string{"You said: hi"}, wantInfo: []string{"thread chat-1 changed tools, token: model " + thModel + ", no tools"}},
		{name: "a tool the thread lacks", args: []string{"--thread", "chat-1", retrieve}, env: admin,
			wantOut: []string{"I don't have a tool named odoo_record_retriever."}},
		{name: "an unknown model lists the valid ones", args: []string{"--thread", "chat-2", "--model", "openai/gpt-5", "hi"}, env: admin, code: 1,
			wantInfo: []string{`model "openai/gpt-5" is not offered by Letta`, "HTTP 422 unknown_model", "request id", "valid: ", thModel}},
		{name: "a wrong key", args: []string{"--thread", "chat-1", "hi"}, env: []string{"ODOO_MCP_URL=" + s.p.URL, "ODOO_LOGIN=admin", "ODOO_API_KEY=0123456789wrong"}, code: 1,
			wantInfo: []string{"HTTP 401 unauthorized"}},
		{name: "no credential", args: []string{"--thread", "chat-1", "hi"}, env: []string{"ODOO_MCP_URL=" + s.p.URL}, code: 2,
			wantInfo: []string{"ODOO_LOGIN", "ODOO_API_KEY"}},
		{name: "no thread", args: []string{"hi"}, env: admin, code: 2, wantInfo: []string{"--thread is required"}},
		{name: "a server without Letta", args: []string{"--thread", "chat-1", "--url", noLetta.URL, "hi"}, env: admin, code: 1,
			wantInfo: []string{"no thread API at " + noLetta.URL, "LETTA_BASE_URL"}},
		{name: "nothing at the URL", args: []string{"--thread", "chat-1", "--url", "http://" + freeAddr(t), "hi"}, env: admin, code: 1,
			wantInfo: []string{"connection refused", "is odoo-mcp serve running there"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(buildBinary(t), append([]string{"chat"}, tc.args...)...)
			cmd.Env = hermeticEnv(tc.env...)
			cmd.Stdin = strings.NewReader(tc.stdin)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout lacks %q", w)
				}
			}
			for _, w := range tc.wantInfo {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q", w)
				}
			}
			for _, w := range tc.notOnStdout {
				if strings.Contains(stdout.String(), w) {
					t.Errorf("stdout has %q", w)
				}
			}
			if strings.Contains(stdout.String()+stderr.String(), fakeodoo.AdminKey) {
				t.Error("the API key is in the output")
			}
			if t.Failed() {
				t.Logf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
			}
		})
	}
}
