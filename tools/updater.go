package tools

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

type updaterArgs struct {
	Model  string      `json:"model"`
	Domain Domain      `json:"domain"`
	Values FieldValues `json:"values"`
	Limit  int         `json:"limit"`

	Context *CallContext `json:"context"`
}

type updaterResult struct {
	Model   string  `json:"model"`
	IDs     []int64 `json:"ids"`
	Count   int     `json:"count"`
	HasMore bool    `json:"has_more"`
	Message string  `json:"message"`
}

func updater() Tool {
	return Tool{
		Def: &mcp.Tool{
			Name:  "odoo_record_updater",
			Title: "Update Odoo records",
			Description: `Update the records of an Odoo model that match a domain, as the calling Odoo user. This changes data: confirm with the user first.

- domain: which records, as JSON text, e.g. "[[\"id\", \"=\", 42]]" or "[[\"email\", \"=\", \"jane@example.com\"]]".
- values: list of {"field": ..., "value": ...} pairs, e.g. [{"field": "phone", "value": "+32 2 555 01 00"}]; null clears a field; a list value (x2many commands) as JSON text, e.g. "[[6, 0, [1, 2]]]".
- limit: how many matching records to update at most (0 = default 1, so one record unless you say otherwise).

Returns the updated ids; has_more says that more records matched than limit allowed (they were not changed). When nothing matches, nothing is changed and count is 0.`,
			InputSchema: object(schema{
				"model":  modelProp(),
				"domain": domainSchema("which records to update"),
				"values": fieldValuesSchema("the new values"),
				"limit":  typed("integer", "maximum number of records to update; 0 for the default (1)"),
			}, "model", "domain", "values"),
			OutputSchema: outputObject(schema{
				"model":    typed("string", ""),
				"ids":      arrayOf(typed("integer", ""), "updated record ids"),
				"count":    typed("integer", ""),
				"has_more": typed("boolean", "more records matched than limit; they were not updated"),
				"message":  typed("string", ""),
			}, "model", "ids", "count", "has_more", "message"),
			Annotations: annotations(false, true, true),
		},
		handler: func(e *env) mcp.ToolHandler {
			return handle(e, e.update, audited[updaterArgs, updaterResult]{
				model:   func(a updaterArgs) string { return a.Model },
				touched: func(r updaterResult) []int64 { return r.IDs },
			})
		},
	}
}

func (e *env) update(ctx context.Context, c Caller, in updaterArgs) (updaterResult, error) {
	res := updaterResult{Model: in.Model, IDs: []int64{}}
	if err := e.Policy.checkModel(in.Model); err != nil {
		return res, err
	}
	if len(in.Values) == 0 {
		return res, argErrorf("argument \"values\" needs at least one {\"field\": ..., \"value\": ...} pair")
	}
	vals, err := in.Values.Map()
	if err != nil {
		return res, err
	}
	if err := e.checkAttachments(in.Model, []map[string]any{vals}); err != nil {
		return res, err
	}
	if rel := e.relationsOf(ctx, c, in.Model); rel != nil {
		if err := rel.values(in.Model, "", vals, "the values"); err != nil {
			return res, err
		}
	}
	ids, more, err := e.searchIDs(ctx, c, in.Model, in.Domain, in.Limit, 1)
	if err != nil {
		return res, err
	}
	res.HasMore = more
	if len(ids) == 0 {
		res.Message = fmt.Sprintf("No records found matching the domain in %s; nothing was updated", in.Model)
		return res, nil
	}
	if _, err := e.execute(ctx, c, odoorpc.Call{Model: in.Model, Method: "write", IDs: ids,
		Kwargs: map[string]any{"vals": vals}}); err != nil {
		return res, err
	}
	res.IDs, res.Count = ids, len(ids)
	res.Message = fmt.Sprintf("Successfully updated %d record(s) in %s", len(ids), in.Model)
	if more {
		res.Message += "; more records match the domain and were not updated (raise limit to include them)"
	}
	return res, nil
}

// searchIDs finds at most limit ids (0 means def) and says whether more
// match, asking Odoo for one more than needed instead of counting.
func (e *env) searchIDs(ctx context.Context, c Caller, model string, domain Domain, limit, def int) ([]int64, bool, error) {
	if limit < 0 {
		return nil, false, argErrorf("limit must be zero or positive")
	}
	if limit == 0 {
		limit = def
	}
	if limit > e.Policy.MaxLimit {
		limit = e.Policy.MaxLimit
	}
	if domain == nil {
		domain = Domain{}
	}
	if rel := e.relationsOf(ctx, c, model); rel != nil {
		if err := rel.domain(model, "", domain, "the domain"); err != nil {
			return nil, false, err
		}
	}
	raw, err := e.execute(ctx, c, odoorpc.Call{Model: model, Method: "search",
		Kwargs: map[string]any{"domain": domain, "limit": limit + 1}})
	if err != nil {
		return nil, false, err
	}
	var ids []int64
	if err := json.Unmarshal(raw, &ids); err != nil {
		return nil, false, fmt.Errorf("%w: search: %v", odoorpc.ErrProtocol, err)
	}
	if len(ids) > limit {
		return ids[:limit], true, nil
	}
	return ids, false, nil
}
