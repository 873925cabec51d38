package oauth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/oauth/oauthtest"
)

// browser starts headless Chromium from CHROMIUM_PATH (Debian's chromium;
// .ci/run installs it), or skips.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("CHROMIUM_PATH")
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CHROMIUM_PATH is not set in CI: .ci/run installs Debian's chromium and sets it")
		}
		t.Skip("set CHROMIUM_PATH to a Chromium binary (apt-get install chromium; CHROMIUM_PATH=/usr/bin/chromium) to run the real-browser test")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Flag("disable-dev-shm-usage", true))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	bctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	// A bound on the whole test, not a timing assertion: a page that never
	// comes (a CSP blocking the redirect, say) fails instead of hanging.
	ctx, cancel3 := context.WithTimeout(bctx, 45*time.Second)
	t.Cleanup(cancel3)
	return ctx
}

// TestBrowserSignInAndConsent: a real Chromium fills in the sign-in page
// (a wrong key first), unticks or keeps write on the consent page, and is
// redirected to the client's loopback callback (on another port than the
// registered one, RFC 8252) with the code, state and iss; the code then
// buys tokens whose scope is what the user chose.
func TestBrowserSignInAndConsent(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t)
	got := make(chan url.Values, 1)
	callback := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/cb" {
			select {
			case got <- r.URL.Query():
			default:
			}
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<!doctype html><title>done</title><p id="done">You can close this window.</p>`))
	}))
	defer callback.Close()
	clientID, err := oauthtest.Register(ctx, e.base, "Browser Client", "http://127.0.0.1:1/cb")
	if err != nil {
		t.Fatal(err)
	}
	for _, write := range []bool{true, false} {
		name := "read and write"
		if !write {
			name = "read only"
		}
		t.Run(name, func(t *testing.T) {
			f := oauthtest.New(e.base, clientID, callback.URL+"/cb")
			var errText string
			start := e.base + "/oauth/authorize?" + f.Params().Encode()
			steps := []chromedp.Action[chromedp.Void]{
				chromedp.Navigate(start),
				chromedp.WaitVisible(chromedp.ID("#login")),
				chromedp.SendKeys(chromedp.ID("#login"), fakeodoo.DemoLogin),
				chromedp.SendKeys(chromedp.ID("#key"), "not-the-key"),
				chromedp.Click(chromedp.ID("#signin")),
				chromedp.WaitVisible(chromedp.ID("#error")),
				chromedp.Func(func(ctx context.Context, tg *chromedp.Target) (err error) {
					errText, err = chromedp.Text(chromedp.ID("#error"))(ctx, tg)
					return err
				}),
				// The page comes back with the login kept and the key empty.
				chromedp.SendKeys(chromedp.ID("#key"), fakeodoo.DemoKey),
				chromedp.Click(chromedp.ID("#signin")),
				chromedp.WaitVisible(chromedp.ID("#allow")),
			}
			if !write {
				steps = append(steps, chromedp.Click(chromedp.ID("#write")))
			}
			steps = append(steps, chromedp.Click(chromedp.ID("#allow")), chromedp.WaitVisible(chromedp.ID("#done")))
			for i, step := range steps {
				if err := chromedp.Do(ctx, step); err != nil {
					var loc, body string
					lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
					loc, _ = chromedp.Run(lctx, chromedp.Location())
					body, _ = chromedp.Run(lctx, chromedp.OuterHTML(chromedp.CSS("body")))
					cancel()
					t.Fatalf("browser step %d: %v; at %s: %.500s", i, err, loc, body)
				}
			}
			if !strings.Contains(errText, "Odoo refused") {
				t.Errorf("a wrong key shows %q", errText)
			}
			var q url.Values
			select {
			case q = <-got:
			default:
				t.Fatal("the callback was not reached")
			}
			if q.Get("state") != f.State || q.Get("iss") != e.base || q.Get("code") == "" {
				t.Fatalf("callback query %v", q)
			}
			tok, err := f.Exchange(ctx, q.Get("code"))
			if err != nil || tok.Status != 200 {
				t.Fatalf("exchange: %v %+v", err, tok)
			}
			want := "odoo.read odoo.write"
			if !write {
				want = "odoo.read"
			}
			if tok.Scope != want {
				t.Errorf("scope %q, want %q", tok.Scope, want)
			}
		})
	}
}
