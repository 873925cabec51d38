package tools

// The input schemas are written by hand, not inferred, because they must
// satisfy Letta's strict-mode classifier as listed (closed objects, plain
// typed arrays, a type on every property, no $ref) and keep odoo-llm's
// argument names. See letta.md §8 and the tests in letta_schema_test.go.
//
// They hold no anyOf either. Real Letta 0.11.7 (e2e/realletta) sends every
// STRICT_COMPLIANT tool to OpenAI with "strict": true after rewriting it
// with convert_to_structured_output, which needs a single "type" on every
// node; on an anyOf it gives up and sends the schema unconverted, still
// strict, with optional properties, and OpenAI refuses the whole request
// (400 invalid_function_parameters). So what Odoo takes as arbitrary JSON
// (domains, field values, method arguments) is described with what that
// rewrite and OpenAI's strict mode both keep: a domain as JSON text, a value
// as a scalar type list whose lists travel as JSON text. The handlers still
// take real lists from clients that send them.

type schema = map[string]any

func object(props schema, required ...string) schema {
	s := schema{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func arrayOf(items schema, desc string) schema {
	return schema{"type": "array", "items": items, "description": desc}
}

func typed(t, desc string) schema {
	s := schema{"type": t}
	if desc != "" {
		s["description"] = desc
	}
	return s
}

// scalarOrJSON is a field value or method argument: a string, number,
// boolean or null, where a string holding a JSON list or object (x2many
// commands, a domain) is decoded by the handler (decodeJSONString).
func scalarOrJSON(desc string) schema {
	s := schema{"type": []any{"string", "number", "boolean", "null"}}
	if desc != "" {
		s["description"] = desc
	}
	return s
}

// domainSchema is Odoo's full domain syntax as JSON text (Domain also takes
// a JSON list, or an empty string for all records).
func domainSchema(desc string) schema {
	return typed("string", desc+`, as JSON text: a list of [field, operator, value] conditions and the prefix operators "&", "|", "!", e.g. [["is_company", "=", true]]`)
}

// fieldValuesSchema is the strict replacement for odoo-llm's free-form
// value objects: a list of {field, value} pairs.
func fieldValuesSchema(desc string) schema {
	pair := object(schema{
		"field": typed("string", "technical field name, e.g. name or partner_id"),
		"value": scalarOrJSON("the value: text, number, boolean, null (to clear), a record id for many2one; a list as JSON text, such as \"[[6, 0, [1, 2]]]\" for x2many commands"),
	}, "field", "value")
	return arrayOf(pair, desc)
}

const modelDesc = "technical model name, e.g. res.partner, sale.order, product.product"

func modelProp() schema { return typed("string", modelDesc) }

// Output schemas are generous (records are free-form objects) but say which
// keys always come back; structured results are validated against them in
// tests, as Letta does after every call.
func outputObject(props schema, required ...string) schema {
	return schema{"type": "object", "properties": props, "required": required}
}

func recordArray() schema { return schema{"type": "array", "items": schema{"type": "object"}} }
