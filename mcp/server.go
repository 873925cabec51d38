// Package mcp serves the Odoo tools over the Model Context Protocol
// (Streamable HTTP at /mcp): the go-sdk server, its HTTP handler, and the
// authentication in front of it.
package mcp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/limits"
	"github.com/odoo-mcp/odoo-mcp/tools"
)

// Authenticator resolves an Authorization header to an Odoo identity.
type Authenticator interface {
	Authenticate(ctx context.Context, header string) (*auth.Identity, error)
}

// Config wires the MCP endpoint.
type Config struct {
	Odoo   tools.Odoo
	Auth   Authenticator
	Policy tools.Policy
	// Context is merged into every Odoo call's context (e.g.
	// allowed_company_ids); the user's own lang and tz come first.
	Context map[string]any
	// PublicToolList lets initialize and tools/list through without a valid
	// credential, for Letta servers that list tools with a placeholder key.
	PublicToolList bool
	// Stateful keeps MCP sessions in memory (Mcp-Session-Id). The default,
	// stateless, lets any replica serve any request.
	Stateful bool
	// JSONResponse answers POSTs with application/json instead of SSE.
	JSONResponse bool
	MaxBodyBytes int64
	// Rate limits requests per caller (nil: no limit).
	Rate *limits.Rate
	// Metrics, when set, counts tool calls by tool and outcome.
	Metrics interface {
		ToolCall(tool, outcome string, d time.Duration)
	}
	// ResourceMetadataURL, when set (OAuth on), is named in the Bearer
	// challenge of every 401 so that OAuth clients find the authorization
	// server (RFC 9728).
	ResourceMetadataURL string
	Version             string
	Logger              *slog.Logger
}

// Endpoint is the /mcp handler with its SDK server.
type Endpoint struct {
	cfg     Config
	server  *gomcp.Server
	handler http.Handler
	log     *slog.Logger
	listed  map[string]bool // tools/list under the policy
	known   map[string]bool // every registered tool, listed or not
	// readTools are the tools a read-only caller (an OAuth grant without
	// odoo.write) may list and call: the policy's, read-only.
	readTools map[string]bool
	// requests in flight, so that a tool call ends with its HTTP request
	requests requests
}

// unknownTool is the one metric label and audit value of every tool name
// that is not a registered tool: a caller can send any name, and each
// would otherwise become a new metric series.
const unknownTool = "unknown"

// toolLabel is name when it names a registered tool, else unknownTool.
func (ep *Endpoint) toolLabel(name string) string {
	if ep.known[name] {
		return name
	}
	return unknownTool
}

// Instructions tell an MCP client how to use the tools well.
const instructions = `Tools for one Odoo database, running as the Odoo user whose credential you sent: Odoo's access rights apply. Start with odoo_model_inspector to learn a model's fields, then odoo_record_retriever with a domain and the fields you need. Writing tools change real data: confirm with the user first. Results are JSON.`

// New builds the MCP endpoint.
func New(cfg Config) *Endpoint {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	ep := &Endpoint{cfg: cfg, log: cfg.Logger, listed: tools.Listed(cfg.Policy), known: map[string]bool{}}
	readOnly := cfg.Policy
	readOnly.ReadOnly = true
	ep.readTools = tools.Listed(readOnly)
	for _, t := range tools.Inventory() {
		ep.known[t.Def.Name] = true
	}
	// The SDK logs every session at info; keep only its warnings.
	sdkLog := slog.New(minLevel{cfg.Logger.Handler(), slog.LevelWarn})
	ep.server = gomcp.NewServer(&gomcp.Implementation{Name: "odoo-mcp", Title: "Odoo", Version: cfg.Version},
		&gomcp.ServerOptions{Instructions: instructions, Logger: sdkLog})
	tools.Register(ep.server, tools.Deps{
		Odoo:   cfg.Odoo,
		Policy: cfg.Policy,
		Caller: ep.caller,
		Logger: cfg.Logger,
	})
	ep.server.AddReceivingMiddleware(ep.cancelWithRequest, ep.filterToolList, ep.audit)
	sdk := gomcp.NewStreamableHTTPHandler(func(*http.Request) *gomcp.Server { return ep.server },
		&gomcp.StreamableHTTPOptions{
			Stateless:           !cfg.Stateful,
			JSONResponse:        cfg.JSONResponse,
			MaxRequestBodyBytes: cfg.MaxBodyBytes,
			Logger:              sdkLog,
		})
	ep.handler = ep.authenticate(sdk)
	return ep
}

// ServeHTTP serves /mcp.
func (ep *Endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.Header.Del(requestHeader)
	defer ep.requests.track(r)()
	ep.handler.ServeHTTP(w, r)
}

// Server is the underlying SDK server (for in-process transports).
func (ep *Endpoint) Server() *gomcp.Server { return ep.server }

// caller resolves the Odoo user of a tool call. The HTTP middleware has
// already checked the credential, so this is a cache hit; resolving from
// the request's own headers keeps it right in stateful sessions too.
func (ep *Endpoint) caller(ctx context.Context, req *gomcp.CallToolRequest) (tools.Caller, error) {
	id, err := ep.identity(ctx, req.Extra)
	if err != nil {
		return tools.Caller{}, err
	}
	if id.Thread != nil && !slices.Contains(id.Thread.Tools, req.Params.Name) {
		return tools.Caller{}, &tools.PolicyError{Msg: fmt.Sprintf("tool %s is not enabled for this thread", req.Params.Name)}
	}
	if id.ReadOnly && !ep.readTools[req.Params.Name] {
		return tools.Caller{}, &tools.PolicyError{Msg: fmt.Sprintf("tool %s writes, and this grant may only read (scope odoo.write needed)", req.Params.Name)}
	}
	if a, ok := ctx.Value(callerKey{}).(*callerSeen); ok {
		a.id = id // for the audit line: no second lookup
	}
	c := tools.Caller{DB: id.DB, UID: id.UID, Credentials: id.Credentials, Context: ep.odooContext(id)}
	return c, nil
}

// callerKey carries a *callerSeen from the audit middleware to caller,
// which records the identity it resolved.
type callerKey struct{}

type callerSeen struct{ id *auth.Identity }

func (ep *Endpoint) identity(ctx context.Context, extra *gomcp.RequestExtra) (*auth.Identity, error) {
	if extra == nil || extra.Header == nil {
		return nil, errors.New("authentication required")
	}
	id, err := ep.cfg.Auth.Authenticate(ctx, extra.Header.Get("Authorization"))
	if err != nil {
		return nil, fmt.Errorf("authentication failed: %w", err)
	}
	if id.Thread != nil && id.Thread.Listing {
		return nil, errors.New("this token can list tools but not call them")
	}
	return id, nil
}

// odooContext is the user's context with the configured context on top.
func (ep *Endpoint) odooContext(id *auth.Identity) map[string]any {
	if len(ep.cfg.Context) == 0 {
		return id.Context
	}
	out := make(map[string]any, len(id.Context)+len(ep.cfg.Context))
	for k, v := range id.Context {
		out[k] = v
	}
	for k, v := range ep.cfg.Context {
		out[k] = v
	}
	return out
}

// filterToolList narrows tools/list to what the policy enables (read-only
// mode hides the writing tools) and, for a thread token, to the thread's
// tools.
func (ep *Endpoint) filterToolList(next gomcp.MethodHandler) gomcp.MethodHandler {
	return func(ctx context.Context, method string, req gomcp.Request) (gomcp.Result, error) {
		res, err := next(ctx, method, req)
		if method != "tools/list" || err != nil {
			return res, err
		}
		list, ok := res.(*gomcp.ListToolsResult)
		if !ok {
			return res, err
		}
		var thread []string
		restrict, readOnly := false, false
		if extra := req.GetExtra(); extra != nil && extra.Header != nil {
			id, aerr := ep.cfg.Auth.Authenticate(ctx, extra.Header.Get("Authorization"))
			if aerr == nil && id.Thread != nil && !id.Thread.Listing {
				thread, restrict = id.Thread.Tools, true
			}
			readOnly = aerr == nil && id.ReadOnly
		}
		kept := make([]*gomcp.Tool, 0, len(list.Tools))
		for _, t := range list.Tools {
			if ep.listed[t.Name] && (!restrict || slices.Contains(thread, t.Name)) && (!readOnly || ep.readTools[t.Name]) {
				kept = append(kept, t)
			}
		}
		filtered := *list
		filtered.Tools = kept
		return &filtered, nil
	}
}

// minLevel drops records below a level, whatever the wrapped handler allows.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (m minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.min && m.Handler.Enabled(ctx, l)
}

func (m minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{m.Handler.WithAttrs(attrs), m.min}
}

func (m minLevel) WithGroup(name string) slog.Handler {
	return minLevel{m.Handler.WithGroup(name), m.min}
}

// audit writes one log line per tool call: who, which tool, the outcome and
// the duration; never arguments or values.
func (ep *Endpoint) audit(next gomcp.MethodHandler) gomcp.MethodHandler {
	return func(ctx context.Context, method string, req gomcp.Request) (gomcp.Result, error) {
		if method != "tools/call" {
			return next(ctx, method, req)
		}
		start := time.Now()
		ctx, touched := tools.WithAudit(ctx)
		seen := &callerSeen{}
		res, err := next(context.WithValue(ctx, callerKey{}, seen), method, req)
		params, _ := req.GetParams().(*gomcp.CallToolParamsRaw)
		name := toolName(params)
		label := ep.toolLabel(name)
		attrs := []any{"tool", label, "duration_ms", millis(time.Since(start))}
		if label != name {
			// Say what was asked for, bounded: the name is the caller's.
			attrs = append(attrs, "requested_tool", truncateName(name))
		}
		if touched.Model != "" {
			attrs = append(attrs, "model", touched.Model)
		}
		if len(touched.IDs) > 0 {
			attrs = append(attrs, "record_ids", auditIDs(touched.IDs), "records", len(touched.IDs))
		}
		id := seen.id
		if extra := req.GetExtra(); id == nil && extra != nil && extra.Header != nil {
			// The call ended before its caller was resolved (bad
			// arguments, say): look the credential up here.
			if found, aerr := ep.cfg.Auth.Authenticate(ctx, extra.Header.Get("Authorization")); aerr == nil {
				id = found
			}
		}
		if id != nil {
			attrs = append(attrs, "db", id.DB, "uid", id.UID)
			if id.Thread != nil {
				attrs = append(attrs, "thread", id.Thread.Thread, "agent", id.Thread.AgentID)
			}
			if id.OAuthClient != "" {
				attrs = append(attrs, "oauth_client", truncateName(id.OAuthClient))
			}
		}
		outcome := "ok"
		switch r, _ := res.(*gomcp.CallToolResult); {
		case err != nil:
			outcome = "protocol_error"
			ep.log.WarnContext(ctx, "tool call failed", append(attrs, "outcome", outcome, "error", err.Error())...)
		case r != nil && r.IsError:
			outcome = "error"
			ep.log.InfoContext(ctx, "tool call", append(attrs, "outcome", outcome)...)
		default:
			ep.log.InfoContext(ctx, "tool call", append(attrs, "outcome", outcome)...)
		}
		if ep.cfg.Metrics != nil {
			ep.cfg.Metrics.ToolCall(label, outcome, time.Since(start))
		}
		return res, err
	}
}

// auditIDs bounds the ids written in one log line; the count is logged beside.
func auditIDs(ids []int64) []int64 {
	const max = 50
	if len(ids) > max {
		return ids[:max]
	}
	return ids
}

// truncateName bounds a caller-given name written in a log line.
func truncateName(s string) string {
	const max = 64
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

func toolName(p *gomcp.CallToolParamsRaw) string {
	if p == nil {
		return ""
	}
	return p.Name
}
