package mcp

import (
	"context"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/requestid"
)

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
