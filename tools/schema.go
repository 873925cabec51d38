package tools

// The input schemas are written by hand, not inferred, because they must
// satisfy Letta's strict-mode classifier as listed (closed objects, plain
// typed arrays, a type on every property, no $ref) and keep odoo-llm's
// argument names. See letta.md §8 and the tests in letta_schema_test.go.

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

func anyOf(branches ...schema) schema { return schema{"anyOf": branches} }

// scalar is a JSON scalar as Odoo takes it in domains and values.
func scalar() []schema {
	return []schema{typed("string", ""), typed("number", ""), typed("boolean", ""), typed("null", "")}
}

// jsonValue is a JSON value nested up to depth arrays deep: 3 covers Odoo's
// x2many commands such as [[6, 0, [1, 2]]] and a domain passed as an
// argument. Objects are left out on purpose: free-form objects break strict
// mode.
func jsonValue(desc string, depth int) schema {
	level := scalar()
	for range depth {
		next := append(scalar(), schema{"type": "array", "items": anyOf(level...)})
		level = next
	}
	s := anyOf(level...)
	if desc != "" {
		s["description"] = desc
	}
	return s
}

// domainSchema accepts Odoo's full domain syntax: prefix operators as strings
// and [field, operator, value] conditions whose value may be a list.
func domainSchema(desc string) schema {
	condition := schema{
		"type":  "array",
		"items": jsonValue("", 2), // a value, a list of values, or an any/not any sub-domain
	}
	return arrayOf(anyOf(typed("string", `one of the operators "&", "|", "!"`), condition), desc)
}

// fieldValuesSchema is the strict replacement for odoo-llm's free-form
// value objects: a list of {field, value} pairs.
func fieldValuesSchema(desc string) schema {
	pair := object(schema{
		"field": typed("string", "technical field name, e.g. name or partner_id"),
		"value": jsonValue("the value: text, number, boolean, null (to clear), a record id for many2one, or a list of x2many commands such as [[6, 0, [1, 2]]]", 3),
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
