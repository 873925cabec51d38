package tools

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

type creatorArgs struct {
	Model   string        `json:"model"`
	Fields  FieldValues   `json:"fields"`
	Records []FieldValues `json:"records"`

	Context *CallContext `json:"context"`
}

// createdRecord is one created record, as odoo-llm reported it.
type createdRecord struct {
	ID          int64  `json:"id"`
	DisplayName string `json:"display_name"`
}

type creatorResult struct {
	Model   string          `json:"model"`
	Records []createdRecord `json:"records"`
	Count   int             `json:"count"`
	// ID and DisplayName repeat the record when exactly one was created,
	// the shape odoo-llm returned for a single record.
	ID          int64  `json:"id,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
	Message     string `json:"message"`
}

func creator() Tool {
	return Tool{
		Def: &mcp.Tool{
			Name:  "odoo_record_creator",
			Title: "Create Odoo records",
			Description: `Create one record (fields) or several (records) in an Odoo model, as the calling Odoo user. This changes data: confirm with the user first.

Values are lists of {"field": ..., "value": ...} pairs (a strict shape every LLM provider accepts):
- one record: {"model": "res.partner", "fields": [{"field": "name", "value": "Jane Doe"}, {"field": "email", "value": "jane@example.com"}]}
- several: {"model": "res.partner", "records": [[{"field": "name", "value": "Acme"}, {"field": "is_company", "value": true}], [{"field": "name", "value": "Bob"}]]}
many2one values are record ids (e.g. {"field": "country_id", "value": 21}); many2many/one2many take command lists, as JSON text: "[[6, 0, [1, 2]]]". Give either fields or records (the other as an empty list).
To attach a file: model "ir.attachment" with name, datas (the file's content in base64), res_model and res_id of the record it belongs to.

Returns the created ids and display names.`,
			InputSchema: object(schema{
				"model":   modelProp(),
				"fields":  fieldValuesSchema("values of the one record to create; empty list when using records"),
				"records": arrayOf(fieldValuesSchema("values of one record"), "several records to create, each a list of field/value pairs; empty list when using fields"),
			}, "model"),
			OutputSchema: outputObject(schema{
				"model": typed("string", ""),
				"records": arrayOf(outputObject(schema{
					"id":           typed("integer", ""),
					"display_name": typed("string", ""),
				}, "id", "display_name"), "created records"),
				"count":        typed("integer", ""),
				"id":           typed("integer", "the id when one record was created"),
				"display_name": typed("string", "its display name"),
				"message":      typed("string", ""),
			}, "model", "records", "count", "message"),
			Annotations: annotations(false, false, false),
		},
		handler: func(e *env) mcp.ToolHandler {
			return handle(e, e.create, audited[creatorArgs, creatorResult]{
				model:   func(a creatorArgs) string { return a.Model },
				touched: func(r creatorResult) []int64 { return createdIDs(r.Records) },
			})
		},
	}
}

func (e *env) create(ctx context.Context, c Caller, in creatorArgs) (creatorResult, error) {
	var res creatorResult
	if err := e.Policy.checkModel(in.Model); err != nil {
		return res, err
	}
	switch {
	case len(in.Fields) == 0 && len(in.Records) == 0:
		return res, argErrorf("either \"fields\" (one record) or \"records\" (several) must be provided")
	case len(in.Fields) > 0 && len(in.Records) > 0:
		return res, argErrorf("give either \"fields\" or \"records\", not both")
	}
	batch := in.Records
	if len(in.Fields) > 0 {
		batch = []FieldValues{in.Fields}
	}
	vals := make([]map[string]any, 0, len(batch))
	for i, r := range batch {
		if len(r) == 0 {
			return res, argErrorf("record %d has no values", i+1)
		}
		m, err := r.Map()
		if err != nil {
			return res, err
		}
		vals = append(vals, m)
	}
	if err := e.checkAttachments(in.Model, vals); err != nil {
		return res, err
	}
	if rel := e.relationsOf(ctx, c, in.Model); rel != nil {
		for _, m := range vals {
			if err := rel.values(in.Model, "", m, "the values"); err != nil {
				return res, err
			}
		}
	}
	// A list always yields a list of ids, on JSON-RPC and JSON-2 alike.
	// Odoo 16-18 read create's values positionally (call_kw looks at args[0]).
	raw, err := e.execute(ctx, c, odoorpc.Call{Model: in.Model, Method: "create", Args: []any{vals}})
	if err != nil {
		return res, err
	}
	ids, err := decodeIDs(raw)
	if err != nil {
		return res, fmt.Errorf("create: %w", err)
	}
	records, err := e.displayNames(ctx, c, in.Model, ids)
	if err != nil {
		// The records exist: say so rather than report a failure that
		// would make the agent create them again.
		records = make([]createdRecord, len(ids))
		for i, id := range ids {
			records[i] = createdRecord{ID: id}
		}
	}
	res.Model, res.Records, res.Count = in.Model, records, len(records)
	if len(records) == 1 {
		res.ID, res.DisplayName = records[0].ID, records[0].DisplayName
		res.Message = fmt.Sprintf("Record created successfully in %s", in.Model)
	} else {
		res.Message = fmt.Sprintf("%d records created successfully in %s", len(records), in.Model)
	}
	return res, nil
}

// displayNames reads display_name of ids, in the order of ids.
func (e *env) displayNames(ctx context.Context, c Caller, model string, ids []int64) ([]createdRecord, error) {
	raw, err := e.execute(ctx, c, odoorpc.Call{Model: model, Method: "read", IDs: ids,
		Kwargs: map[string]any{"fields": []string{"display_name"}}})
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ID          int64 `json:"id"`
		DisplayName any   `json:"display_name"`
	}
	if err := json.Unmarshal(raw, &rows); err != nil {
		return nil, fmt.Errorf("%w: read: %v", odoorpc.ErrProtocol, err)
	}
	names := make(map[int64]string, len(rows))
	for _, r := range rows {
		s, _ := r.DisplayName.(string) // false when empty
		names[r.ID] = s
	}
	out := make([]createdRecord, len(ids))
	for i, id := range ids {
		out[i] = createdRecord{ID: id, DisplayName: names[id]}
	}
	return out, nil
}

// decodeIDs accepts an id or a list of ids, as create returns.
func decodeIDs(raw json.RawMessage) ([]int64, error) {
	var ids []int64
	if err := json.Unmarshal(raw, &ids); err == nil {
		return ids, nil
	}
	var id int64
	if err := json.Unmarshal(raw, &id); err != nil {
		return nil, fmt.Errorf("%w: expected record ids, got %s", odoorpc.ErrProtocol, snippetOf(raw))
	}
	return []int64{id}, nil
}

func snippetOf(raw json.RawMessage) string {
	if len(raw) > 80 {
		return string(raw[:80]) + "…"
	}
	return string(raw)
}
