package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
)

// TestChatPageInABrowser drives /chat in headless Chromium against the
// binary with its demo Odoo and demo Letta: sign in, create a thread, send
// a message that calls a tool, see the streamed answer and the tool call,
// edit memory, delete the thread. Screenshots go to out/chat/ (ignored by
// git). Needs CHROMIUM_PATH (Debian: apt-get install chromium;
// CHROMIUM_PATH=/usr/bin/chromium); no browser is downloaded.
func TestChatPageInABrowser(t *testing.T) {
	b := startChromium(t, "chat")
	p := startBinary(t, nil, "--demo", "--demo-letta")
	shot, run, read := b.shot, b.run, b.read

	run("open the page",
		chromedp.Navigate(p.URL+"/chat"),
		chromedp.WaitVisible(chromedp.ID("login")),
		shot("1-signin"),
	)
	// A wrong key is refused in words, not by the browser's own login prompt.
	run("a wrong key",
		chromedp.SendKeys(chromedp.ID("login"), fakeodoo.AdminLogin),
		chromedp.SendKeys(chromedp.ID("apikey"), "wrong-key"),
		chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[@id="signin-error"][contains(., "refused")]`)),
	)
	read("clear the form", chromedp.Evaluate[string](`document.getElementById("login").value = ""; document.getElementById("apikey").value = ""; ""`))
	run("sign in",
		chromedp.SendKeys(chromedp.ID("login"), fakeodoo.AdminLogin),
		chromedp.SendKeys(chromedp.ID("apikey"), fakeodoo.AdminKey),
		chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("app")),
		chromedp.WaitVisible(chromedp.ID("new-form")),
		chromedp.WaitReady(chromedp.CSS(`#new-model option`)),
		chromedp.WaitReady(chromedp.CSS(`#new-tools input[value=odoo_record_retriever]`)),
	)
	// The key is kept for the tab only.
	stored := read("session storage", chromedp.Evaluate[string](`sessionStorage.getItem("key") || ""`))
	persisted := read("local storage", chromedp.Evaluate[string](`localStorage.getItem("key") || ""`))
	if stored != fakeodoo.AdminKey || persisted != "" {
		t.Errorf("session storage %q, local storage %q: want the key in sessionStorage only", stored, persisted)
	}

	run("create a thread",
		chromedp.SetValue(chromedp.ID("new-id"), "browser-1"),
		chromedp.Click(chromedp.CSS(`#new-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#threads button.open[aria-current="true"]`)),
	)
	if title := read("thread title", chromedp.Text(chromedp.ID("thread-title"))); title != "browser-1" {
		t.Fatalf("thread title %q", title)
	}

	run("send a message that calls a tool",
		chromedp.SendKeys(chromedp.ID("composer-input"), `call odoo_record_retriever {"model":"res.partner","limit":2,"fields":["name"]}`),
		chromedp.SendKeys(chromedp.ID("composer-input"), "\r"), // Enter sends
		chromedp.WaitVisible(chromedp.CSS(`.msg.assistant .meta`)),
	)
	toolSummary := read("tool call", chromedp.Text(chromedp.CSS(`.msg.assistant details.tool summary`)))
	run("unfold the tool call", chromedp.Click(chromedp.CSS(`.msg.assistant details.tool summary`)))
	toolResult := read("tool result", chromedp.Text(chromedp.CSS(`.msg.assistant details.tool div:last-child pre`)))
	answer := read("answer", chromedp.Text(chromedp.CSS(`.msg.assistant .text`)))
	run("screenshot", shot("2-answer"))
	if !strings.Contains(toolSummary, "odoo_record_retriever") || !strings.Contains(toolSummary, "done") {
		t.Errorf("tool call shown as %q", toolSummary)
	}
	if !strings.Contains(toolResult, "Acme Corporation") {
		t.Errorf("tool result %q", toolResult)
	}
	if !strings.Contains(answer, "odoo_record_retriever returned") {
		t.Errorf("answer %q", answer)
	}

	run("edit memory",
		chromedp.Click(chromedp.ID("show-memory")),
		chromedp.WaitVisible(chromedp.ID("block-human")),
		chromedp.SetValue(chromedp.ID("block-human"), "Mitchell runs sales; prefers short answers."),
		chromedp.Click(chromedp.Search(`//button[normalize-space()="Save human"]`)),
		chromedp.WaitVisible(chromedp.Search(`//span[@role="status"][contains(., "Saved")]`)),
		shot("3-memory"),
	)
	var human struct {
		Value string `json:"value"`
	}
	getJSON(t, p.URL+"/api/v1/memory/human", &human)
	if human.Value != "Mitchell runs sales; prefers short answers." {
		t.Errorf("shared memory after the edit: %q", human.Value)
	}

	// A write waits for the user: Approve runs it and the turn goes on.
	run("create a thread that asks before writing",
		chromedp.Click(chromedp.CSS(`#new-thread summary`)),
		chromedp.WaitVisible(chromedp.ID("new-form")),
		chromedp.SetValue(chromedp.ID("new-id"), "browser-2"),
		chromedp.Click(chromedp.CSS(`#new-tools input[value=odoo_record_creator]`)),
		chromedp.Click(chromedp.CSS(`#new-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.Search(`//h2[@id="thread-title"][.="browser-2"]`)),
		chromedp.SendKeys(chromedp.ID("composer-input"), `call odoo_record_creator {"model":"res.partner","fields":[{"field":"name","value":"Browser Test Ltd"}]}`),
		chromedp.SendKeys(chromedp.ID("composer-input"), "\r"),
		chromedp.WaitVisible(chromedp.Search(`//div[@class="approval"]//button[.="Approve"]`)),
		shot("4-approval"),
		chromedp.Click(chromedp.Search(`//div[@class="approval"]//button[.="Approve"]`)),
		chromedp.WaitVisible(chromedp.Search(`//details[@class="tool"]//span[contains(., "done")]`)),
	)
	created := read("created record", chromedp.Text(chromedp.CSS(`.msg.assistant:last-child .text`)))
	if !strings.Contains(created, "odoo_record_creator returned") || !strings.Contains(created, "Browser Test Ltd") {
		t.Errorf("answer after approval %q", created)
	}
	// Back to the first thread: its earlier messages are read from Letta
	// and shown as they were live, the tool call folded with its result.
	seeHistory := func(when string) {
		t.Helper()
		run(when,
			chromedp.WaitVisible(chromedp.Search(`//h2[@id="thread-title"][.="browser-1"]`)),
			chromedp.WaitVisible(chromedp.Search(`//li[contains(@class,"user")][contains(., "call odoo_record_retriever")]`)),
			chromedp.WaitVisible(chromedp.CSS(`.msg.assistant details.tool summary`)),
		)
		summary := read("tool call in history", chromedp.Text(chromedp.CSS(`.msg.assistant details.tool summary`)))
		open := read("folded", chromedp.Evaluate[string](`String(document.querySelector(".msg.assistant details.tool").open)`))
		result := read("tool result in history", chromedp.Evaluate[string](`document.querySelector(".msg.assistant details.tool div:last-child pre").textContent`))
		said := read("answer in history", chromedp.Text(chromedp.CSS(`.msg.assistant .text`)))
		if !strings.Contains(summary, "odoo_record_retriever") || !strings.Contains(summary, "done") || open != "false" {
			t.Errorf("%s: tool call shown as %q (open %s)", when, summary, open)
		}
		if !strings.Contains(result, "Acme Corporation") || said != answer {
			t.Errorf("%s: result %q, answer %q (live: %q)", when, result, said, answer)
		}
		if n := read("bubbles", chromedp.Evaluate[string](`String(document.querySelectorAll("#log .msg").length)`)); n != "2" {
			t.Errorf("%s: %s bubbles, want the user's message and the answer", when, n)
		}
	}
	run("back to the first thread", chromedp.Click(chromedp.Search(`//ul[@id="threads"]//button[.="browser-1"]`)))
	seeHistory("the first thread's history")
	run("screenshot", shot("4b-history"))
	run("reload", chromedp.Reload())
	seeHistory("the same thread after a reload")

	// A longer thread shows its newest page; the rest comes on demand.
	for i := range 25 {
		req, _ := http.NewRequest(http.MethodPost, p.URL+"/api/v1/threads/browser-1/messages", strings.NewReader(fmt.Sprintf(`{"content":"filler %d"}`, i)))
		req.Header.Set("Authorization", basicAuth(fakeodoo.AdminLogin, fakeodoo.AdminKey))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("filler message %d: %d", i, resp.StatusCode)
		}
	}
	run("reload a long thread", chromedp.Reload(),
		chromedp.WaitVisible(chromedp.Search(`//li[contains(@class,"user")][.="filler 24"]`)),
		chromedp.WaitVisible(chromedp.ID("load-earlier")),
	)
	if n := read("tool calls before loading earlier", chromedp.Evaluate[string](`String(document.querySelectorAll("#log details.tool").length)`)); n != "0" {
		t.Errorf("%s tool calls shown: the first turn should be on the earlier page", n)
	}
	run("load earlier messages", chromedp.Click(chromedp.ID("load-earlier")),
		chromedp.WaitVisible(chromedp.Search(`//li[contains(@class,"user")][contains(., "call odoo_record_retriever")]`)),
		chromedp.WaitNotPresent(chromedp.ID("load-earlier")),
	)
	first := read("first bubble", chromedp.Evaluate[string](`document.querySelector("#log .msg").textContent`))
	count := read("bubbles", chromedp.Evaluate[string](`String(document.querySelectorAll("#log .msg").length)`))
	if !strings.Contains(first, "call odoo_record_retriever") || count != "52" {
		t.Errorf("after loading earlier: first bubble %q, %s bubbles (want the first message first, 52 bubbles)", first, count)
	}

	read("accept confirmations", chromedp.Evaluate[string](`window.confirm = () => true; ""`))
	run("delete the thread",
		chromedp.Click(chromedp.ID("delete-thread")),
		chromedp.WaitVisible(chromedp.Search(`//h2[@id="thread-title"][.="No thread selected"]`)),
		shot("5-deleted"),
	)
	var threads struct {
		Threads []any `json:"threads"`
	}
	getJSON(t, p.URL+"/api/v1/threads", &threads)
	if len(threads.Threads) != 1 {
		t.Errorf("threads after delete: %v", threads.Threads)
	}

	// A phone-sized window still shows the composer.
	run("phone", chromedp.EmulateViewport(390, 844), chromedp.WaitVisible(chromedp.ID("composer")), shot("6-phone"))
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", basicAuth(fakeodoo.AdminLogin, fakeodoo.AdminKey))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
