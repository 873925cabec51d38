package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

type retrieverArgs struct {
	Model  string   `json:"model"`
	Domain Domain   `json:"domain"`
	Fields []string `json:"fields"`
	Limit  int      `json:"limit"`
	Offset int      `json:"offset"`
	Order  string   `json:"order"`

	Context *CallContext `json:"context"`
}

type retrieverResult struct {
	Model      string            `json:"model"`
	Records    []json.RawMessage `json:"records"`
	Count      int               `json:"count"`
	Offset     int               `json:"offset"`
	Limit      int               `json:"limit"`
	HasMore    bool              `json:"has_more"`
	NextOffset *int              `json:"next_offset,omitempty"`
	Fields     []string          `json:"fields"`
	Note       string            `json:"note,omitempty"`
}

func retriever() Tool {
	return Tool{
		Def: &mcp.Tool{
			Name:  "odoo_record_retriever",
			Title: "Retrieve Odoo records",
			Description: `Search and read records of any Odoo model, as the calling Odoo user (Odoo's access rights and record rules apply).

Arguments:
- model: technical model name, e.g. "res.partner".
- domain: Odoo domain as JSON text, a list of [field, operator, value] conditions combined with the prefix operators "&" (default), "|" and "!". Examples: "[[\"is_company\", \"=\", true]]"; "[\"|\", [\"name\", \"ilike\", \"acme\"], [\"email\", \"ilike\", \"acme\"]]"; "[[\"id\", \"in\", [1, 2, 3]]]"; "[[\"country_id.code\", \"=\", \"BE\"]]". Empty ("" or "[]"): all records.
- fields: fields to read. Empty: a compact default set (display_name and the useful stored fields; no images, html or one2many lists) — name the fields you need for anything else.
- limit: how many records (0 = default 100; capped by the server's maximum).
- offset: records to skip, for paging. order: e.g. "name asc, id desc".

The result is JSON: records, count, has_more and next_offset (use it as offset to get the next page). many2one values are [id, "name"]; empty values are false.`,
			InputSchema: object(schema{
				"model":  modelProp(),
				"domain": domainSchema("Odoo domain; empty for all records"),
				"fields": arrayOf(typed("string", ""), "field names to read; empty list for the default set"),
				"limit":  typed("integer", "maximum number of records; 0 for the default (100)"),
				"offset": typed("integer", "number of records to skip; 0 to start at the first"),
				"order":  typed("string", `sort order such as "name asc, id desc"; empty for the model's default`),
			}, "model"),
			OutputSchema: outputObject(schema{
				"model":       typed("string", ""),
				"records":     recordArray(),
				"count":       typed("integer", "records in this page"),
				"offset":      typed("integer", ""),
				"limit":       typed("integer", ""),
				"has_more":    typed("boolean", "more records match beyond this page"),
				"next_offset": typed("integer", "offset of the next page, when has_more"),
				"fields":      arrayOf(typed("string", ""), "fields read"),
				"note":        typed("string", ""),
			}, "model", "records", "count", "offset", "limit", "has_more", "fields"),
			Annotations: annotations(true, false, true),
		},
		handler: func(e *env) mcp.ToolHandler {
			return handle(e, e.retrieve, audited[retrieverArgs, retrieverResult]{
				model:   func(a retrieverArgs) string { return a.Model },
				touched: func(r retrieverResult) []int64 { return recordIDs(r.Records) },
			})
		},
	}
}

var orderPattern = regexp.MustCompile(`(?i)^\s*[a-z_][a-z0-9_.]*(\s+(asc|desc))?(\s+nulls\s+(first|last))?(\s*,\s*[a-z_][a-z0-9_.]*(\s+(asc|desc))?(\s+nulls\s+(first|last))?)*\s*$`)

func (e *env) retrieve(ctx context.Context, c Caller, in retrieverArgs) (retrieverResult, error) {
	var res retrieverResult
	if err := e.Policy.checkModel(in.Model); err != nil {
		return res, err
	}
	if in.Limit < 0 || in.Offset < 0 {
		return res, argErrorf("limit and offset must be zero or positive")
	}
	if in.Order != "" && !orderPattern.MatchString(in.Order) {
		return res, argErrorf("order %q is not a list of fields with optional asc/desc, e.g. \"name asc, id desc\"", in.Order)
	}
	limit := in.Limit
	if limit == 0 {
		limit = e.Policy.DefaultLimit
	}
	if limit > e.Policy.MaxLimit {
		res.Note = fmt.Sprintf("limit %d lowered to the server maximum %d", limit, e.Policy.MaxLimit)
		limit = e.Policy.MaxLimit
	}
	if rel := e.relationsOf(ctx, c, in.Model); rel != nil {
		if err := rel.domain(in.Model, "", in.Domain, "the domain"); err != nil {
			return res, err
		}
		if err := rel.order(in.Model, in.Order, "the order"); err != nil {
			return res, err
		}
		if err := rel.fieldList(in.Model, in.Fields, "the fields"); err != nil {
			return res, err
		}
	}
	fields := in.Fields
	if len(fields) == 0 {
		all, err := e.fieldsOf(ctx, c, in.Model)
		if err != nil {
			return res, err
		}
		fields = defaultFields(all)
	}
	domain := in.Domain
	if domain == nil {
		domain = Domain{}
	}
	// One record more than asked says whether another page exists, without
	// a search_count round trip.
	kwargs := map[string]any{"domain": domain, "fields": fields, "limit": limit + 1}
	if in.Offset > 0 {
		kwargs["offset"] = in.Offset
	}
	if in.Order != "" {
		kwargs["order"] = in.Order
	}
	raw, err := e.execute(ctx, c, odoorpc.Call{Model: in.Model, Method: "search_read", Kwargs: kwargs})
	if err != nil {
		return res, err
	}
	records, err := splitArray(raw)
	if err != nil {
		return res, fmt.Errorf("search_read: %w", err)
	}
	res.HasMore = len(records) > limit
	if res.HasMore {
		records = records[:limit]
		next := in.Offset + limit
		res.NextOffset = &next
	}
	if records == nil {
		records = []json.RawMessage{}
	}
	res.Model, res.Records, res.Count = in.Model, records, len(records)
	res.Offset, res.Limit, res.Fields = in.Offset, limit, fields
	return res, nil
}

func annotations(readOnly, destructive, idempotent bool) *mcp.ToolAnnotations {
	return &mcp.ToolAnnotations{
		ReadOnlyHint:    readOnly,
		DestructiveHint: &destructive,
		IdempotentHint:  idempotent,
		OpenWorldHint:   ptr(false), // a closed world: one Odoo database
	}
}

func ptr[T any](v T) *T { return &v }
