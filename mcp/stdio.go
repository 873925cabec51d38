package mcp

import (
	"context"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"
)

// ServeStdio serves the tools over t (standard input and output, for a
// desktop MCP client that starts odoo-mcp itself) until the client leaves
// or ctx ends. There are no HTTP headers on stdio: every request runs as
// the Odoo user of authorization, an Authorization header value (Basic
// base64(login:key), or Bearer key on Odoo 19+). It is checked as over
// HTTP, through the authenticator and its cache, so a key revoked in Odoo
// stops working within the cache TTL. Call it once per Endpoint.
func (ep *Endpoint) ServeStdio(ctx context.Context, t gomcp.Transport, authorization string) error {
	ep.stdio = authorization
	return ep.server.Run(ctx, t)
}
