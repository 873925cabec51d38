package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium is a headless Debian Chromium driven through chromedp, for the
// tests of the /chat page; screenshots go to out/<dir>/.
type chromium struct {
	t     *testing.T
	ctx   context.Context
	shots string
}

// startChromium starts CHROMIUM_PATH (the test skips when it is unset) for
// the length of the test, taking screenshots into out/<dir>/.
func startChromium(t *testing.T, dir string) *chromium {
	t.Helper()
	path := os.Getenv("CHROMIUM_PATH")
	if path == "" {
		t.Skip("CHROMIUM_PATH is not set: the chat page is not tested in a browser (apt-get install chromium; CHROMIUM_PATH=/usr/bin/chromium)")
	}
	shots := filepath.Join("..", "out", dir)
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.WindowSize(1200, 760),
		chromedp.Flag("disable-dev-shm-usage", true))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelA)
	bctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	// The first action starts the browser: its context must not time out
	// (that would stop the browser); later steps get a bound each.
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium at %s: %v", path, err)
	}
	return &chromium{t: t, ctx: bctx, shots: shots}
}

// shot saves a full-page PNG as out/<dir>/<name>.png.
func (b *chromium) shot(name string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		buf, err := chromedp.FullScreenshot(100)(ctx, tg) // 100: PNG
		if err != nil {
			return chromedp.Void{}, err
		}
		return chromedp.Void{}, os.WriteFile(filepath.Join(b.shots, name+".png"), buf, 0o644)
	}
}

// run does actions within 30 s, or fails the test with a screenshot.
func (b *chromium) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		_ = chromedp.Do(b.ctx, b.shot("failure"))
		b.t.Fatalf("%s: %v (screenshot %s)", what, err, filepath.Join(b.shots, "failure.png"))
	}
}

// read evaluates a within 30 s, or fails the test.
func (b *chromium) read(what string, a chromedp.Action[string]) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}
