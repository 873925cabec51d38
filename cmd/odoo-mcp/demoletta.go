package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/odoo-mcp/odoo-mcp/fakeletta"
)

// maxOrgMemory bounds --org-memory-file: a memory block is read by the
// model at every step; a book does not belong there.
const maxOrgMemory = 50000

// orgMemory reads --org-memory-file ("" when unset).
func (c *serveConfig) orgMemory() (string, error) {
	if strings.TrimSpace(c.OrgMemoryFile) == "" {
		return "", nil
	}
	b, err := os.ReadFile(c.OrgMemoryFile)
	if err != nil {
		return "", fmt.Errorf("--org-memory-file (ODOO_MCP_ORG_MEMORY_FILE): %v", err)
	}
	if !utf8.Valid(b) {
		return "", fmt.Errorf("--org-memory-file (ODOO_MCP_ORG_MEMORY_FILE) %s: not UTF-8 text", c.OrgMemoryFile)
	}
	text := strings.TrimSpace(string(b))
	if n := utf8.RuneCountInString(text); n > maxOrgMemory {
		return "", fmt.Errorf("--org-memory-file (ODOO_MCP_ORG_MEMORY_FILE) %s: %d characters, at most %d (keep what every agent must know)", c.OrgMemoryFile, n, maxOrgMemory)
	}
	return text, nil
}

// demoPublicURL is the public URL the demo registers with its fake Letta: a
// public-looking name (Letta 0.16.7+ refuses loopback ones), which the
// fake's MCP client dials at the real listener.
const demoPublicURL = "http://odoo-mcp.demo.example.com"

// demoLetta is the fake Letta of --demo-letta, on a loopback port.
type demoLetta struct {
	URL    string
	srv    *http.Server
	target atomic.Value // odoo-mcp's listen address, once known
}

// startDemoLetta starts the fake Letta and points cfg at it (Letta URL,
// public URL, and a random signing key unless one is set).
func startDemoLetta(cfg *serveConfig) (*demoLetta, error) {
	d := &demoLetta{}
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		addr, _ := d.target.Load().(string)
		if addr == "" {
			return nil, errors.New("odoo-mcp is not listening yet")
		}
		return (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, network, addr)
	}
	hc := &http.Client{Transport: demoHostRewrite{rt: &http.Transport{DialContext: dial}, d: d}}
	fake := fakeletta.New(fakeletta.Options{Version: fakeletta.VersionNew, HTTPClient: hc, AllowPrivateURLs: true})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start the demo Letta: %w", err)
	}
	d.srv = &http.Server{Handler: fake, ReadHeaderTimeout: 5 * time.Second}
	go d.srv.Serve(ln)
	d.URL = "http://" + ln.Addr().String()
	cfg.LettaURL = d.URL
	if strings.TrimSpace(cfg.PublicURL) == "" {
		cfg.PublicURL = demoPublicURL
	}
	if cfg.SigningKey == "" {
		var b [32]byte
		_, _ = rand.Read(b[:])
		cfg.SigningKey = hex.EncodeToString(b[:])
	}
	return d, nil
}

// SetTarget tells the fake Letta where odoo-mcp listens.
func (d *demoLetta) SetTarget(addr string) { d.target.Store(addr) }

func (d *demoLetta) Close() { d.srv.Close() }

// demoHostRewrite sends the listener's own address as Host: odoo-mcp
// refuses a foreign Host on a loopback listener (DNS rebinding).
type demoHostRewrite struct {
	rt http.RoundTripper
	d  *demoLetta
}

func (h demoHostRewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	addr, _ := h.d.target.Load().(string)
	r = r.Clone(r.Context())
	r.Host = addr
	return h.rt.RoundTrip(r)
}
