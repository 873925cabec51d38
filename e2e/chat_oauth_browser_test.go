package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
)

// TestChatPageSignInWithOdoo drives "Sign in with Odoo" on /chat in
// headless Chromium against the binary (demo Odoo, demo Letta, OAuth on):
// the page's PKCE flow through odoo-mcp's own sign-in and consent pages,
// back to the page, threads listed, a message sent that calls a tool (after
// a forced refresh of the access token), then sign-out, after which the
// refresh token is refused. The page's tokens work on the thread API and
// not at /mcp. Screenshots go to out/chat-oauth/. Needs CHROMIUM_PATH.
func TestChatPageSignInWithOdoo(t *testing.T) {
	b := startChromium(t, "chat-oauth")
	p := startBinary(t, nil, "--demo", "--demo-letta", "--oauth")
	shot, run, read := b.shot, b.run, b.read
	session := func() (s struct{ Access, Refresh, Scope string }) {
		t.Helper()
		raw := read("session storage", chromedp.Evaluate[string](`sessionStorage.getItem("oauth") || "{}"`))
		if err := json.Unmarshal([]byte(raw), &s); err != nil {
			t.Fatalf("sessionStorage oauth %q: %v", raw, err)
		}
		return s
	}

	run("open the page: OAuth is on, the button shows",
		chromedp.Navigate(p.URL+"/chat"),
		chromedp.WaitVisible(chromedp.ID("oauth-signin")),
		chromedp.WaitVisible(chromedp.ID("signin-form")), // the key form stays
		shot("1-signin"),
	)
	// A redirect this tab did not start (a forged or replayed code) is
	// refused on the state check, before any token request.
	run("a redirect with a foreign state",
		chromedp.Navigate(p.URL+"/chat/?code=forged&state=forged&iss="+url.QueryEscape(p.URL)),
		chromedp.WaitVisible(chromedp.Search(`//p[@id="signin-error"][contains(., "not started from this tab")]`)),
	)
	if loc := read("location", chromedp.Evaluate[string](`location.href`)); loc != p.URL+"/chat/" {
		t.Errorf("the forged code stays in the address bar: %s", loc)
	}
	run("odoo-mcp's sign-in page",
		chromedp.Click(chromedp.ID("oauth-signin")),
		chromedp.WaitVisible(chromedp.CSS(`input#key`)),
		chromedp.SendKeys(chromedp.ID("login"), fakeodoo.AdminLogin),
		chromedp.SendKeys(chromedp.ID("key"), fakeodoo.AdminKey),
		shot("2-oauth-signin"),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("allow")),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(., "asks to use your chat threads")]`)),
		shot("3-consent"),
	)
	run("allow, back on the chat page",
		chromedp.Click(chromedp.ID("allow")),
		chromedp.WaitVisible(chromedp.ID("app")),
		chromedp.WaitReady(chromedp.CSS(`#new-model option`)),
		chromedp.WaitReady(chromedp.CSS(`#new-tools input[value=odoo_record_retriever]`)),
	)
	if loc := read("location", chromedp.Evaluate[string](`location.href`)); loc != p.URL+"/chat/" {
		t.Errorf("the code stays in the address bar: %s", loc)
	}
	if who := read("who", chromedp.Text(chromedp.ID("who"))); who != fakeodoo.AdminLogin {
		t.Errorf("signed in as %q", who)
	}
	first := session()
	if first.Access == "" || first.Refresh == "" || first.Scope != "odoo.read odoo.write" {
		t.Fatalf("tokens in sessionStorage: %+v", first)
	}
	if ls := read("local storage", chromedp.Evaluate[string](`String(localStorage.length) + (sessionStorage.getItem("key") || "")`)); ls != "0" {
		t.Errorf("localStorage or a key kept: %q", ls)
	}

	// The page's token is for the thread API only.
	if status, body := bearerCall(t, http.MethodGet, p.URL+"/api/v1/threads", first.Access, ""); status != 200 {
		t.Errorf("thread API with the page's token: %d %s", status, body)
	}
	if status, body := bearerCall(t, http.MethodPost, p.URL+"/mcp", first.Access, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`); status != 401 || !strings.Contains(body, "/mcp takes tokens issued for resource "+p.URL+"/mcp") {
		t.Errorf("/mcp with the page's token: %d %s", status, body)
	}

	run("create a thread",
		chromedp.SetValue(chromedp.ID("new-id"), "oauth-1"),
		chromedp.Click(chromedp.CSS(`#new-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.Search(`//ul[@id="threads"]//button[@aria-current="true"][.="oauth-1"]`)),
	)
	// The access token is about to expire: the next call refreshes first.
	read("expire the access token", chromedp.Evaluate[string](`const s = JSON.parse(sessionStorage.getItem("oauth")); s.expires = Date.now(); sessionStorage.setItem("oauth", JSON.stringify(s)); ""`))
	run("send a message that calls a tool",
		chromedp.SendKeys(chromedp.ID("composer-input"), `call odoo_record_retriever {"model":"res.partner","limit":2,"fields":["name"]}`),
		chromedp.SendKeys(chromedp.ID("composer-input"), "\r"),
		chromedp.WaitVisible(chromedp.CSS(`.msg.assistant .meta`)),
		shot("4-answer"),
	)
	if answer := read("answer", chromedp.Text(chromedp.CSS(`.msg.assistant .text`))); !strings.Contains(answer, "odoo_record_retriever returned") {
		t.Errorf("answer %q", answer)
	}
	second := session()
	if second.Refresh == first.Refresh || second.Access == first.Access || second.Refresh == "" {
		t.Errorf("no refresh before the call: refresh token rotated %v, access token renewed %v", second.Refresh != first.Refresh, second.Access != first.Access)
	}
	var threads struct {
		Threads []struct {
			ID string `json:"thread_id"`
		} `json:"threads"`
	}
	getJSON(t, p.URL+"/api/v1/threads", &threads) // as the same user, with the key
	if len(threads.Threads) != 1 || threads.Threads[0].ID != "oauth-1" {
		t.Errorf("the user's threads: %+v", threads.Threads)
	}

	run("sign out",
		chromedp.Click(chromedp.ID("signout")),
		chromedp.WaitVisible(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("oauth-signin")),
		shot("5-signed-out"),
	)
	if left := read("tokens after sign-out", chromedp.Evaluate[string](`sessionStorage.getItem("oauth") || ""`)); left != "" {
		t.Errorf("tokens kept after sign-out: %q", left)
	}
	resp, err := http.PostForm(p.URL+"/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {second.Refresh}, "client_id": {"odoo-mcp-chat"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(body), "invalid_grant") {
		t.Errorf("refresh after sign-out: %d %s", resp.StatusCode, body)
	}
	if status, _ := bearerCall(t, http.MethodGet, p.URL+"/api/v1/threads", second.Access, ""); status != 401 {
		t.Errorf("access token after sign-out: %d", status)
	}
}

func bearerCall(t *testing.T, method, u, token, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
