package mcp

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"
)

// The go-sdk runs a tool handler under its session's context, not under
// the HTTP request that carried the call: in stateless mode the session's
// context never ends while the handler runs, in stateful mode it is the
// context of the session's first request. A caller who hangs up would
// leave its call running, and a write would still be sent to Odoo. So each
// POST is registered here under an id put in an internal header (the SDK
// hands the request's header to the handler), and tools/call runs under a
// context that also ends with its HTTP request.

// requestHeader carries the registration id; a caller's own value is
// dropped before the request is registered.
const requestHeader = "X-Odoo-Mcp-Internal-Request"

// errCallerGone is the cause of a tool call cancelled because its HTTP
// request ended (the caller disconnected).
var errCallerGone = errors.New("the caller disconnected")

// requests maps registration ids to the contexts of the HTTP requests in
// flight.
type requests struct {
	next atomic.Uint64
	m    sync.Map // string → context.Context
}

// track registers r until the returned function is called.
func (rs *requests) track(r *http.Request) (done func()) {
	id := strconv.FormatUint(rs.next.Add(1), 36)
	r.Header.Set(requestHeader, id)
	rs.m.Store(id, r.Context())
	return func() { rs.m.Delete(id) }
}

// cancelWithRequest ends a tool call's context when the HTTP request that
// carried it ends. A call whose request is already over (the caller left
// before the handler started) starts cancelled. Calls that came without a
// registered request (stdio) are left alone: there the SDK cancels them on
// notifications/cancelled or when the input closes.
func (ep *Endpoint) cancelWithRequest(next gomcp.MethodHandler) gomcp.MethodHandler {
	return func(ctx context.Context, method string, req gomcp.Request) (gomcp.Result, error) {
		extra := req.GetExtra()
		if (method != "tools/call" && method != "resources/read") || extra == nil || extra.Header == nil {
			return next(ctx, method, req)
		}
		id := extra.Header.Get(requestHeader)
		if id == "" {
			return next(ctx, method, req)
		}
		ctx, cancel := context.WithCancelCause(ctx)
		defer cancel(nil)
		if v, ok := ep.requests.m.Load(id); ok {
			stop := context.AfterFunc(v.(context.Context), func() { cancel(errCallerGone) })
			defer stop()
		} else {
			cancel(errCallerGone)
		}
		return next(ctx, method, req)
	}
}
