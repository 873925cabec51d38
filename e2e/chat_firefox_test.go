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

// TestChatPageInFirefox drives /chat in headless Firefox (Debian's
// firefox-esr, through puppeteer-core over WebDriver BiDi: no geckodriver,
// no browser download) against the binary with its demo Odoo and demo
// Letta: the journey of TestChatPageInABrowser (a wrong key refused, sign
// in, create a thread, a message that calls a tool with the streamed answer
// and the tool call shown, edit memory, approve a write, delete a thread, a
// phone-sized view), done with the keyboard where a person would (Tab, Enter,
// Shift+Enter, the skip link) with a visible focus ring at each stop, and a
// reload. The checks are in e2e/testdata/chat-firefox.mjs; this test also
// reads the results back from the API. Screenshots go to out/chat-firefox/
// (ignored by git). Needs FIREFOX_PATH, FIREFOX_DRIVER_MODULES (a
// node_modules with puppeteer-core) and CONFORMANCE_NODE (Node 22); .ci/run
// sets all three.
func TestChatPageInFirefox(t *testing.T) {
	firefox, mods, node := os.Getenv("FIREFOX_PATH"), os.Getenv("FIREFOX_DRIVER_MODULES"), os.Getenv("CONFORMANCE_NODE")
	if firefox == "" || mods == "" || node == "" {
		requiredInCI(t)
		t.Skip("set FIREFOX_PATH (apt-get install firefox-esr; /usr/bin/firefox-esr), FIREFOX_DRIVER_MODULES (a node_modules with puppeteer-core) and CONFORMANCE_NODE (Node 22) to test the chat page in Firefox; .ci/run does")
	}
	if _, err := os.Stat(filepath.Join(mods, "puppeteer-core", "package.json")); err != nil {
		t.Fatalf("FIREFOX_DRIVER_MODULES=%s holds no puppeteer-core (npm install puppeteer-core there): %v", mods, err)
	}
	script, err := filepath.Abs("testdata/chat-firefox.mjs")
	if err != nil {
		t.Fatal(err)
	}
	shots, err := filepath.Abs(filepath.Join("..", "out", "chat-firefox"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	p := startBinary(t, nil, "--demo", "--demo-letta")

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script, p.URL, fakeodoo.AdminLogin, fakeodoo.AdminKey, shots)
	// A HOME of its own: Firefox writes its profile and caches under it.
	cmd.Env = append(os.Environ(), "FIREFOX_PATH="+firefox, "FIREFOX_DRIVER_MODULES="+mods, "HOME="+t.TempDir())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v\nstdout: %s\nstderr: %s", script, err, raw, stderr.String())
	}
	var out struct {
		Error      string           `json:"error"`
		Browser    string           `json:"browser"`
		Steps      []string         `json:"steps"`
		Ms         map[string]int64 `json:"ms"`
		Answer     string           `json:"answer"`
		ToolResult string           `json:"toolResult"`
		Created    string           `json:"created"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("the script's output is not its JSON: %v\n%s\nstderr: %s", err, raw, stderr.String())
	}
	t.Logf("%s; steps %v; ms %v", out.Browser, out.Steps, out.Ms)
	if out.Error != "" {
		t.Fatalf("in Firefox, after %v: %s (screenshot out/chat-firefox/failure.png)", out.Steps, out.Error)
	}
	if !strings.HasPrefix(out.Browser, "firefox/") {
		t.Errorf("the browser driven is %q, not Firefox", out.Browser)
	}
	if len(out.Steps) == 0 || out.Steps[len(out.Steps)-1] != "phone" {
		t.Errorf("the script stopped before its last step (phone): %v", out.Steps)
	}
	if !strings.Contains(out.Answer, "odoo_record_retriever returned") || !strings.Contains(out.ToolResult, "Acme Corporation") {
		t.Errorf("answer %q, tool result %q", out.Answer, out.ToolResult)
	}

	// What the page did, read back from the API.
	var human struct {
		Value string `json:"value"`
	}
	getJSON(t, p.URL+"/api/v1/memory/human", &human)
	if human.Value != "Mitchell runs sales; prefers short answers." {
		t.Errorf("shared memory after the edit in Firefox: %q", human.Value)
	}
	var threads struct {
		Threads []struct {
			ID string `json:"thread_id"`
		} `json:"threads"`
	}
	getJSON(t, p.URL+"/api/v1/threads", &threads)
	if len(threads.Threads) != 1 || threads.Threads[0].ID != "browser-2" {
		t.Errorf("threads after the delete in Firefox: %+v", threads.Threads)
	}
	if !strings.Contains(out.Created, "Browser Test Ltd") {
		t.Errorf("the approved write's answer %q", out.Created)
	}
}
