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
// reload; axe-core's WCAG 2.1 A and AA rules pass at each state of it, in
// the light and the dark colour scheme. The checks are in
// e2e/testdata/chat-firefox.mjs; this test also reads the results back from
// the API. Screenshots go to out/chat-firefox/ (ignored by git). Needs
// FIREFOX_PATH, FIREFOX_DRIVER_MODULES (a node_modules with puppeteer-core
// and axe-core) and CONFORMANCE_NODE (Node 22); .ci/run sets all three.
func TestChatPageInFirefox(t *testing.T) {
	firefox, mods, node := os.Getenv("FIREFOX_PATH"), os.Getenv("FIREFOX_DRIVER_MODULES"), os.Getenv("CONFORMANCE_NODE")
	if firefox == "" || mods == "" || node == "" {
		requiredInCI(t)
		t.Skip("set FIREFOX_PATH (apt-get install firefox-esr; /usr/bin/firefox-esr), FIREFOX_DRIVER_MODULES (a node_modules with puppeteer-core and axe-core) and CONFORMANCE_NODE (Node 22) to test the chat page in Firefox; .ci/run does")
	}
	for _, m := range []string{"puppeteer-core", "axe-core"} {
		if _, err := os.Stat(filepath.Join(mods, m, "package.json")); err != nil {
			t.Fatalf("FIREFOX_DRIVER_MODULES=%s holds no %s (npm install %s there; .ci/run pins its version): %v", mods, m, m, err)
		}
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
		Error      string              `json:"error"`
		Browser    string              `json:"browser"`
		Steps      []string            `json:"steps"`
		Ms         map[string]int64    `json:"ms"`
		Axe        map[string][]string `json:"axe"`
		Answer     string              `json:"answer"`
		ToolResult string              `json:"toolResult"`
		Created    string              `json:"created"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("the script's output is not its JSON: %v\n%s\nstderr: %s", err, raw, stderr.String())
	}
	t.Logf("%s; steps %v; ms %v; axe checked %d states", out.Browser, out.Steps, out.Ms, len(out.Axe))
	if out.Error != "" {
		t.Fatalf("in Firefox, after %v: %s (screenshot out/chat-firefox/failure.png)", out.Steps, out.Error)
	}
	if !strings.HasPrefix(out.Browser, "firefox/") {
		t.Errorf("the browser driven is %q, not Firefox", out.Browser)
	}
	if len(out.Steps) == 0 || out.Steps[len(out.Steps)-1] != "dark colour scheme" {
		t.Errorf("the script stopped before its last step (dark colour scheme): %v", out.Steps)
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
