package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// Kwargs are named arguments of a method: a list of {name, value} pairs,
// or a plain object as odoo-llm took.
type Kwargs map[string]any

func (k *Kwargs) UnmarshalJSON(data []byte) error {
	pairs, err := decodePairs(data, "name", "kwargs")
	if err != nil {
		return err
	}
	m := make(Kwargs, len(pairs))
	for _, p := range pairs {
		if _, dup := m[p.key]; dup {
			return argErrorf("keyword argument %q is given twice", p.key)
		}
		m[p.key] = decodeJSONString(p.value)
	}
	*k = m
	return nil
}

// Args are positional arguments. Strings holding a JSON list or object are
// decoded, as odoo-llm did, so a domain passed as text still works; other
// strings (including "5") stay strings.
type Args []any

func (a *Args) UnmarshalJSON(data []byte) error {
	var raw []any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return argErrorf("args must be a list of positional arguments")
	}
	for i, v := range raw {
		raw[i] = decodeJSONString(v)
	}
	*a = raw
	return nil
}

func decodeJSONString(v any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	t := strings.TrimSpace(s)
	if len(t) < 2 || (t[0] != '[' && t[0] != '{') {
		return v
	}
	var out any
	dec := json.NewDecoder(strings.NewReader(t))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil || dec.More() {
		return v
	}
	return out
}

type executorArgs struct {
	Model        string `json:"model"`
	Method       string `json:"method"`
	RecordIDs    IDs    `json:"record_ids"`
	Args         Args   `json:"args"`
	Kwargs       Kwargs `json:"kwargs"`
	AllowPrivate bool   `json:"allow_private"`

	Context *CallContext `json:"context"`
}

type executorResult struct {
	Model     string          `json:"model"`
	Method    string          `json:"method"`
	RecordIDs []int64         `json:"record_ids"`
	Result    json.RawMessage `json:"result"`
	Message   string          `json:"message"`
}

func methodExecutor() Tool {
	return Tool{
		Def: &mcp.Tool{
			Name:  "odoo_model_method_executor",
			Title: "Call an Odoo model method",
			Description: `VERY HIGH RISK TOOL: calls any public method of an Odoo model as the calling Odoo user, e.g. action_confirm on a sale.order. Ask the user for explicit confirmation before EVERY call.

- record_ids: run the method on these records (e.g. [42]); empty list for a model-level call.
- args: positional arguments after the records; a list or object as JSON text, e.g. ["[[\"is_company\", \"=\", true]]"] for search. On Odoo 19 and later (JSON-2, named arguments only) they are mapped to the method's parameters as Odoo describes them (odoo_model_inspector lists them); where Odoo will not describe them, use kwargs.
- kwargs: named arguments as {"name": ..., "value": ...} pairs, e.g. [{"name": "limit", "value": 5}].
- allow_private: kept for odoo-llm compatibility; Odoo never lets private methods (_name) be called remotely, so they are always refused.

Returns Odoo's return value as JSON under result (null when the method returns nothing; recordsets come back as id lists).`,
			InputSchema: object(schema{
				"model":         modelProp(),
				"method":        typed("string", "public method name, e.g. action_confirm, name_search, read_group"),
				"record_ids":    arrayOf(typed("integer", ""), "ids of the records to call the method on; empty list for a model-level call"),
				"args":          arrayOf(scalarOrJSON("one positional argument; a list or object as JSON text"), "positional arguments; empty list for none"),
				"kwargs":        arrayOf(object(schema{"name": typed("string", "parameter name"), "value": scalarOrJSON("parameter value; a list or object as JSON text")}, "name", "value"), "named arguments; empty list for none"),
				"allow_private": typed("boolean", "ignored: private methods are always refused"),
			}, "model", "method"),
			OutputSchema: outputObject(schema{
				"model":      typed("string", ""),
				"method":     typed("string", ""),
				"record_ids": arrayOf(typed("integer", ""), ""),
				"result":     schema{"description": "the method's return value as JSON"},
				"message":    typed("string", ""),
			}, "model", "method", "record_ids", "result", "message"),
			Annotations: annotations(false, true, false),
		},
		handler: func(e *env) mcp.ToolHandler {
			return handle(e, e.executeMethod, audited[executorArgs, executorResult]{
				model:   func(a executorArgs) string { return a.Model },
				touched: func(r executorResult) []int64 { return r.RecordIDs },
			})
		},
	}
}

func (e *env) executeMethod(ctx context.Context, c Caller, in executorArgs) (executorResult, error) {
	res := executorResult{Model: in.Model, Method: in.Method, RecordIDs: []int64{}}
	if err := e.Policy.checkModel(in.Model); err != nil {
		return res, err
	}
	if err := e.Policy.checkMethod(in.Model, in.Method); err != nil {
		return res, err
	}
	if rel := e.relationsOf(ctx, c, in.Model); rel != nil {
		if err := rel.call(in.Method, in.Args, in.Kwargs); err != nil {
			return res, err
		}
	}
	// Odoo 19's JSON-2 binds by name: positional args of a method other
	// than the standard ORM ones get their names from Odoo's description.
	names, err := e.argNames(ctx, c, in.Model, in.Method, len(in.Args))
	if err != nil {
		return res, err
	}
	call := odoorpc.Call{Model: in.Model, Method: in.Method, Args: in.Args, Kwargs: in.Kwargs, ArgNames: names}
	if len(in.RecordIDs) > 0 {
		call.IDs = in.RecordIDs
		res.RecordIDs = in.RecordIDs
	}
	raw, err := e.execute(ctx, c, call)
	if err != nil {
		return res, err
	}
	res.Result = raw
	res.Message = fmt.Sprintf("Method '%s' executed successfully.", in.Method)
	return res, nil
}
