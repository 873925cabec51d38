package main

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"net"
	"strings"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/httpapp"
	"github.com/odoo-mcp/odoo-mcp/oauth"
)

// The OAuth wiring of serve: the authorization server and /mcp's
// credential check that also takes its access tokens; serve.go mounts
// oauth.Paths() on the HTTP application.

// newOAuth builds the authorization server when --oauth is on (nil
// otherwise). With --demo, a missing public URL is the listen address and
// a missing signing key a random one (tokens then die with the process).
// The public URL --demo-letta names for its fake Letta (demoPublicURL) is
// no address a browser reaches: OAuth takes the listen address instead,
// so that the demo's sign-in pages and /chat's "Sign in with Odoo" work.
func newOAuth(cfg *serveConfig, db string, authn *auth.Authenticator, log *slog.Logger) (*oauth.Server, error) {
	if !cfg.OAuth {
		return nil, nil
	}
	public, key := cfg.PublicURL, cfg.SigningKey
	if cfg.Demo && (public == "" || (cfg.DemoLetta && public == demoPublicURL)) {
		host, port, _ := net.SplitHostPort(cfg.Listen)
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		public = "http://" + net.JoinHostPort(host, port)
	}
	if cfg.Demo && key == "" {
		key = rand.Text() + rand.Text()
	}
	s, err := oauth.New(oauth.Config{
		PublicURL: strings.TrimRight(public, "/"), SigningKey: key, DB: db, Odoo: authn,
		AccessTTL: cfg.OAuthAccessTTL, RefreshTTL: cfg.OAuthRefreshTTL,
		AllowPrivateClientIDs: cfg.OAuthAllowPrivateClientIDs, Logger: log,
	})
	if err != nil {
		return nil, fmt.Errorf("OAuth: %w", err)
	}
	log.Info("OAuth on: clients sign in with an Odoo login and API key", "issuer", s.Issuer(), "resource", s.Resource(),
		"access_ttl", cfg.OAuthAccessTTL, "refresh_ttl", cfg.OAuthRefreshTTL)
	return s, nil
}

// mcpAuth is /mcp's credential check: API keys and thread tokens, plus
// OAuth access tokens for /mcp when OAuth is on.
func mcpAuth(s *oauth.Server, authn *auth.Authenticator) httpapp.Authenticator {
	if s == nil {
		return authn
	}
	return s.Authenticator(authn)
}

func resourceMetadataURL(s *oauth.Server) string {
	if s == nil {
		return ""
	}
	return s.ResourceMetadataURL()
}

// apiAuth is the thread API's credential check: the user's Odoo
// credentials, plus OAuth access tokens issued for the thread API (the
// chat page's "Sign in with Odoo") when OAuth is on.
func apiAuth(s *oauth.Server, authn *auth.Authenticator) httpapp.Authenticator {
	if s == nil {
		return authn
	}
	return s.APIAuthenticator(authn)
}

func apiResourceMetadataURL(s *oauth.Server) string {
	if s == nil {
		return ""
	}
	return s.APIResourceMetadataURL()
}
