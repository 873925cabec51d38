package mcp

import (
	"context"
	"fmt"
	"slices"
	"time"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/tools"
)

// Protocol 2026-07-28 (SEP-2575, SEP-2549) as odoo-mcp speaks it. The
// go-sdk answers server/discover, checks Mcp-Method / Mcp-Name, adds
// resultType and serverInfo, and accepts 2026-07-28 requests only in
// stateless mode (a stateful handler answers them with -32022, and the
// go-sdk client then falls back to initialize at 2025-11-25). What is
// odoo-mcp's own: how long a list may be cached, and by whom.

// ListTTL is how long a client may cache tools/list and the resource
// lists (ttlMs). The tool list changes only with the server's
// configuration (a restart) or the credential (a thread token names its
// tools), and a client caches it per connection, so minutes are safe; a
// redeployment with other settings is seen within this time.
const ListTTL = 5 * time.Minute

// setCacheable decides ttlMs and cacheScope of every cacheable result.
// tools/list depends on the caller (read-only mode is global, but a
// thread token narrows the list to its thread's tools, an OAuth grant
// without odoo.write to the reading tools, and an anonymous caller with
// the public tool list sees another list than a thread's agent), so it is
// private: no shared cache may serve one caller's list
// to another. The resource lists are the same for every caller: public.
// A resource read is a record or file as one user sees it now: private
// and never fresh. server/discover describes the server only: public.
func setCacheable(_ context.Context, req gomcp.Request, c *gomcp.Cacheable) {
	switch req.(type) {
	case *gomcp.ListToolsRequest:
		c.TTLMs, c.CacheScope = int(ListTTL/time.Millisecond), "private"
	case *gomcp.ListResourceTemplatesRequest, *gomcp.ListResourcesRequest, *gomcp.ListPromptsRequest:
		c.TTLMs, c.CacheScope = int(ListTTL/time.Millisecond), "public"
	case *gomcp.ReadResourceRequest:
		c.TTLMs, c.CacheScope = 0, "private"
	default: // server/discover
		c.TTLMs, c.CacheScope = int(ListTTL/time.Millisecond), "public"
	}
}

// resourceCaller is the Odoo user of a resources/read request, as
// resolved for the message (resolve), refused as caller refuses a tool
// call. A record or file is what the retriever would read, so a thread
// token may read resources only when its thread has the retriever.
func (ep *Endpoint) resourceCaller(ctx context.Context, _ *gomcp.ReadResourceRequest) (tools.Caller, error) {
	id, err := ep.identified(ctx, "read resources")
	switch {
	case err != nil:
		return tools.Caller{}, err
	case id.Thread != nil && !slices.Contains(id.Thread.Tools, retrieverTool):
		return tools.Caller{}, &tools.PolicyError{Msg: fmt.Sprintf("reading resources needs %s, which is not enabled for this thread", retrieverTool)}
	}
	return ep.callerOf(id), nil
}

const retrieverTool = "odoo_record_retriever"

// auditRead writes one log line per resources/read, as audit does per tool
// call: who, the model and record id, the outcome, never the content.
func (ep *Endpoint) auditRead(ctx context.Context, next gomcp.MethodHandler, method string, req gomcp.Request) (gomcp.Result, error) {
	start := time.Now()
	ctx, touched := tools.WithAudit(ctx)
	res, err := next(ctx, method, req)
	attrs := []any{"duration_ms", millis(time.Since(start))}
	if touched.Model != "" {
		attrs = append(attrs, "model", touched.Model)
	}
	if len(touched.IDs) > 0 {
		attrs = append(attrs, "record_ids", auditIDs(touched.IDs), "records", len(touched.IDs))
	}
	if id := auth.IdentityFrom(ctx); id != nil {
		attrs = append(attrs, "db", id.DB, "uid", id.UID)
		if id.Thread != nil {
			attrs = append(attrs, "thread", id.Thread.Thread, "agent", id.Thread.AgentID)
		}
		if id.OAuthClient != "" {
			attrs = append(attrs, "oauth_client", truncateName(id.OAuthClient))
		}
	}
	if err != nil {
		ep.log.InfoContext(ctx, "resource read", append(attrs, "outcome", "error", "error", err.Error())...)
	} else {
		ep.log.InfoContext(ctx, "resource read", append(attrs, "outcome", "ok")...)
	}
	return res, err
}
