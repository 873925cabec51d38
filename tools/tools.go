// Package tools implements the six Odoo tools of odoo-llm over a small Odoo
// client interface: odoo_record_retriever, odoo_record_creator,
// odoo_record_updater, odoo_record_unlinker, odoo_model_method_executor and
// odoo_model_inspector; and a seventh, odoo_record_aggregator (totals by
// group). Names and argument names match odoo-llm so agents and
// prompts written for it keep working; schemas are strict, results are JSON.
package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/internal/boundcache"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// Odoo is what the tools need from an Odoo client. Execute returns valid
// JSON (odoorpc checks every answer); the retriever relies on it.
type Odoo interface {
	Execute(ctx context.Context, cred odoorpc.Credentials, call odoorpc.Call) (json.RawMessage, error)
}

// Caller is the Odoo user a tool call runs as.
type Caller struct {
	DB          string
	UID         int64
	Credentials odoorpc.Credentials
	// Context is sent with every Odoo call (lang, tz, allowed_company_ids).
	Context map[string]any
}

// CallerFunc resolves the caller of a tool call from the MCP request
// (headers, token info). An error refuses the call.
type CallerFunc func(ctx context.Context, req *mcp.CallToolRequest) (Caller, error)

// Deps are what the tool handlers share.
type Deps struct {
	Odoo   Odoo
	Policy Policy
	Caller CallerFunc
	// ResourceCaller resolves the caller of a resources/read request.
	ResourceCaller ResourceCallerFunc
	// MaxAttachmentBytes caps an attachment's content read as a resource
	// or created through the creator (0: DefaultMaxAttachmentBytes).
	MaxAttachmentBytes int64
	Logger             *slog.Logger
	// FieldsTTL is how long fields_get answers are reused, per database,
	// user, model and language (default 10 minutes). FieldsCacheSize bounds
	// how many are held (default DefaultFieldsCacheSize): the model name is
	// the caller's. OnFieldsEvict, when set, counts entries pushed out.
	FieldsTTL       time.Duration
	FieldsCacheSize int
	OnFieldsEvict   func()
}

// DefaultFieldsCacheSize is the default bound of the fields_get cache.
const DefaultFieldsCacheSize = 1000

// Tool couples a tool's definition with its handler.
type Tool struct {
	Def     *mcp.Tool
	handler func(*env) mcp.ToolHandler
}

// ReadOnly derives from the annotations, the single source of truth.
func (t Tool) ReadOnly() bool { return t.Def.Annotations != nil && t.Def.Annotations.ReadOnlyHint }

// Inventory lists every tool in a stable order. Every tool takes the
// optional context argument.
func Inventory() []Tool {
	tools := []Tool{retriever(), creator(), updater(), unlinker(), methodExecutor(), modelInspector(), aggregator()}
	for _, t := range tools {
		t.Def.InputSchema.(schema)["properties"].(schema)["context"] = contextSchema()
	}
	return tools
}

// Enabled lists the tools the policy lets exist at all: in read-only mode
// the four writing tools are gone.
func Enabled(p Policy) []Tool {
	var out []Tool
	for _, t := range Inventory() {
		if p.ReadOnly && !t.ReadOnly() {
			continue
		}
		out = append(out, t)
	}
	return out
}

// Register adds every tool to the server. Tools the policy disables stay
// registered so that a call gets a clear refusal instead of "unknown tool";
// Listed tells which ones tools/list shows.
func Register(s *mcp.Server, deps Deps) {
	e := newEnv(deps)
	for _, t := range Inventory() {
		// Icons are presentation, not part of the locked definition.
		t.Def.Icons = ToolIcons(t.Def.Name)
		s.AddTool(t.Def, e.guard(t, t.handler(e)))
	}
	registerResources(s, e)
}

// Listed is the set of tool names tools/list shows under a policy.
func Listed(p Policy) map[string]bool {
	out := map[string]bool{}
	for _, t := range Enabled(p) {
		out[t.Def.Name] = true
	}
	return out
}

// env is the shared state behind the handlers.
type env struct {
	Deps
	fields *boundcache.Cache[string, any]
}

func newEnv(d Deps) *env {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.FieldsTTL <= 0 {
		d.FieldsTTL = 10 * time.Minute
	}
	if d.FieldsCacheSize <= 0 {
		d.FieldsCacheSize = DefaultFieldsCacheSize
	}
	d.Policy = d.Policy.withDefaults()
	return &env{Deps: d, fields: boundcache.New[string, any](d.FieldsCacheSize, d.OnFieldsEvict)}
}

// guard applies the read-only policy on every call (not only in the listing)
// and turns panics into tool errors, so none crosses a request.
func (e *env) guard(t Tool, h mcp.ToolHandler) mcp.ToolHandler {
	readOnly := t.ReadOnly()
	return func(ctx context.Context, req *mcp.CallToolRequest) (res *mcp.CallToolResult, err error) {
		defer func() {
			if r := recover(); r != nil {
				e.Logger.ErrorContext(ctx, "tool panicked", "tool", t.Def.Name, "panic", fmt.Sprint(r))
				res, err = errorResult(errors.New("internal error in odoo-mcp; the call was not completed")), nil
			}
		}()
		if e.Policy.ReadOnly && !readOnly {
			return errorResult(fmt.Errorf("%s is disabled: odoo-mcp runs in read-only mode", t.Def.Name)), nil
		}
		return h(ctx, req)
	}
}

// caller resolves who runs the call.
func (e *env) caller(ctx context.Context, req *mcp.CallToolRequest) (Caller, error) {
	if e.Caller == nil {
		return Caller{}, errors.New("no caller resolver configured")
	}
	return e.Caller(ctx, req)
}

// execute runs one Odoo call as the caller, with the caller's context.
func (e *env) execute(ctx context.Context, c Caller, call odoorpc.Call) (json.RawMessage, error) {
	if call.Context == nil {
		call.Context = c.Context
	}
	return e.Odoo.Execute(ctx, c.Credentials, call)
}

// audited is what a tool tells the audit line about one call: the model its
// arguments name and the records its result touched. Each tool declares it
// beside its definition, so that adding a tool touches one file.
type audited[In any, Out any] struct {
	model   func(In) string
	touched func(Out) []int64 // nil: the call touches no records
}

// handle wraps the common shape of every handler: decode arguments, resolve
// the caller, run, and turn the outcome into a result.
func handle[In any, Out any](e *env, run func(ctx context.Context, c Caller, in In) (Out, error), a audited[In, Out]) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		in, err := decodeArgs[In](req.Params.Arguments)
		if err != nil {
			return errorResult(err), nil
		}
		audit := auditOf(ctx)
		if audit != nil && a.model != nil {
			audit.Model = a.model(in)
		}
		c, err := e.caller(ctx, req)
		if err != nil {
			return errorResult(err), nil
		}
		if cc, ok := any(in).(contextual); ok {
			c = c.withCallContext(cc.callContext())
		}
		out, err := run(ctx, c, in)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return nil, err
			}
			return errorResult(err), nil
		}
		if audit != nil && a.touched != nil {
			audit.IDs = a.touched(out)
		}
		res, err := jsonResult(out)
		addLinks(ctx, res, out, req)
		return res, err
	}
}

// jsonResult returns out both as structured content and as a JSON text
// block: Letta reads only the text, MCP clients may read either.
func jsonResult(out any) (*mcp.CallToolResult, error) {
	var text []byte
	if a, ok := out.(jsonAppender); ok {
		text = a.appendJSON(make([]byte, 0, 1024))
	} else {
		var err error
		if text, err = json.Marshal(out); err != nil {
			return nil, fmt.Errorf("encode result: %w", err)
		}
	}
	return &mcp.CallToolResult{
		Content:           []mcp.Content{&mcp.TextContent{Text: string(text)}},
		StructuredContent: json.RawMessage(text),
	}, nil
}

// errorResult is a failed call: isError with one short, readable line.
func errorResult(err error) *mcp.CallToolResult {
	return &mcp.CallToolResult{
		IsError: true,
		Content: []mcp.Content{&mcp.TextContent{Text: describe(err)}},
	}
}
