package tools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Domain is a validated Odoo search domain. It is passed to Odoo unchanged:
// validation only refuses what Odoo would misread, it never drops a filter.
type Domain []any

// domainOperators are the condition operators Odoo 16 to 19 understand.
var domainOperators = map[string]bool{
	"=": true, "!=": true, "<>": true, "<": true, "<=": true, ">": true, ">=": true, "=?": true,
	"in": true, "not in": true,
	"like": true, "not like": true, "ilike": true, "not ilike": true, "=like": true, "=ilike": true,
	"child_of": true, "parent_of": true, "any": true, "not any": true,
}

// UnmarshalJSON accepts a JSON list, or a string holding one (odoo-llm 17
// accepted domains as text, and agents still send them that way).
func (d *Domain) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		if strings.TrimSpace(s) == "" {
			*d = Domain{}
			return nil
		}
		data = []byte(s)
		if !json.Valid(data) {
			return fmt.Errorf("domain %q is not a JSON list such as [[\"name\", \"ilike\", \"acme\"]]", s)
		}
	}
	if bytes.Equal(data, []byte("null")) {
		*d = Domain{}
		return nil
	}
	var terms []any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&terms); err != nil {
		return fmt.Errorf("domain must be a list of conditions such as [[\"name\", \"ilike\", \"acme\"]]")
	}
	if err := validateDomain(terms); err != nil {
		return err
	}
	*d = terms
	return nil
}

// validateDomain checks the structure of a domain in Polish notation.
func validateDomain(terms []any) error {
	// Walk from the end: conditions push an operand, "!" needs one,
	// "&" and "|" take two and leave one. Extra operands are implicitly ANDed.
	operands := 0
	for i := len(terms) - 1; i >= 0; i-- {
		switch t := terms[i].(type) {
		case string:
			switch t {
			case "&", "|":
				if operands < 2 {
					return fmt.Errorf("domain term %d: %q needs two conditions after it", i+1, t)
				}
				operands--
			case "!":
				if operands < 1 {
					return fmt.Errorf("domain term %d: \"!\" needs a condition after it", i+1)
				}
			default:
				return fmt.Errorf("domain term %d: %q is not an operator; use \"&\", \"|\", \"!\" or a [field, operator, value] condition", i+1, t)
			}
		case []any:
			if err := validateCondition(t); err != nil {
				return fmt.Errorf("domain term %d: %w", i+1, err)
			}
			operands++
		default:
			return fmt.Errorf("domain term %d: expected a [field, operator, value] list or one of \"&\", \"|\", \"!\", got %s", i+1, jsonKind(t))
		}
	}
	return nil
}

func validateCondition(c []any) error {
	if len(c) != 3 {
		return fmt.Errorf("a condition has three parts [field, operator, value], got %d", len(c))
	}
	field, ok := c[0].(string)
	if !ok || strings.TrimSpace(field) == "" {
		return fmt.Errorf("the field of a condition must be a field name, got %s", jsonKind(c[0]))
	}
	op, ok := c[1].(string)
	if !ok {
		return fmt.Errorf("the operator of %q must be a string, got %s", field, jsonKind(c[1]))
	}
	op = strings.ToLower(op)
	if !domainOperators[op] {
		return fmt.Errorf("unknown operator %q in condition on %q; valid operators: =, !=, <, <=, >, >=, =?, in, not in, like, not like, ilike, not ilike, =like, =ilike, child_of, parent_of, any, not any", c[1], field)
	}
	switch op {
	case "in", "not in":
		if _, ok := c[2].([]any); !ok {
			return fmt.Errorf("operator %q on %q needs a list value such as [1, 2], got %s", op, field, jsonKind(c[2]))
		}
	case "any", "not any":
		sub, ok := c[2].([]any)
		if !ok {
			return fmt.Errorf("operator %q on %q needs a domain as its value, got %s", op, field, jsonKind(c[2]))
		}
		if err := validateDomain(sub); err != nil {
			return fmt.Errorf("in the sub-domain of %q: %w", field, err)
		}
	}
	return nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
