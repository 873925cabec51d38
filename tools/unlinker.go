package tools

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

type unlinkerArgs struct {
	Model  string `json:"model"`
	Domain Domain `json:"domain"`
	Limit  int    `json:"limit"`

	Context *CallContext `json:"context"`
}

type unlinkerResult struct {
	Model          string          `json:"model"`
	DeletedCount   int             `json:"deleted_count"`
	DeletedRecords []createdRecord `json:"deleted_records"`
	HasMore        bool            `json:"has_more"`
	Message        string          `json:"message"`
}

func unlinker() Tool {
	return Tool{
		Def: &mcp.Tool{
			Name:  "odoo_record_unlinker",
			Title: "Delete Odoo records",
			Description: `Delete the records of an Odoo model that match a domain, as the calling Odoo user. Deletion cannot be undone: confirm with the user first.

- domain: which records, as JSON text, e.g. "[[\"id\", \"=\", 42]]".
- limit: how many matching records to delete at most (0 = default 1).

Returns the ids and display names of the deleted records; has_more says that more records matched than limit allowed (they were kept).`,
			InputSchema: object(schema{
				"model":  modelProp(),
				"domain": domainSchema("which records to delete"),
				"limit":  typed("integer", "maximum number of records to delete; 0 for the default (1)"),
			}, "model", "domain"),
			OutputSchema: outputObject(schema{
				"model":         typed("string", ""),
				"deleted_count": typed("integer", ""),
				"deleted_records": arrayOf(outputObject(schema{
					"id":           typed("integer", ""),
					"display_name": typed("string", ""),
				}, "id", "display_name"), "deleted records"),
				"has_more": typed("boolean", "more records matched than limit; they were kept"),
				"message":  typed("string", ""),
			}, "model", "deleted_count", "deleted_records", "has_more", "message"),
			Annotations: annotations(false, true, true),
		},
		handler: func(e *env) mcp.ToolHandler {
			return handle(e, e.unlink, audited[unlinkerArgs, unlinkerResult]{
				model:   func(a unlinkerArgs) string { return a.Model },
				touched: func(r unlinkerResult) []int64 { return createdIDs(r.DeletedRecords) },
			})
		},
	}
}

func (e *env) unlink(ctx context.Context, c Caller, in unlinkerArgs) (unlinkerResult, error) {
	res := unlinkerResult{Model: in.Model, DeletedRecords: []createdRecord{}}
	if err := e.Policy.checkModel(in.Model); err != nil {
		return res, err
	}
	if in.Limit < 0 {
		return res, argErrorf("limit must be zero or positive")
	}
	limit := in.Limit
	if limit == 0 {
		limit = 1
	}
	limit = min(limit, e.Policy.MaxLimit)
	domain := in.Domain
	if domain == nil {
		domain = Domain{}
	}
	if rel := e.relationsOf(ctx, c, in.Model); rel != nil {
		if err := rel.domain(in.Model, "", domain, "the domain"); err != nil {
			return res, err
		}
	}
	// search_read finds the records and their names in one round trip.
	raw, err := e.execute(ctx, c, odoorpc.Call{Model: in.Model, Method: "search_read",
		Kwargs: map[string]any{"domain": domain, "fields": []string{"display_name"}, "limit": limit + 1}})
	if err != nil {
		return res, err
	}
	var rows []struct {
		ID          int64 `json:"id"`
		DisplayName any   `json:"display_name"`
	}
	if err := json.Unmarshal(raw, &rows); err != nil {
		return res, fmt.Errorf("%w: search_read: %v", odoorpc.ErrProtocol, err)
	}
	if len(rows) > limit {
		rows, res.HasMore = rows[:limit], true
	}
	if len(rows) == 0 {
		res.Message = fmt.Sprintf("No records found matching the domain in %s; nothing was deleted", in.Model)
		return res, nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
		name, _ := r.DisplayName.(string)
		res.DeletedRecords = append(res.DeletedRecords, createdRecord{ID: r.ID, DisplayName: name})
	}
	if _, err := e.execute(ctx, c, odoorpc.Call{Model: in.Model, Method: "unlink", IDs: ids}); err != nil {
		return unlinkerResult{Model: in.Model, DeletedRecords: []createdRecord{}}, err
	}
	res.DeletedCount = len(ids)
	res.Message = fmt.Sprintf("%d record(s) deleted successfully from %s", len(ids), in.Model)
	if res.HasMore {
		res.Message += "; more records match the domain and were kept (raise limit to include them)"
	}
	return res, nil
}
