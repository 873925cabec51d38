package fakeodoo

import "sort"

// field describes one field of a model, with the attributes fields_get
// reports.
type field struct {
	name     string
	typ      string // char, text, html, integer, float, monetary, boolean, date, datetime, selection, many2one, one2many, many2many, binary, json
	str      string
	help     string
	required bool
	readonly bool
	store    bool
	relation string // comodel of relational fields
	inverse  string // one2many: the many2one on the comodel
	ondelete string // many2one: restrict, cascade or set null (default)
	sel      [][2]string
	sel18    [][2]string // labels on 18.0 when they differ
	related  string      // "partner_id.name": read and written through a many2one
	compute  func(e *env, m *model, r *record) any
	deflt    func(e *env) any
	only     int  // 18 or 19 when the field exists in one version only
	noCopy   bool // not readable (password)
	// compDep: company_dependent, a value per company. The record's value
	// is company 1's; other companies' are kept under "name@<id>" and
	// default to the field's zero value, as in Odoo 17+.
	compDep bool
}

func newField(name, typ, str string) *field {
	return &field{name: name, typ: typ, str: str, store: true}
}

func fChar(name, str string) *field  { return newField(name, "char", str) }
func fText(name, str string) *field  { return newField(name, "text", str) }
func fHTML(name, str string) *field  { return newField(name, "html", str) }
func fInt(name, str string) *field   { return newField(name, "integer", str) }
func fFloat(name, str string) *field { return newField(name, "float", str) }
func fMoney(name, str string) *field { return newField(name, "monetary", str) }
func fBool(name, str string) *field  { return newField(name, "boolean", str) }
func fDate(name, str string) *field  { return newField(name, "date", str) }
func fDatetime(name, str string) *field {
	return newField(name, "datetime", str)
}
func fBinary(name, str string) *field { return newField(name, "binary", str) }

func fSel(name, str string, sel ...[2]string) *field {
	f := newField(name, "selection", str)
	f.sel = sel
	return f
}

func fM2O(name, str, rel string) *field {
	f := newField(name, "many2one", str)
	f.relation = rel
	return f
}

func fO2M(name, str, rel, inverse string) *field {
	f := newField(name, "one2many", str)
	f.relation, f.inverse = rel, inverse
	return f
}

func fM2M(name, str, rel string) *field {
	f := newField(name, "many2many", str)
	f.relation = rel
	return f
}

func (f *field) req() *field            { f.required = true; return f }
func (f *field) cdep() *field           { f.compDep = true; return f }
func (f *field) ro() *field             { f.readonly = true; return f }
func (f *field) h(help string) *field   { f.help = help; return f }
func (f *field) od(mode string) *field  { f.ondelete = mode; return f }
func (f *field) v(major int) *field     { f.only = major; return f }
func (f *field) rel(path string) *field { f.related = path; f.store = false; return f }
func (f *field) def(v any) *field       { f.deflt = func(*env) any { return v }; return f }
func (f *field) sel18s(s ...[2]string) *field {
	f.sel18 = s
	return f
}

// comp makes f a computed field; stored computed fields keep store=true.
func (f *field) comp(fn func(e *env, m *model, r *record) any) *field {
	f.compute = fn
	f.store = false
	f.readonly = true
	return f
}

// scomp is a stored computed field (Odoo recomputes it, the fake computes it
// on read).
func (f *field) scomp(fn func(e *env, m *model, r *record) any) *field {
	f.compute = fn
	f.readonly = true
	return f
}

func (f *field) relational() bool {
	return f.typ == "many2one" || f.typ == "one2many" || f.typ == "many2many"
}

func (f *field) x2many() bool { return f.typ == "one2many" || f.typ == "many2many" }

// writable reports whether values written to f are kept.
func (f *field) writable() bool { return f.compute == nil && f.name != "id" && !logAccess[f.name] }

func (f *field) selection(major int) [][2]string {
	if major == 18 && f.sel18 != nil {
		return f.sel18
	}
	return f.sel
}

// model is the definition of an Odoo model plus its behaviour hooks.
type model struct {
	name      string
	desc      string // ir.model name, used in AccessError messages
	module    string // ir.model modules
	order     string // _order
	fields    []*field
	byName    map[string]*field
	recName   string   // _rec_name
	nameSrch  []string // _rec_names_search
	parent    string   // _parent_name for child_of / parent_of
	access    accessGroups
	display   func(e *env, m *model, r *record) string
	check     func(e *env, m *model, r *record) error // Python constraints
	unique    []uniqueKey
	onCreate  func(e *env, m *model, vals map[string]any) error
	prepare   func(vals map[string]any) // rewrites written values (inverse of computed fields)
	afterSave func(e *env, m *model, r *record, vals map[string]any, created bool) error
	onUnlink  func(e *env, m *model, ids []int64) error
	// rowAccess refuses a user one record beyond the model's access rights
	// (ir.attachment follows the record it is attached to): search leaves
	// such records out, read raises the error.
	rowAccess func(e *env, m *model, r *record) error
	inherits  []string // _inherits parents, for ir.model.inherited_model_ids
}

// uniqueKey is an SQL UNIQUE constraint and the message Odoo gives for it.
type uniqueKey struct {
	field string
	msg   string
}

// accessGroups names, per operation, the group that would grant it, as
// [18.0 label, 19.0 label]; AccessError messages list it.
type accessGroups map[string][2]string

func (m *model) field(name string) *field { return m.byName[name] }

func (m *model) has(name string) bool { return m.byName[name] != nil }

// schema builds the models of one Odoo major version.
func schema(major int) map[string]*model {
	models := map[string]*model{}
	for _, m := range allModels() {
		kept := m.fields[:0]
		for _, f := range m.fields {
			if f.only == 0 || f.only == min(major, 19) {
				kept = append(kept, f)
			}
		}
		m.fields = kept
		m.byName = make(map[string]*field, len(kept))
		for _, f := range kept {
			m.byName[f.name] = f
		}
		if m.recName == "" {
			m.recName = "name"
		}
		if m.order == "" {
			m.order = "id"
		}
		models[m.name] = m
	}
	return models
}

func sortedModelNames(models map[string]*model) []string {
	names := make([]string, 0, len(models))
	for n := range models {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
