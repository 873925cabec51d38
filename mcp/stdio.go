package mcp

import (
	"context"
	"net/http"

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
	ep.server.AddReceivingMiddleware(withHeader(http.Header{"Authorization": {authorization}}))
	return ep.server.Run(ctx, t)
}

// withHeader gives requests that arrive without HTTP headers the given
// ones, for the requests whose handlers read them: tools/call and
// resources/read (the caller and the audit line) and tools/list (the
// thread filter).
func withHeader(h http.Header) gomcp.Middleware {
	return func(next gomcp.MethodHandler) gomcp.MethodHandler {
		return func(ctx context.Context, method string, req gomcp.Request) (gomcp.Result, error) {
			switch r := req.(type) {
			case *gomcp.CallToolRequest:
				if r.Extra == nil {
					r.Extra = &gomcp.RequestExtra{}
				}
				if r.Extra.Header == nil {
					r.Extra.Header = h
				}
			case *gomcp.ReadResourceRequest:
				if r.Extra == nil {
					r.Extra = &gomcp.RequestExtra{}
				}
				if r.Extra.Header == nil {
					r.Extra.Header = h
				}
			case *gomcp.ListToolsRequest:
				if r.Extra == nil {
					r.Extra = &gomcp.RequestExtra{}
				}
				if r.Extra.Header == nil {
					r.Extra.Header = h
				}
			}
			return next(ctx, method, req)
		}
	}
}
