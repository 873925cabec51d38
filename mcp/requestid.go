package mcp

import (
	"context"

	"github.com/labstack/echo/v4"
	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/requestid"
)

// requestID gives every request an id: the caller's X-Request-Id when it is
// a sane one (a proxy's), else a fresh one. The id goes back in the
// response header, and into the request's context and header, so that
// every line logged while handling the request carries it (through
// requestid.Handler): the thread API's lines, and over MCP the audit line
// of each tool call.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		id := r.Header.Get(requestid.Header)
		if !requestid.Valid(id) {
			id = requestid.New()
			r.Header.Set(requestid.Header, id)
		}
		c.Response().Header().Set(requestid.Header, id)
		c.SetRequest(r.WithContext(requestid.With(r.Context(), id)))
		return next(c)
	}
}

// mcpRequestID puts the id of the HTTP request that carried an MCP message
// in the context its handlers log with. The SDK runs the handlers of a
// stateful session under the context of the session's first request; the
// current request's id comes from its header (set by requestID).
func mcpRequestID(next gomcp.MethodHandler) gomcp.MethodHandler {
	return func(ctx context.Context, method string, req gomcp.Request) (gomcp.Result, error) {
		if extra := req.GetExtra(); extra != nil && extra.Header != nil {
			if id := extra.Header.Get(requestid.Header); id != "" && id != requestid.From(ctx) {
				ctx = requestid.With(ctx, id)
			}
		}
		return next(ctx, method, req)
	}
}
