package main

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
)

// demoBanner runs serve with args until its banner is printed, and returns
// the banner.
func demoBanner(t *testing.T, args ...string) string {
	t.Helper()
	clearEnv(t)
	cfg, err := parseServeFlags(append(args, "--log-level", "error"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, pw, io.Discard); pw.Close() }()
	var banner strings.Builder
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		banner.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "Press Ctrl-C") {
			break
		}
	}
	cancel()
	go io.Copy(io.Discard, pr)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return banner.String()
}

// Listening on all addresses, the demo banner shows an address a browser
// or client can use (127.0.0.1), not http://[::]:port.
func TestDemoBannerShowsAUsableAddress(t *testing.T) {
	b := demoBanner(t, "--demo", "--listen", ":0")
	if !strings.Contains(b, "MCP endpoint:  http://127.0.0.1:") || strings.Contains(b, "[::]") || strings.Contains(b, "0.0.0.0") {
		t.Fatalf("banner:\n%s", b)
	}
}

// With the demo Letta, the banner says where the chat page is and how to
// sign in; without Letta there is no chat page to name.
func TestDemoBannerNamesTheChatPage(t *testing.T) {
	for _, c := range []struct {
		args []string
		chat bool
	}{
		{[]string{"--demo", "--listen", "127.0.0.1:0"}, false},
		{[]string{"--demo", "--demo-letta", "--listen", "127.0.0.1:0"}, true},
	} {
		b := demoBanner(t, c.args...)
		has := strings.Contains(b, "Chat in a browser:  http://127.0.0.1:") && strings.Contains(b, "/chat\n") &&
			strings.Contains(b, `sign in as "`+fakeodoo.AdminLogin+`" with the API key `+fakeodoo.AdminKey)
		if has != c.chat {
			t.Errorf("%v: chat page named %v, want %v; banner:\n%s", c.args, has, c.chat, b)
		}
	}
}
