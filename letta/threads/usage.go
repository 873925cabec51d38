package threads

import (
	"context"

	"github.com/odoo-mcp/odoo-mcp/auth"
)

// beforeDelete runs before a thread's agent is deleted.
func (o *Orchestrator) beforeDelete(ctx context.Context, id *auth.Identity, r record) {}
