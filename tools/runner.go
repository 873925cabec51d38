package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Runner runs the tools in-process, for a caller that is not an MCP client:
// the Letta orchestrator in client-tools mode, which runs an agent's tool
// calls itself as the thread's Odoo user. The handlers, policy and error
// texts are the ones MCP callers get.
type Runner struct {
	byName map[string]mcp.ToolHandler
}

type runnerCallerKey struct{}

// NewRunner builds a runner; deps.Caller is ignored (the caller is given
// with each call).
func NewRunner(deps Deps) *Runner {
	deps.Caller = func(ctx context.Context, _ *mcp.CallToolRequest) (Caller, error) {
		c, ok := ctx.Value(runnerCallerKey{}).(Caller)
		if !ok {
			return Caller{}, errors.New("no caller for this tool call")
		}
		return c, nil
	}
	e := newEnv(deps)
	r := &Runner{byName: map[string]mcp.ToolHandler{}}
	for _, t := range Inventory() {
		r.byName[t.Def.Name] = e.guard(t, t.handler(e))
	}
	return r
}

// Call runs one tool as c. It returns the result's text and whether it is
// an error result; err only for an unknown tool or a canceled call.
func (r *Runner) Call(ctx context.Context, c Caller, name string, args json.RawMessage) (string, bool, error) {
	h, ok := r.byName[name]
	if !ok {
		return "", true, fmt.Errorf("unknown tool %q", name)
	}
	if len(args) == 0 {
		args = json.RawMessage("{}")
	}
	ctx = context.WithValue(ctx, runnerCallerKey{}, c)
	res, err := h(ctx, &mcp.CallToolRequest{Params: &mcp.CallToolParamsRaw{Name: name, Arguments: args}})
	if err != nil {
		return "", true, err
	}
	text := ""
	for _, ct := range res.Content {
		if tc, ok := ct.(*mcp.TextContent); ok {
			text += tc.Text
		}
	}
	return text, res.IsError, nil
}
