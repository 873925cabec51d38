package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// The model lists (--allow-models, --deny-models) also bound what a call
// reaches through relations: a dotted path in a domain, an order, fields or
// a group-by reads fields of the related model, an "any" sub-domain
// searches it, and comparing a relational field with text runs a name
// search on it. Each hop's related model is resolved from fields_get,
// cached as the inspector's fields are, and the call is refused, naming
// the model and the path, before the query reaches Odoo. What stays
// visible: a relational field's ids (and a many2one's display name) read
// on an allowed model, comparisons of it with ids, and ordering by it.

// relations checks the paths of one call, as one caller, on one model.
type relations struct {
	e     *env
	ctx   context.Context
	c     Caller
	model string
}

// relationsOf returns a checker, or nil when the policy has no model
// lists: then nothing is resolved and no request is added.
func (e *env) relationsOf(ctx context.Context, c Caller, model string) *relations {
	if len(e.Policy.AllowModels) == 0 && len(e.Policy.DenyModels) == 0 {
		return nil
	}
	return &relations{e: e, ctx: ctx, c: c, model: model}
}

// refuse is the error for a path reaching a model the policy refuses;
// searched says the related model of the path's last field was searched
// (a name search or sub-domain), not only compared by id.
func (r *relations) refuse(model, reason, path, where string, searched bool) error {
	msg := fmt.Sprintf("model %s is not available through odoo-mcp (%s): %s of %s reaches it through %q",
		model, reason, where, r.model, path)
	if searched {
		msg += "; a text value or sub-domain on a relational field searches the related model: compare the field with record ids instead"
	}
	return &PolicyError{Msg: msg}
}

// path checks one field path on model, as used in where. readsLast says
// whether the use reads the last field's related model too (a name search
// or sub-domain on it), rather than only its ids. prefix is the path that
// led to model (in "any" sub-domains), for messages. It returns the model
// the last field relates to ("" when it is not relational or unknown).
func (r *relations) path(model, prefix, path, where string, readsLast bool) (string, error) {
	parts := strings.Split(path, ".")
	if len(parts) == 1 && !readsLast {
		return "", nil // a field of an allowed model, ids at most: nothing to resolve
	}
	cur := model
	for i, name := range parts {
		last := i == len(parts)-1
		if last && !readsLast {
			return "", nil // the field's ids at most: its model is not read
		}
		fields, err := r.e.fieldsOf(r.ctx, r.c, cur)
		if err != nil {
			return "", err
		}
		f, ok := fields[name]
		if !ok {
			if last {
				return "", nil // Odoo says what is wrong with it
			}
			return "", argErrorf("%s of %s: %q in %q is not a field of %s, so where the path leads cannot be checked", where, r.model, name, prefix+path, cur)
		}
		if f.Relation == "" {
			// A path may go on into a non-relational field only for
			// properties, which lead to no model.
			return "", nil
		}
		if !last || readsLast {
			if reason, ok := r.e.Policy.modelAllowed(f.Relation); !ok {
				return "", r.refuse(f.Relation, reason, prefix+path, where, last)
			}
		}
		cur = f.Relation
	}
	return cur, nil
}

// domain checks every condition of a domain on model, "any" sub-domains
// included (on the model their field relates to, prefix the path there).
func (r *relations) domain(model, prefix string, d []any, where string) error {
	for _, t := range d {
		cond, ok := t.([]any)
		if !ok || len(cond) != 3 {
			continue
		}
		field, _ := cond[0].(string)
		op, _ := cond[1].(string)
		op = strings.ToLower(op)
		sub, isSub := cond[2].([]any)
		isSub = isSub && (op == "any" || op == "not any")
		related, err := r.path(model, prefix, field, where, !comparesIDs(op, cond[2]))
		if err != nil {
			return err
		}
		if isSub && related != "" {
			if err := r.domain(related, prefix+field+".", sub, where); err != nil {
				return err
			}
		}
	}
	return nil
}

// comparesIDs reports a condition that, on a relational field, only
// compares record ids: it reads nothing of the related model. Text values
// run a name search on it; any, child_of and parent_of search it.
func comparesIDs(op string, v any) bool {
	switch op {
	case "=", "!=", "<>", "in", "not in":
	default:
		return false
	}
	if list, ok := v.([]any); ok {
		for _, x := range list {
			if !isID(x) {
				return false
			}
		}
		return true
	}
	return isID(v)
}

func isID(v any) bool {
	switch v.(type) {
	case nil, bool, json.Number, float64, int, int64:
		return true
	}
	return false
}

// order checks an order clause ("name asc, partner_id.name desc").
func (r *relations) order(model, order, where string) error {
	for _, part := range strings.Split(order, ",") {
		if f := strings.Fields(part); len(f) > 0 {
			if _, err := r.path(model, "", f[0], where, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// fieldList checks field names as read, read_group and group-by take them:
// "partner_id.name", "amount:sum", "total:sum(amount)", "date:month".
func (r *relations) fieldList(model string, names []string, where string) error {
	for _, n := range names {
		if i := strings.IndexByte(n, '('); i >= 0 {
			n = strings.TrimSuffix(n[i+1:], ")")
		}
		n, _, _ = strings.Cut(n, ":")
		n = strings.TrimSpace(n)
		if n == "" || n == "__count" {
			continue
		}
		if _, err := r.path(model, "", n, where, false); err != nil {
			return err
		}
	}
	return nil
}

// specification checks web_read's {"field": {"fields": {...}}} tree: a
// nested field list reads the related model.
func (r *relations) specification(model, prefix string, spec map[string]any, where string) error {
	names := make([]string, 0, len(spec))
	for name := range spec {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		sub, _ := spec[name].(map[string]any)
		nested, hasNested := sub["fields"].(map[string]any)
		related, err := r.path(model, prefix, name, where, hasNested)
		if err != nil {
			return err
		}
		if hasNested && related != "" {
			if err := r.specification(related, prefix+name+".", nested, where); err != nil {
				return err
			}
		}
		if o, ok := sub["order"].(string); ok && related != "" {
			if err := r.order(related, o, where); err != nil {
				return err
			}
		}
	}
	return nil
}

// methodParameters are the positional parameters of the standard methods
// whose arguments name fields or domains (Odoo 16 to 19), so that a
// positional domain is checked like a named one.
var methodParameters = map[string][]string{
	"search":               {"domain", "offset", "limit", "order"},
	"search_read":          {"domain", "fields", "offset", "limit", "order"},
	"search_count":         {"domain", "limit"},
	"search_fetch":         {"domain", "field_names", "offset", "limit", "order"},
	"read":                 {"fields", "load"},
	"fetch":                {"field_names"},
	"read_group":           {"domain", "fields", "groupby", "offset", "limit", "orderby", "lazy"},
	"formatted_read_group": {"domain", "groupby", "aggregates", "having", "offset", "limit", "order"},
	"name_search":          {"name", "domain", "operator", "limit"},
	"web_search_read":      {"domain", "specification", "offset", "limit", "order", "count_limit"},
	"web_read":             {"specification"},
}

// call checks a method call's arguments: the parameters the standard
// methods give meaning to by name, and, for any method, every argument
// shaped like a domain. Other arguments of custom methods cannot be
// understood from outside; --deny-methods is the tool for those.
func (r *relations) call(method string, args []any, kwargs map[string]any) error {
	names := methodParameters[method]
	for i, v := range args {
		where := fmt.Sprintf("argument %d of %s", i+1, method)
		name := ""
		if i < len(names) {
			name = names[i]
		}
		if err := r.argument(method, name, v, where); err != nil {
			return err
		}
	}
	keys := make([]string, 0, len(kwargs))
	for k := range kwargs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := r.argument(method, k, kwargs[k], fmt.Sprintf("argument %q of %s", k, method)); err != nil {
			return err
		}
	}
	return nil
}

func (r *relations) argument(method, name string, v any, where string) error {
	switch {
	case name == "domain" || (name == "args" && method == "name_search"):
		if d, ok := v.([]any); ok {
			return r.domain(r.model, "", d, where)
		}
	case name == "fields" || name == "field_names" || name == "groupby" || name == "aggregates":
		return r.fieldList(r.model, stringList(v), where)
	case name == "order" || name == "orderby":
		if s, ok := v.(string); ok {
			return r.order(r.model, s, where)
		}
	case name == "specification":
		if m, ok := v.(map[string]any); ok {
			return r.specification(r.model, "", m, where)
		}
	}
	if d, ok := v.([]any); ok && looksLikeDomain(d) {
		return r.domain(r.model, "", d, where)
	}
	return nil
}

// stringList reads a field list: a list of names or one name.
func stringList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// looksLikeDomain: a well-formed domain with at least one condition.
func looksLikeDomain(d []any) bool {
	if validateDomain(d) != nil {
		return false
	}
	for _, t := range d {
		if _, ok := t.([]any); ok {
			return true
		}
	}
	return false
}

// values checks the values written on model: x2many commands that create,
// change or delete related records (0, 1, 2) write the related model, and
// on a one2many every command does (linking a record writes its inverse
// field). Commands that create or change records are checked in turn.
// Plain values (scalars, many2one ids) reach no other model.
func (r *relations) values(model, prefix string, vals map[string]any, where string) error {
	hasList := false
	for _, v := range vals {
		if _, ok := v.([]any); ok {
			hasList = true
			break
		}
	}
	if !hasList {
		return nil
	}
	fields, err := r.e.fieldsOf(r.ctx, r.c, model)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		cmds, ok := vals[k].([]any)
		f := fields[k]
		if !ok || f.Relation == "" {
			continue
		}
		for _, cmd := range cmds {
			c, ok := cmd.([]any)
			if !ok || len(c) == 0 {
				continue // a bare id: a link
			}
			code, _ := number(c[0])
			writes := code == 0 || code == 1 || code == 2 || f.Type == "one2many"
			if reason, ok := r.e.Policy.modelAllowed(f.Relation); writes && !ok {
				return r.refuse(f.Relation, reason, prefix+k, where, false)
			}
			if (code == 0 || code == 1) && len(c) == 3 {
				if sub, ok := c[2].(map[string]any); ok {
					if err := r.values(f.Relation, prefix+k+".", sub, where); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

func number(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	case float64:
		return int64(n), n == float64(int64(n))
	case int:
		return int64(n), true
	case int64:
		return n, true
	}
	return 0, false
}
