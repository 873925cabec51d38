package fakeodoo

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// operators accepted in a condition (after lower-casing, "<>" and "==" are
// aliases of "!=" and "=").
var domainOperators = map[string]bool{
	"=": true, "!=": true, "<=": true, "<": true, ">": true, ">=": true, "=?": true,
	"=like": true, "=ilike": true, "like": true, "not like": true, "ilike": true, "not ilike": true,
	"in": true, "not in": true, "child_of": true, "parent_of": true, "any": true, "not any": true,
	"<>": true, "==": true,
}

// dnode is a parsed domain: a boolean combination of conditions.
type dnode struct {
	op   string // "&", "|", "!", "leaf", "true", "false"
	kids []*dnode
	leaf *leaf
}

// leaf is one validated condition. A condition on a path ("country_id.code")
// or with the any operator carries the sub-domain evaluated on the comodel.
type leaf struct {
	f     *field
	op    string
	value any
	sub   *dnode // any / not any / paths
	cm    *model // comodel of sub
}

var (
	trueNode  = &dnode{op: "true"}
	falseNode = &dnode{op: "false"}
)

// parseDomain validates a domain against model m and returns its tree, with
// the errors (types and messages) of each Odoo version.
func (e *env) parseDomain(m *model, domain any) (*dnode, error) {
	if domain == nil || domain == false {
		return trueNode, nil
	}
	items, ok := domain.([]any)
	if !ok {
		if e.major >= 19 {
			return nil, newErr(exTypeError, "Domain() invalid argument type for domain: "+pyRepr(domain),
				fr("/opt/odoo/odoo/orm/domains.py", 247, "__new__", `raise TypeError(f"Domain() invalid argument type for domain: {arg!r}")`))
		}
		return nil, newErr(exAssertion, "Domains to normalize must have a 'domain' form: a list or tuple of domain components",
			frn("/opt/odoo/odoo/osv/expression.py", 210, "normalize_domain", `assert isinstance(domain, (list, tuple)), "Domains to normalize must have a 'domain' form: a list or tuple of domain components"`))
	}
	if len(items) == 0 {
		return trueNode, nil
	}
	// a bare condition ["name", "=", "x"] is accepted as a one-condition domain
	if len(items) == 3 {
		if s, ok := items[0].(string); ok && !isDomainOp(s) {
			if _, ok := items[1].(string); ok {
				items = []any{items}
			}
		}
	}
	// prefix notation, evaluated right to left like Odoo does
	var stack []*dnode
	for i := len(items) - 1; i >= 0; i-- {
		item := items[i]
		switch {
		case item == "&" || item == "|":
			if len(stack) < 2 {
				return nil, e.malformed(domain)
			}
			a, b := stack[len(stack)-1], stack[len(stack)-2]
			stack = append(stack[:len(stack)-2], &dnode{op: item.(string), kids: []*dnode{a, b}})
		case item == "!":
			if len(stack) < 1 {
				return nil, e.malformed(domain)
			}
			stack[len(stack)-1] = &dnode{op: "!", kids: []*dnode{stack[len(stack)-1]}}
		default:
			cond, ok := item.([]any)
			if !ok || len(cond) != 3 {
				return nil, e.invalidItem(item)
			}
			n, err := e.parseCondition(m, cond)
			if err != nil {
				return nil, err
			}
			stack = append(stack, n)
		}
	}
	if len(stack) == 1 {
		return stack[0], nil
	}
	// implicit AND of what remains, in order
	and := &dnode{op: "&"}
	for i := len(stack) - 1; i >= 0; i-- {
		and.kids = append(and.kids, stack[i])
	}
	return and, nil
}

func isDomainOp(s string) bool { return s == "&" || s == "|" || s == "!" }

func (e *env) malformed(domain any) *rpcError {
	if e.major >= 19 {
		return e.errValue("Domain() malformed domain " + pyRepr(domain))
	}
	return newErr(exAssertion, "This domain is syntactically not correct: "+pyRepr(domain))
}

func (e *env) invalidItem(item any) *rpcError {
	if e.major >= 19 {
		return e.errValue("Domain() invalid item in domain: " + pyRepr(item))
	}
	if l, ok := item.([]any); ok {
		item = pyTuple(l)
	}
	return e.errValue("Invalid leaf " + pyRepr(item))
}

// condError words an invalid condition as each version does.
func (e *env) condError(what string, cond []any) *rpcError {
	t := pyTuple(cond).String()
	if e.major >= 19 {
		if what == "" {
			what = "Invalid operator"
		}
		return e.errValue(what+" in condition "+t,
			frn("/opt/odoo/odoo/orm/domains.py", 901, "_raise", "raise error(message % (*args, self.field_expr, self.operator, self.value))"))
	}
	if what == "" {
		return e.errValue("Invalid leaf "+t,
			frn("/opt/odoo/odoo/osv/expression.py", 739, "check_leaf", `raise ValueError("Invalid leaf %s" % str(element))`))
	}
	return e.errValue(what+" in leaf "+t,
		frn("/opt/odoo/odoo/osv/expression.py", 374, "_anyfy_leaves", `raise ValueError(f"Invalid field {model._name}.{path[0]} in leaf {item}")`))
}

func (e *env) parseCondition(m *model, cond []any) (*dnode, error) {
	name, ok := cond[0].(string)
	if !ok {
		// the constant leaves (1, '=', 1) and (0, '=', 1)
		a, aok := asInt(cond[0])
		b, bok := asInt(cond[2])
		if aok && bok && cond[1] == "=" && b == 1 && (a == 0 || a == 1) {
			if a == 1 {
				return trueNode, nil
			}
			return falseNode, nil
		}
		if e.major >= 19 {
			return nil, newErr(exTypeError, "Domain() invalid arguments: "+pyTuple(cond).String())
		}
		return nil, e.condError("", cond)
	}
	opRaw, _ := cond[1].(string)
	op := strings.ToLower(opRaw)
	switch op {
	case "<>":
		op = "!="
	case "==":
		op = "="
	}
	badOp := !domainOperators[op]
	if name == "" {
		if e.major >= 19 {
			return nil, newErr(exTypeError, "Empty field name in condition "+pyTuple(cond).String())
		}
		return nil, e.condError("", cond)
	}
	head, rest, dotted := strings.Cut(name, ".")
	f := m.field(head)
	// 19.0 checks the operator when building the condition, 18.0 resolves
	// the field first
	if badOp && (e.major >= 19 || f != nil) {
		return nil, e.condError("", cond)
	}
	if f == nil {
		return nil, e.condError(fmt.Sprintf("Invalid field %s.%s", m.name, head), cond)
	}
	lf := &leaf{f: f, op: op, value: cond[2]}
	if dotted {
		cm := e.models[f.relation]
		if !f.relational() || cm == nil {
			return nil, e.condError(fmt.Sprintf("Invalid field %s.%s", m.name, name), cond)
		}
		sub, err := e.parseCondition(cm, []any{rest, opRaw, cond[2]})
		if err != nil {
			return nil, err
		}
		lf.op, lf.sub, lf.cm, lf.value = "any", sub, cm, nil
		return &dnode{op: "leaf", leaf: lf}, nil
	}
	if op == "any" || op == "not any" {
		cm := e.models[f.relation]
		if !f.relational() {
			return nil, e.condError("Cannot use 'any' with non-relational field", cond)
		}
		if cm == nil {
			lf.sub, lf.cm = falseNode, nil
			return &dnode{op: "leaf", leaf: lf}, nil
		}
		sub, err := e.parseDomain(cm, cond[2])
		if err != nil {
			return nil, err
		}
		lf.sub, lf.cm = sub, cm
	}
	if (op == "child_of" || op == "parent_of") && f.name != "id" && !f.relational() {
		return nil, e.condError("Invalid field for child_of/parent_of", cond)
	}
	return &dnode{op: "leaf", leaf: lf}, nil
}

// mentions reports whether the domain has a condition on the field name at
// its top level (used to decide whether active_test adds active=True).
func (n *dnode) mentions(name string) bool {
	if n.op == "leaf" {
		return n.leaf.f.name == name && n.leaf.sub == nil
	}
	for _, k := range n.kids {
		if k.mentions(name) {
			return true
		}
	}
	return false
}

// match evaluates the domain on one record.
func (e *env) match(m *model, r *record, n *dnode) bool {
	switch n.op {
	case "true":
		return true
	case "false":
		return false
	case "!":
		return !e.match(m, r, n.kids[0])
	case "&":
		for _, k := range n.kids {
			if !e.match(m, r, k) {
				return false
			}
		}
		return true
	case "|":
		for _, k := range n.kids {
			if e.match(m, r, k) {
				return true
			}
		}
		return false
	}
	return e.matchLeaf(m, r, n.leaf)
}

func (e *env) matchLeaf(m *model, r *record, lf *leaf) bool {
	f := lf.f
	raw := e.get(m, r, f)
	switch lf.op {
	case "any", "not any":
		found := false
		if lf.cm != nil {
			for _, id := range relIDs(raw) {
				cr := e.row(lf.cm, id)
				if cr != nil && e.visible(lf.cm, cr) && e.match(lf.cm, cr, lf.sub) {
					found = true
					break
				}
			}
		}
		return found == (lf.op == "any")
	case "=?":
		if !pyTruthy(lf.value) {
			return true
		}
		return e.equal(f, raw, lf.value)
	case "=":
		return e.equal(f, raw, lf.value)
	case "!=":
		return !e.equal(f, raw, lf.value)
	case "in", "not in":
		in := false
		for _, v := range asList(lf.value) {
			if e.equal(f, raw, v) {
				in = true
				break
			}
		}
		return in == (lf.op == "in")
	case "<", "<=", ">", ">=":
		return e.compare(f, raw, lf.op, lf.value)
	case "like", "ilike", "=like", "=ilike", "not like", "not ilike":
		neg := strings.HasPrefix(lf.op, "not ")
		op := strings.TrimPrefix(lf.op, "not ")
		pat, ok := lf.value.(string)
		if !ok {
			if lf.value == nil || lf.value == false {
				// ilike False means "is not set"
				return isEmptyRaw(f, raw) != neg
			}
			pat = pyRepr(lf.value)
		}
		if op == "like" || op == "ilike" {
			if pat == "" {
				return !neg
			}
			pat = "%" + pat + "%"
		}
		ci := strings.HasSuffix(op, "ilike")
		hit := false
		for _, s := range e.texts(f, raw) {
			if sqlLike(s, pat, ci) {
				hit = true
				break
			}
		}
		return hit != neg
	case "child_of", "parent_of":
		ids := e.hierarchy(f, m, lf.value, lf.op == "child_of")
		if f.name == "id" {
			return containsID(ids, r.id)
		}
		for _, id := range relIDs(raw) {
			if containsID(ids, id) {
				return true
			}
		}
		return false
	}
	return false
}

// visible tells whether a comodel record takes part in a sub-search.
func (e *env) visible(m *model, r *record) bool {
	if m.has("active") && e.activeTest() {
		return e.boolean(m, r, "active")
	}
	return true
}

func relIDs(raw any) []int64 {
	switch x := raw.(type) {
	case int64:
		if x == 0 {
			return nil
		}
		return []int64{x}
	case []int64:
		return x
	}
	return nil
}

func asList(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case nil:
		return []any{false}
	}
	return []any{v}
}

func isEmptyRaw(f *field, raw any) bool {
	switch x := raw.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case int64:
		return x == 0 && (f.typ == "many2one" || f.typ == "integer")
	case float64:
		return x == 0
	case bool:
		return !x
	case []int64:
		return len(x) == 0
	}
	return false
}

// equal is the "=" of a condition: many2one and x2many compare ids (or
// display names for strings), false matches empty values.
func (e *env) equal(f *field, raw, v any) bool {
	if v == nil || v == false {
		if f.typ == "boolean" {
			b, _ := raw.(bool)
			return !b
		}
		return isEmptyRaw(f, raw)
	}
	switch f.typ {
	case "many2one", "one2many", "many2many":
		ids := relIDs(raw)
		if s, ok := v.(string); ok {
			for _, id := range ids {
				if e.displayNameOf(f.relation, id) == s {
					return true
				}
			}
			return false
		}
		id, ok := asInt(v)
		return ok && containsID(ids, id)
	case "integer", "float", "monetary":
		a, _ := asFloat(raw)
		b, ok := asFloat(v)
		if s, isStr := v.(string); isStr {
			_, err := fmt.Sscan(s, &b)
			ok = err == nil
		}
		return ok && a == b
	case "boolean":
		b, _ := raw.(bool)
		return b == pyTruthy(v)
	case "json":
		return pyRepr(raw) == pyRepr(v)
	}
	s, _ := raw.(string)
	if f.typ == "datetime" {
		if vs, ok := v.(string); ok && dateRe.MatchString(vs) {
			v = vs + " 00:00:00"
		}
	}
	vs, ok := v.(string)
	if !ok {
		vs = pyRepr(v)
	}
	return s == vs
}

// compare implements <, <=, >, >=; empty values never match (SQL NULL).
func (e *env) compare(f *field, raw any, op string, v any) bool {
	if v == nil || v == false && f.typ != "boolean" {
		return false
	}
	var c int
	switch f.typ {
	case "integer", "float", "monetary", "many2one":
		a, _ := asFloat(raw)
		if f.typ == "many2one" && a == 0 {
			return false
		}
		b, ok := asFloat(v)
		if !ok {
			return false
		}
		c = cmpFloat(a, b)
	case "boolean":
		a, b := raw.(bool), pyTruthy(v)
		c = cmpFloat(map[bool]float64{true: 1}[a], map[bool]float64{true: 1}[b])
	case "one2many", "many2many":
		return false
	default:
		s, _ := raw.(string)
		if s == "" {
			return false
		}
		vs, ok := v.(string)
		if !ok {
			vs = pyRepr(v)
		}
		if f.typ == "datetime" && dateRe.MatchString(vs) {
			vs += " 00:00:00"
		}
		c = strings.Compare(s, vs)
	}
	switch op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	}
	return c >= 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// texts are the strings a like operator looks at: the value itself, or the
// display names of related records.
func (e *env) texts(f *field, raw any) []string {
	if f.relational() {
		var out []string
		for _, id := range relIDs(raw) {
			out = append(out, e.displayNameOf(f.relation, id))
		}
		return out
	}
	switch x := raw.(type) {
	case string:
		if x == "" {
			return nil
		}
		return []string{x}
	case int64:
		return []string{fmt.Sprint(x)}
	case float64:
		return []string{pyFloatRepr(x)}
	}
	return nil
}

// hierarchy resolves the value of child_of / parent_of to the set of ids of
// the hierarchical model, the given records included.
func (e *env) hierarchy(f *field, m *model, value any, down bool) []int64 {
	hm := m
	if f.name != "id" {
		hm = e.models[f.relation]
		if hm == nil {
			return nil
		}
	}
	var start []int64
	for _, v := range asList(value) {
		if s, ok := v.(string); ok {
			for _, id := range e.allIDs(hm) {
				if sqlLike(e.displayName(hm, e.row(hm, id)), "%"+s+"%", true) {
					start = append(start, id)
				}
			}
		} else if id, ok := asInt(v); ok && id != 0 {
			start = append(start, id)
		}
	}
	if hm.parent == "" {
		return start
	}
	pf := hm.field(hm.parent)
	seen := map[int64]bool{}
	var out []int64
	queue := append([]int64(nil), start...)
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if seen[id] || e.row(hm, id) == nil {
			continue
		}
		seen[id] = true
		out = append(out, id)
		if down {
			for _, cid := range e.allIDs(hm) {
				if p, _ := e.get(hm, e.row(hm, cid), pf).(int64); p == id {
					queue = append(queue, cid)
				}
			}
		} else if p, _ := e.get(hm, e.row(hm, id), pf).(int64); p != 0 {
			queue = append(queue, p)
		}
	}
	return out
}

// likeCache keeps compiled LIKE patterns; it is emptied when it grows
// large, so a long-running demo server does not accumulate them.
var likeCache = struct {
	sync.Mutex
	m map[string]*regexp.Regexp
}{m: map[string]*regexp.Regexp{}}

// sqlLike matches s against an SQL LIKE pattern (% and _ wildcards, \
// escapes), case-insensitively for ilike.
func sqlLike(s, pattern string, ci bool) bool {
	key := "s:" + pattern
	if ci {
		key = "i:" + pattern
	}
	likeCache.Lock()
	re, ok := likeCache.m[key]
	likeCache.Unlock()
	if ok {
		return re.MatchString(s)
	}
	var b strings.Builder
	b.WriteString("(?s)^")
	if ci {
		b.WriteString("(?i)")
	}
	esc := false
	for _, r := range pattern {
		switch {
		case esc:
			b.WriteString(regexp.QuoteMeta(string(r)))
			esc = false
		case r == '\\':
			esc = true
		case r == '%':
			b.WriteString(".*")
		case r == '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return false
	}
	likeCache.Lock()
	if len(likeCache.m) >= 256 {
		likeCache.m = map[string]*regexp.Regexp{}
	}
	likeCache.m[key] = re
	likeCache.Unlock()
	return re.MatchString(s)
}

// normalizeDomain adds the implicit '&' operators of a domain, as
// odoo.osv.expression.normalize_domain does.
func normalizeDomain(items []any) []any {
	if len(items) == 0 {
		return []any{}
	}
	var out []any
	expected := 1
	for _, it := range items {
		if expected == 0 {
			out = append([]any{"&"}, out...)
			expected = 1
		}
		switch it {
		case "&", "|":
			expected++
		case "!":
		default:
			expected--
		}
		out = append(out, it)
	}
	return out
}

// andDomains is expression.AND of normalized domains.
func andDomains(domains ...[]any) []any {
	var parts [][]any
	for _, d := range domains {
		if len(d) > 0 {
			parts = append(parts, normalizeDomain(d))
		}
	}
	if len(parts) == 0 {
		return []any{}
	}
	var out []any
	for range len(parts) - 1 {
		out = append(out, "&")
	}
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
