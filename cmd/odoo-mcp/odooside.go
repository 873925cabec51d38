package main

import (
	"time"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/metrics"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// odooSide is the Odoo client and the authenticator over it. serve, stdio
// and doctor build it here, from the one configuration, so that they talk
// to Odoo and check credentials the same way.
type odooSide struct {
	client *odoorpc.Client
	authn  *auth.Authenticator
}

// odooExtras are what only some commands add to the Odoo side.
type odooExtras struct {
	// metrics observes every Odoo request and the credential cache (serve).
	metrics *metrics.Metrics
	// tokens verifies thread tokens (serve with Letta); nil refuses them.
	tokens *auth.Tokens
	// timeout replaces ODOO_MCP_ODOO_TIMEOUT (doctor's per-check bound).
	timeout time.Duration
}

// newOdooSide builds the Odoo client and the authenticator from cfg.
func newOdooSide(cfg *serveConfig, x odooExtras) (*odooSide, error) {
	proto, err := odoorpc.ParseProtocol(cfg.OdooProtocol)
	if err != nil {
		return nil, err
	}
	timeout := cfg.OdooTimeout
	if x.timeout > 0 {
		timeout = x.timeout
	}
	oc := odoorpc.Config{
		URL: cfg.OdooURL, DB: cfg.OdooDB, Protocol: proto,
		Timeout: timeout, UserAgent: "odoo-mcp/" + version,
	}
	ao := auth.Options{TTL: cfg.AuthTTL, FailureTTL: cfg.AuthFailureTTL, Tokens: x.tokens}
	if m := x.metrics; m != nil {
		oc.Observe = func(method string, d time.Duration, err error) { m.OdooRequest(method, odoorpc.Outcome(err), d) }
		ao.OnCache = m.AuthCache
		ao.OnEvict = m.CacheEvicted(metrics.CacheCredentials)
	}
	client, err := odoorpc.New(oc)
	if err != nil {
		return nil, err
	}
	return &odooSide{client: client, authn: auth.NewAuthenticator(client, ao)}, nil
}
