package mcp

import (
	"context"
	"encoding/json"
	"time"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/tools"
)

// InProcess runs the endpoint's tools without MCP, for the Letta
// orchestrator's client-tools mode: same handlers, policy, Odoo context,
// error texts, audit line and metrics as a call over /mcp.
type InProcess struct {
	ep     *Endpoint
	runner *tools.Runner
}

// InProcess returns the endpoint's in-process tool runner.
func (ep *Endpoint) InProcess() *InProcess {
	return &InProcess{ep: ep, runner: tools.NewRunner(tools.Deps{Odoo: ep.cfg.Odoo, Policy: ep.cfg.Policy, Logger: ep.cfg.Logger, OnFieldsEvict: ep.cfg.OnFieldsEvict})}
}

// RunTool runs one tool as the identity's Odoo user; thread names the chat
// thread for the audit line. It returns the result's text and whether it is
// an error result; err for an unknown tool or a canceled call.
func (p *InProcess) RunTool(ctx context.Context, id *auth.Identity, thread, name string, args json.RawMessage) (string, bool, error) {
	start := time.Now()
	ctx, touched := tools.WithAudit(ctx)
	c := tools.Caller{DB: id.DB, UID: id.UID, Credentials: id.Credentials, Context: p.ep.odooContext(id)}
	text, isErr, err := p.runner.Call(ctx, c, name, args)
	p.ep.logCall(ctx, start, name, touched, id, isErr, err, "thread", thread, "via", "letta_client_tool")
	return text, isErr, err
}
