package main

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
)

// Listening on all addresses, the demo banner shows an address a browser
// or client can use (127.0.0.1), not http://[::]:port.
func TestDemoBannerShowsAUsableAddress(t *testing.T) {
	clearEnv(t)
	cfg, err := parseServeFlags([]string{"--demo", "--listen", ":0", "--log-level", "error"}, io.Discard)
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
	b := banner.String()
	if !strings.Contains(b, "MCP endpoint:  http://127.0.0.1:") || strings.Contains(b, "[::]") || strings.Contains(b, "0.0.0.0") {
		t.Fatalf("banner:\n%s", b)
	}
}
