package fakeodoo

import (
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/odoo-mcp/odoo-mcp/internal/pyrepr"
)

// zero is the raw empty value of a field type.
func zero(f *field) any {
	switch f.typ {
	case "integer", "many2one":
		return int64(0)
	case "float", "monetary":
		return float64(0)
	case "boolean":
		return false
	case "one2many", "many2many":
		return []int64(nil)
	case "json":
		return nil
	}
	return ""
}

// get returns the raw value of field f of record r.
func (e *env) get(m *model, r *record, f *field) any {
	switch {
	case f.name == "id":
		return r.id
	case f.compute != nil:
		return f.compute(e, m, r)
	case f.related != "":
		return e.getRelated(m, r, f)
	case f.typ == "one2many":
		return e.o2mIDs(f, r.id)
	}
	key := f.name
	if f.compDep {
		key = e.companyKey(f)
	}
	if v, ok := r.vals[key]; ok && v != nil {
		return v
	}
	return zero(f)
}

func (e *env) getName(m *model, r *record, name string) any {
	f := m.field(name)
	if f == nil {
		return nil
	}
	return e.get(m, r, f)
}

func (e *env) str(m *model, r *record, name string) string {
	s, _ := e.getName(m, r, name).(string)
	return s
}

func (e *env) id(m *model, r *record, name string) int64 {
	i, _ := e.getName(m, r, name).(int64)
	return i
}

func (e *env) boolean(m *model, r *record, name string) bool {
	b, _ := e.getName(m, r, name).(bool)
	return b
}

// relatedTarget follows the many2one of a related field ("partner_id.name").
func (e *env) relatedTarget(m *model, r *record, f *field) (*model, *record, *field) {
	path := strings.Split(f.related, ".")
	cm, cr := m, r
	for _, step := range path[:len(path)-1] {
		sf := cm.field(step)
		if sf == nil || sf.typ != "many2one" {
			return nil, nil, nil
		}
		id, _ := e.get(cm, cr, sf).(int64)
		next := e.models[sf.relation]
		if id == 0 || next == nil {
			return nil, nil, nil
		}
		cm, cr = next, e.row(next, id)
		if cr == nil {
			return nil, nil, nil
		}
	}
	tf := cm.field(path[len(path)-1])
	if tf == nil {
		return nil, nil, nil
	}
	return cm, cr, tf
}

func (e *env) getRelated(m *model, r *record, f *field) any {
	tm, tr, tf := e.relatedTarget(m, r, f)
	if tr == nil {
		return zero(f)
	}
	return e.get(tm, tr, tf)
}

// o2mIDs lists the records of the comodel whose inverse many2one points to
// id, in the comodel's order, archived ones excluded unless active_test is
// off.
func (e *env) o2mIDs(f *field, id int64) []int64 {
	cm := e.models[f.relation]
	if cm == nil || f.inverse == "" {
		return nil
	}
	inv := cm.field(f.inverse)
	var ids []int64
	for _, rid := range e.allIDs(cm) {
		cr := e.row(cm, rid)
		if v, _ := e.get(cm, cr, inv).(int64); v == id {
			if cm.has("active") && e.activeTest() && !e.boolean(cm, cr, "active") {
				continue
			}
			ids = append(ids, rid)
		}
	}
	e.sortRecords(cm, ids, nil)
	return ids
}

// displayName is the record's display_name.
func (e *env) displayName(m *model, r *record) string {
	if m.display != nil {
		return m.display(e, m, r)
	}
	if s := e.str(m, r, m.recName); s != "" {
		return s
	}
	return fmt.Sprintf("%s,%d", m.name, r.id)
}

func (e *env) displayNameOf(relation string, id int64) string {
	m := e.models[relation]
	if m == nil {
		return ""
	}
	r := e.row(m, id)
	if r == nil {
		return ""
	}
	return e.displayName(m, r)
}

// readValue converts a raw value to what read() returns.
func (e *env) readValue(f *field, raw any, load string) any {
	switch f.typ {
	case "many2one":
		id, _ := raw.(int64)
		if id == 0 || e.models[f.relation] != nil && e.row(e.models[f.relation], id) == nil {
			return false
		}
		if load != "_classic_read" {
			return id
		}
		return []any{id, e.displayNameOf(f.relation, id)}
	case "one2many", "many2many":
		ids, _ := raw.([]int64)
		if ids == nil {
			return []int64{}
		}
		return ids
	case "integer":
		if f.name == "id" {
			return raw
		}
		i, _ := raw.(int64)
		return i
	case "float", "monetary":
		x, _ := raw.(float64)
		return pyFloat(x)
	case "boolean":
		b, _ := raw.(bool)
		return b
	case "json":
		if raw == nil {
			return false
		}
		return raw
	case "binary":
		// Binary fields kept as attachments (stored ones here, and
		// ir.attachment.datas) read as their size with bin_size.
		s, _ := raw.(string)
		if s != "" && (f.store && f.name != "db_datas" || f.name == "datas") && pyTruthy(e.ctx["bin_size"]) {
			return humanSize(decodedLen(s))
		}
	}
	s, _ := raw.(string)
	if s == "" {
		return false
	}
	return s
}

var (
	scriptRe = regexp.MustCompile(`(?is)<script.*?</script>`)
	dateRe   = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// convert turns a value written by a client into the raw value stored for
// field f, failing as Odoo's convert_to_cache does.
func (e *env) convert(m *model, f *field, v any) (any, error) {
	if v == nil || v == false && f.typ != "boolean" {
		return zero(f), nil
	}
	wrong := func() error {
		return e.errValue(fmt.Sprintf("Wrong value for %s.%s: %s", m.name, f.name, pyRepr(v)))
	}
	switch f.typ {
	case "char", "text", "html":
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case json.Number:
			s = x.String()
		case bool:
			s = "True"
		default:
			s = pyRepr(v)
		}
		if f.typ == "char" {
			s = strings.TrimSpace(s)
		}
		if f.typ == "html" && s != "" {
			s = scriptRe.ReplaceAllString(s, "")
			if !strings.HasPrefix(strings.TrimSpace(s), "<") {
				s = "<p>" + html.EscapeString(s) + "</p>"
			}
		}
		return s, nil
	case "selection":
		s, ok := v.(string)
		if !ok {
			return nil, wrong()
		}
		for _, opt := range f.selection(e.major) {
			if opt[0] == s {
				return s, nil
			}
		}
		return nil, wrong()
	case "integer":
		switch x := v.(type) {
		case string:
			i, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
			if err != nil {
				return nil, e.errValue(fmt.Sprintf("invalid literal for int() with base 10: %s", pyrepr.Str(x)))
			}
			return i, nil
		case bool:
			return map[bool]int64{true: 1, false: 0}[x], nil
		}
		if i, ok := asInt(v); ok {
			return i, nil
		}
		if fl, ok := asFloat(v); ok {
			return int64(fl), nil
		}
		return nil, e.errType(fmt.Sprintf("int() argument must be a string, a bytes-like object or a real number, not '%s'", pyTypeName(v)))
	case "float", "monetary":
		if s, ok := v.(string); ok {
			fl, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return nil, e.errValue(fmt.Sprintf("could not convert string to float: %s", pyrepr.Str(s)))
			}
			return fl, nil
		}
		if fl, ok := asFloat(v); ok {
			return fl, nil
		}
		return nil, e.errType(fmt.Sprintf("float() argument must be a string or a real number, not '%s'", pyTypeName(v)))
	case "boolean":
		return pyTruthy(v), nil
	case "date":
		s, ok := v.(string)
		if !ok {
			return nil, wrong()
		}
		if len(s) > 10 && (s[10] == ' ' || s[10] == 'T') {
			s = s[:10]
		}
		if _, err := time.Parse(dateLayout, s); err != nil || !dateRe.MatchString(s) {
			return nil, e.errValue(fmt.Sprintf("time data %s does not match format '%%Y-%%m-%%d'", pyrepr.Str(s)))
		}
		return s, nil
	case "datetime":
		s, ok := v.(string)
		if !ok {
			return nil, wrong()
		}
		if dateRe.MatchString(s) {
			s += " 00:00:00"
		}
		if len(s) > 19 && s[19] == '.' {
			s = s[:19]
		}
		if _, err := time.Parse(dtLayout, s); err != nil {
			return nil, e.errValue(fmt.Sprintf("time data %s does not match format '%%Y-%%m-%%d %%H:%%M:%%S'", pyrepr.Str(s)))
		}
		return s, nil
	case "binary":
		s, ok := v.(string)
		if !ok {
			return nil, wrong()
		}
		return s, nil
	case "many2one":
		id, ok := asInt(v)
		if !ok || !isPyInt(v) {
			return nil, wrong()
		}
		if id == 0 {
			return int64(0), nil
		}
		cm := e.models[f.relation]
		if cm == nil || e.row(cm, id) == nil {
			return nil, e.fkError(m, f)
		}
		return id, nil
	case "json":
		return v, nil
	}
	return nil, wrong()
}

// fkError is the ValidationError Odoo derives from a foreign key violation
// of field f of model m.
func (e *env) fkError(m *model, f *field) *rpcError {
	table := strings.ReplaceAll(m.name, ".", "_")
	if e.major >= 19 {
		msg := fmt.Sprintf("The operation cannot be completed: Another model is using the record you are trying to delete.\n\n"+
			"The troublemaker is: '%s' (%s)\nThanks to the following constraint: '%s' (%s)\nHow about archiving the record instead?",
			m.desc, m.name, f.str, f.name)
		return e.errSQL("psycopg2.errors.ForeignKeyViolation",
			fmt.Sprintf("insert or update on table %q violates foreign key constraint \"%s_%s_fkey\"", table, table, f.name), msg)
	}
	msg := fmt.Sprintf("The operation cannot be completed: another model requires the record being deleted. If possible, archive it instead.\n\n"+
		"Model: %s (%s)\nConstraint: %s_%s_fkey\n", m.desc, m.name, table, f.name)
	return e.errSQL("psycopg2.errors.ForeignKeyViolation",
		fmt.Sprintf("insert or update on table %q violates foreign key constraint \"%s_%s_fkey\"", table, table, f.name), msg)
}

// notNullError is the ValidationError Odoo derives from a NOT NULL violation.
func (e *env) notNullError(m *model, f *field) *rpcError {
	table := strings.ReplaceAll(m.name, ".", "_")
	pg := fmt.Sprintf("null value in column %q of relation %q violates not-null constraint", f.name, table)
	if e.major >= 19 {
		return e.errSQL("psycopg2.errors.NotNullViolation", pg, fmt.Sprintf(
			"The operation cannot be completed: Missing required value for the field '%s' (%s).\nModel: '%s' (%s)\n"+
				"- create/update: a mandatory field is not set\n- delete: another model requires the record being deleted, you can archive it instead\n",
			f.str, f.name, m.desc, m.name))
	}
	return e.errSQL("psycopg2.errors.NotNullViolation", pg, fmt.Sprintf(
		"The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n"+
			"- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"+
			"Model: %s (%s)\nField: %s (%s)\n", m.desc, m.name, f.str, f.name))
}

// containsID reports whether ids holds id.
func containsID(ids []int64, id int64) bool { return slices.Contains(ids, id) }
