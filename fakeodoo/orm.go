package fakeodoo

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/odoo-mcp/odoo-mcp/internal/pyrepr"
)

// search returns the ids matching domain, ordered, after offset and limit
// (limit <= 0: no limit).
func (e *env) search(m *model, domain any, offset, limit int, order string) ([]int64, error) {
	if err := e.checkAccess(m, "read"); err != nil {
		return nil, err
	}
	n, err := e.parseDomain(m, domain)
	if err != nil {
		return nil, err
	}
	terms, err := e.parseOrder(m, order)
	if err != nil {
		return nil, err
	}
	activeOnly := m.has("active") && e.activeTest() && !n.mentions("active")
	var ids []int64
	for _, id := range e.allIDs(m) {
		r := e.row(m, id)
		if activeOnly && !e.boolean(m, r, "active") {
			continue
		}
		if !e.companyRule(m, r) {
			continue
		}
		if e.match(m, r, n) && (m.rowAccess == nil || e.su || m.rowAccess(e, m, r) == nil) {
			ids = append(ids, id)
		}
	}
	e.sortRecords(m, ids, terms)
	if offset > 0 {
		ids = ids[min(offset, len(ids)):]
	}
	if limit > 0 && len(ids) > limit {
		ids = ids[:limit]
	}
	return ids, nil
}

type orderTerm struct {
	f          *field
	desc       bool
	nullsFirst bool
}

var orderTermRe = regexp.MustCompile(`(?i)^\s*([a-z0-9_.:"]+)(?:\s+(asc|desc))?(?:\s+nulls\s+(first|last))?\s*$`)

// parseOrder validates an "order" specification such as "name asc, id desc";
// an empty one means the model's _order.
func (e *env) parseOrder(m *model, order string) ([]orderTerm, error) {
	if strings.TrimSpace(order) == "" {
		order = m.order
	}
	var terms []orderTerm
	for _, part := range strings.Split(order, ",") {
		g := orderTermRe.FindStringSubmatch(part)
		if g == nil {
			return nil, e.errUser(fmt.Sprintf(`Invalid "order" specified (%s). A valid "order" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)`, strings.TrimSpace(part)))
		}
		name := strings.Trim(g[1], `"`)
		name, _, _ = strings.Cut(name, ":")
		f := m.field(name)
		if f == nil {
			return nil, e.invalidFieldError(m, name)
		}
		desc := strings.EqualFold(g[2], "desc")
		nullsFirst := desc
		if g[3] != "" {
			nullsFirst = strings.EqualFold(g[3], "first")
		}
		terms = append(terms, orderTerm{f: f, desc: desc, nullsFirst: nullsFirst})
	}
	return terms, nil
}

// invalidFieldError is raised for an unknown field name in fields or order.
func (e *env) invalidFieldError(m *model, name string) *rpcError {
	if e.major >= 19 {
		return e.errValue(fmt.Sprintf("Invalid field %s on %s", pyrepr.Str(name), pyrepr.Str(m.name)),
			frn(pModels(e.major), 3853, "_determine_fields_to_fetch", `raise ValueError(f"Invalid field {field_name!r} on {self._name!r}") from e`))
	}
	return e.errValue(fmt.Sprintf("Invalid field %s on model %s", pyrepr.Str(name), pyrepr.Str(m.name)),
		frn(pModels(e.major), 4134, "_determine_fields_to_fetch", `raise ValueError(f"Invalid field {field_name!r} on model {self._name!r}")`))
}

// sortRecords orders ids by terms (nil: the model's _order), ties broken by
// id.
func (e *env) sortRecords(m *model, ids []int64, terms []orderTerm) {
	if terms == nil {
		terms, _ = e.parseOrder(m, "")
	}
	type keyed struct {
		id   int64
		vals []any
	}
	rows := make([]keyed, len(ids))
	for i, id := range ids {
		r := e.row(m, id)
		vals := make([]any, len(terms))
		for j, t := range terms {
			vals[j] = e.sortKey(t.f, e.get(m, r, t.f))
		}
		rows[i] = keyed{id, vals}
	}
	sort.SliceStable(rows, func(a, b int) bool {
		for j, t := range terms {
			c := compareKeys(rows[a].vals[j], rows[b].vals[j], t.nullsFirst, t.desc)
			if c != 0 {
				return c < 0
			}
		}
		return rows[a].id < rows[b].id
	})
	for i := range rows {
		ids[i] = rows[i].id
	}
}

// sortKey is the comparable value of a field: nil for NULL, a lower-cased
// string for text and many2one (its display name), a float for numbers.
func (e *env) sortKey(f *field, raw any) any {
	switch f.typ {
	case "many2one":
		id, _ := raw.(int64)
		if id == 0 {
			return nil
		}
		return strings.ToLower(e.displayNameOf(f.relation, id))
	case "integer", "float", "monetary":
		x, _ := asFloat(raw)
		return x
	case "boolean":
		if b, _ := raw.(bool); b {
			return 1.0
		}
		return 0.0
	case "one2many", "many2many", "json", "binary":
		return nil
	}
	s, _ := raw.(string)
	if s == "" {
		return nil
	}
	return strings.ToLower(s)
}

func compareKeys(a, b any, nullsFirst, desc bool) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		if nullsFirst {
			return -1
		}
		return 1
	case b == nil:
		if nullsFirst {
			return 1
		}
		return -1
	}
	c := 0
	switch x := a.(type) {
	case float64:
		c = cmpFloat(x, b.(float64))
	case string:
		c = strings.Compare(x, b.(string))
	}
	if desc {
		c = -c
	}
	return c
}

// resolveFields validates field names for read; empty means every readable
// field.
func (e *env) resolveFields(m *model, names []string) ([]*field, error) {
	if len(names) == 0 {
		var out []*field
		for _, f := range m.fields {
			if !f.noCopy {
				out = append(out, f)
			}
		}
		return out, nil
	}
	out := []*field{m.field("id")}
	seen := map[string]bool{"id": true}
	for _, n := range names {
		f := m.field(n)
		if f == nil {
			return nil, e.invalidFieldError(m, n)
		}
		if !seen[n] {
			out = append(out, f)
			seen[n] = true
		}
	}
	return out, nil
}

// read returns the rows of the existing ids (deleted ones are skipped, as
// Odoo's read does).
func (e *env) read(m *model, ids []int64, names []string, load string) ([]obj, error) {
	if err := e.checkAccess(m, "read"); err != nil {
		return nil, err
	}
	fields, err := e.resolveFields(m, names)
	if err != nil {
		return nil, err
	}
	rows := []obj{}
	for _, id := range e.existing(m, ids) {
		r := e.row(m, id)
		if m.rowAccess != nil && !e.su {
			if err := m.rowAccess(e, m, r); err != nil {
				return nil, err
			}
		}
		rows = append(rows, e.readRow(m, r, fields, load))
	}
	return rows, nil
}

func (e *env) readRow(m *model, r *record, fields []*field, load string) obj {
	row := make(obj, 0, len(fields))
	for _, f := range fields {
		if f.noCopy {
			row = append(row, kv{f.name, false})
			continue
		}
		row = append(row, kv{f.name, e.readValue(f, e.get(m, r, f), load)})
	}
	return row
}

// create inserts one record; access rights are checked by the caller.
func (e *env) create(m *model, vals map[string]any) (int64, error) {
	for k := range vals {
		if m.field(k) == nil {
			return 0, e.unknownWriteField(m, k, true)
		}
	}
	vals = cloneVals(vals)
	if m.prepare != nil {
		m.prepare(vals)
	}
	if m.onCreate != nil {
		if err := m.onCreate(e, m, vals); err != nil {
			return 0, err
		}
	}
	for _, f := range m.fields {
		if _, ok := vals[f.name]; !ok && f.deflt != nil {
			vals[f.name] = f.deflt(e)
		}
	}
	t := e.table(m)
	r := &record{id: t.next, vals: map[string]any{}}
	if err := e.apply(m, r, vals, true); err != nil {
		return 0, err
	}
	t.next++
	t.rows[r.id] = r
	if err := e.applyLater(m, r, vals); err != nil {
		return 0, err
	}
	if err := e.validate(m, r, vals, true); err != nil {
		return 0, err
	}
	return r.id, nil
}

func cloneVals(v map[string]any) map[string]any {
	out := make(map[string]any, len(v))
	for k, x := range v {
		out[k] = x
	}
	return out
}

func (e *env) unknownWriteField(m *model, name string, create bool) *rpcError {
	if e.major >= 19 {
		return e.errValue(fmt.Sprintf("Invalid field %s in %s", pyrepr.Str(name), pyrepr.Str(m.name)),
			frn(pModels(e.major), 4654, "create", `raise ValueError(f"Invalid field {field_name!r} in {self._name!r}")`))
	}
	return e.errValue(fmt.Sprintf("Invalid field %s on model %s", pyrepr.Str(name), pyrepr.Str(m.name)),
		frn(pModels(e.major), 6360, "_update_cache", `raise ValueError("Invalid field %r on model %r" % (e.args[0], self._name))`))
}

// apply converts and stores the plain (non-relational-command, non-related)
// values of vals on r.
func (e *env) apply(m *model, r *record, vals map[string]any, created bool) error {
	for _, f := range m.fields {
		v, ok := vals[f.name]
		if !ok || f.x2many() || f.related != "" || !f.writable() {
			continue
		}
		raw, err := e.convert(m, f, v)
		if err != nil {
			return err
		}
		if f.compDep {
			r.vals[e.companyKey(f)] = raw
			continue
		}
		r.vals[f.name] = raw
	}
	now := e.timestamp()
	if created {
		for _, k := range []string{"create_uid", "write_uid"} {
			if m.has(k) {
				r.vals[k] = e.uid
			}
		}
		for _, k := range []string{"create_date", "write_date"} {
			if m.has(k) {
				r.vals[k] = now
			}
		}
	} else {
		if m.has("write_uid") {
			r.vals["write_uid"] = e.uid
		}
		if m.has("write_date") {
			r.vals["write_date"] = now
		}
	}
	return nil
}

// applyLater stores x2many commands and related fields, which need the
// record to exist.
func (e *env) applyLater(m *model, r *record, vals map[string]any) error {
	for _, f := range m.fields {
		v, ok := vals[f.name]
		if !ok {
			continue
		}
		switch {
		case f.related != "":
			tm, tr, tf := e.relatedTarget(m, r, f)
			if tr == nil || !tf.writable() {
				continue
			}
			if err := e.sudo().write(tm, []int64{tr.id}, map[string]any{tf.name: v}); err != nil {
				return err
			}
		case f.x2many() && f.writable():
			if err := e.x2many(m, r, f, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// validate runs the database constraints (NOT NULL, UNIQUE) and the Python
// constraints after a create or write.
func (e *env) validate(m *model, r *record, vals map[string]any, created bool) error {
	for _, f := range m.fields {
		if !f.required || !f.store || f.compute != nil || f.related != "" || f.x2many() {
			continue
		}
		if _, touched := vals[f.name]; !created && !touched {
			continue
		}
		if f.typ != "boolean" && isEmptyRaw(f, e.get(m, r, f)) && f.typ != "integer" && f.typ != "float" && f.typ != "monetary" {
			return e.notNullError(m, f)
		}
	}
	for _, u := range m.unique {
		f := m.field(u.field)
		v := e.get(m, r, f)
		if isEmptyRaw(f, v) {
			continue
		}
		for _, id := range e.allIDs(m) {
			if id != r.id && e.equal(f, e.get(m, e.row(m, id), f), v) {
				table := strings.ReplaceAll(m.name, ".", "_")
				return e.errSQL("psycopg2.errors.UniqueViolation",
					fmt.Sprintf("duplicate key value violates unique constraint \"%s_%s_key\"", table, u.field),
					"The operation cannot be completed: "+u.msg)
			}
		}
	}
	if m.check != nil {
		if err := m.check(e, m, r); err != nil {
			return err
		}
	}
	if m.afterSave != nil {
		return m.afterSave(e, m, r, vals, created)
	}
	return nil
}

// write updates existing records; a missing id is a MissingError.
func (e *env) write(m *model, ids []int64, vals map[string]any) error {
	if err := e.checkAccess(m, "write"); err != nil {
		return err
	}
	var missing []int64
	for _, id := range ids {
		if e.row(m, id) == nil {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return e.errMissing(m, missing)
	}
	for k := range vals {
		if m.field(k) == nil {
			return e.unknownWriteField(m, k, false)
		}
	}
	for _, id := range e.existing(m, ids) {
		r := e.row(m, id)
		v := cloneVals(vals)
		if m.prepare != nil {
			m.prepare(v)
		}
		if err := e.apply(m, r, v, false); err != nil {
			return err
		}
		if err := e.applyLater(m, r, v); err != nil {
			return err
		}
		if err := e.validate(m, r, v, false); err != nil {
			return err
		}
	}
	return nil
}

// unlink deletes records, enforcing ondelete rules of the many2one fields
// pointing to them.
func (e *env) unlink(m *model, ids []int64) error {
	if err := e.checkAccess(m, "unlink"); err != nil {
		return err
	}
	var missing []int64
	for _, id := range ids {
		if e.row(m, id) == nil {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return e.errMissing(m, missing)
	}
	ids = e.existing(m, ids)
	if m.onUnlink != nil {
		if err := m.onUnlink(e, m, ids); err != nil {
			return err
		}
	}
	return e.sudo().remove(m, ids)
}

// remove deletes rows and applies the ondelete rules.
func (e *env) remove(m *model, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	for _, name := range sortedModelNames(e.models) {
		om := e.models[name]
		for _, f := range om.fields {
			if f.relation != m.name || !f.store || f.compute != nil || f.related != "" {
				continue
			}
			switch f.typ {
			case "many2one":
				mode := f.ondelete
				if mode == "" {
					mode = "set null"
					if f.required {
						mode = "restrict"
					}
				}
				var cascade []int64
				for _, oid := range e.allIDs(om) {
					or := e.row(om, oid)
					ref, _ := or.vals[f.name].(int64)
					if ref == 0 || !containsID(ids, ref) || om == m && containsID(ids, oid) {
						continue
					}
					switch mode {
					case "restrict":
						return e.fkError(om, f)
					case "cascade":
						cascade = append(cascade, oid)
					default:
						or.vals[f.name] = int64(0)
					}
				}
				if err := e.remove(om, cascade); err != nil {
					return err
				}
			case "many2many":
				for _, oid := range e.allIDs(om) {
					or := e.row(om, oid)
					cur, _ := or.vals[f.name].([]int64)
					if slices.ContainsFunc(cur, func(id int64) bool { return containsID(ids, id) }) {
						or.vals[f.name] = slices.DeleteFunc(slices.Clone(cur), func(id int64) bool { return containsID(ids, id) })
					}
				}
			}
		}
	}
	t := e.table(m)
	for _, id := range ids {
		delete(t.rows, id)
	}
	return nil
}
