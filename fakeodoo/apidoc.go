package fakeodoo

import (
	"net/http"
	"sort"
	"strings"
)

// The api_doc module of Odoo 19: GET /doc-bearer/index.json and
// /doc-bearer/<model>.json describe the models, their fields and their
// public methods (signatures, parameters, docstrings) to API-key callers
// of the "Technical Documentation" group. The signatures below are Odoo
// 19.0's; the docstrings are the fake's own, shorter ones.

const pAPIDoc = "/opt/odoo/addons/api_doc/controllers/api_doc.py"

// pdoc is one parameter of a method description.
type pdoc struct {
	name, ann, kind string
	def             any
	hasDef          bool
	doc             string
}

// mdoc is the description of a public method.
type mdoc struct {
	sig    string
	params []pdoc
	ret    *string // return annotation; nil: no "return" key; "": an empty one
	api    []string
	raise  []string
	doc    string
	model  string // "core", "base", or the model that defines it
	module string
}

func docParam(name, ann string) pdoc { return pdoc{name: name, ann: ann} }
func docParamDef(name, ann string, def any) pdoc {
	return pdoc{name: name, ann: ann, def: def, hasDef: true}
}
func strPtr(s string) *string { return &s }

var methodDocs = map[string]mdoc{
	"search": {sig: "(domain, offset=0, limit=None, order=None) -> list[int]",
		params: []pdoc{docParam("domain", "DomainType"), docParamDef("offset", "int", int64(0)), docParamDef("limit", "int | None", nil), docParamDef("order", "str | None", nil)},
		ret:    strPtr("list[int]"), api: []string{"model", "readonly"}, raise: []string{"AccessError"},
		doc: "Search for the records that satisfy the given domain; return their ids."},
	"search_count": {sig: "(domain, limit=None) -> int",
		params: []pdoc{docParam("domain", "DomainType"), docParamDef("limit", "int | None", nil)},
		ret:    strPtr("int"), api: []string{"model", "readonly"}, doc: "Count the records that match the domain."},
	"search_read": {sig: "(domain=None, fields=None, offset=0, limit=None, order=None, read_kwargs) -> list[ValuesType]",
		params: []pdoc{docParamDef("domain", "DomainType | None", nil), docParamDef("fields", "Sequence[str] | None", nil), docParamDef("offset", "int", int64(0)),
			docParamDef("limit", "int | None", nil), docParamDef("order", "str | None", nil), {name: "read_kwargs", kind: "VAR_KEYWORD"}},
		ret: strPtr("list[ValuesType]"), api: []string{"model", "readonly"}, doc: "Search records and read their fields in one call."},
	"read": {sig: "(fields=None, load='_classic_read') -> list[ValuesType]",
		params: []pdoc{docParamDef("fields", "Sequence[str] | None", nil), docParamDef("load", "str", "_classic_read")},
		ret:    strPtr("list[ValuesType]"), api: []string{"readonly"}, raise: []string{"AccessError", "ValueError"},
		doc: "Read the requested fields of the records."},
	"create": {sig: "(vals_list) -> list[int]", params: []pdoc{docParam("vals_list", "list[ValuesType]")},
		ret: strPtr("list[int]"), api: []string{"model"}, raise: []string{"AccessError", "ValidationError", "ValueError", "UserError"},
		doc: "Create new records from a list of value dictionaries."},
	"write": {sig: "(vals) -> typing.Literal[True]", params: []pdoc{docParam("vals", "ValuesType")},
		ret: strPtr("typing.Literal[True]"), raise: []string{"AccessError", "ValidationError", "UserError"},
		doc: "Update the records with the given values."},
	"unlink": {sig: "() -> typing.Literal[True]", ret: strPtr("typing.Literal[True]"), raise: []string{"AccessError", "UserError"},
		doc: "Delete the records."},
	"fields_get": {sig: "(allfields=None, attributes=None) -> dict[str, ValuesType]",
		params: []pdoc{docParamDef("allfields", "Collection[str] | None", nil), docParamDef("attributes", "Collection[str] | None", nil)},
		ret:    strPtr("dict[str, ValuesType]"), api: []string{"model"}, doc: "Describe the fields of the model."},
	"name_search": {sig: "(name='', domain=None, operator='ilike', limit=100) -> list[tuple[int, str]]",
		params: []pdoc{docParamDef("name", "str", ""), docParamDef("domain", "DomainType | None", nil), docParamDef("operator", "str", "ilike"), docParamDef("limit", "int", int64(100))},
		ret:    strPtr("list[tuple[int, str]]"), api: []string{"model", "readonly"},
		doc: "Search records whose display name matches name; return (id, display_name) pairs."},
	"name_create": {sig: "(name) -> tuple[int, str] | typing.Literal[False]", params: []pdoc{docParam("name", "str")},
		ret: strPtr("tuple[int, str] | typing.Literal[False]"), api: []string{"model"},
		doc: "Create a record from its display name only."},
	"formatted_read_group": {sig: "(domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None) -> list[dict]",
		params: []pdoc{docParam("domain", "DomainType"), docParamDef("groupby", "Sequence[str]", []any{}), docParamDef("aggregates", "Sequence[str]", []any{}),
			docParamDef("having", "DomainType", []any{}), docParamDef("offset", "int", int64(0)), docParamDef("limit", "int | None", nil), docParamDef("order", "str | None", nil)},
		ret: strPtr("list[dict]"), api: []string{"model", "readonly"}, raise: []string{"AccessError"}, model: "base", module: "web",
		doc: "Group the records matching the domain and compute aggregates per group."},
	"action_archive":   {sig: "()", doc: "Set active to False on the records."},
	"action_unarchive": {sig: "()", doc: "Set active to True on the records."},
	"address_get": {sig: "(adr_pref=None)", params: []pdoc{docParamDef("adr_pref", "", nil)}, model: "res.partner", module: "base",
		doc: "Find the contacts of the given address types (contact, invoice, delivery...) among the partner and its children."},
	"find_or_create": {sig: "(email, assert_valid_email=False)", params: []pdoc{docParam("email", "str"), docParamDef("assert_valid_email", "bool", false)},
		ret: strPtr(""), api: []string{"model"}, model: "res.partner", module: "base",
		doc: "Find a partner with the given e-mail address, or create one."},
}

// methodDoc renders one method description with Odoo's keys in its order.
func methodDoc(d mdoc) obj {
	params := obj{}
	for _, pa := range d.params {
		o := obj{}
		if pa.kind != "" {
			o = append(o, kv{"kind", pa.kind})
		}
		if pa.hasDef {
			o = append(o, kv{"default", pa.def})
		}
		if pa.ann != "" {
			o = append(o, kv{"annotation", pa.ann})
		}
		if pa.doc != "" {
			o = append(o, kv{"doc", "<p>" + pa.doc + "</p>"})
		}
		params = append(params, kv{pa.name, o})
	}
	out := obj{{"signature", d.sig}, {"parameters", params}}
	if d.ret != nil {
		r := obj{}
		if *d.ret != "" {
			r = append(r, kv{"annotation", *d.ret})
		}
		out = append(out, kv{"return", r})
	}
	if d.api != nil {
		out = append(out, kv{"api", d.api})
	}
	if d.raise != nil {
		r := obj{}
		for _, name := range d.raise {
			r = append(r, kv{name, "<p>when Odoo refuses the operation</p>"})
		}
		out = append(out, kv{"raise", r})
	}
	model, module := d.model, d.module
	if model == "" {
		model, module = "core", "core"
	}
	out = append(out, kv{"doc", "<div class=\"document\">\n<p>" + d.doc + "</p>\n</div>"}, kv{"model", model}, kv{"module", module})
	return out
}

// publicMethods are the described public methods of m, sorted by name.
func (s *Server) publicMethods(m *model) []string {
	var names []string
	for name := range methodDocs {
		spec := s.method(m, name)
		if spec == nil {
			continue
		}
		if d := methodDocs[name]; d.model != "" && d.model != "base" && d.model != m.name {
			continue
		}
		if (name == "action_archive" || name == "action_unarchive") && !m.has("active") {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// serveAPIDoc answers GET /doc-bearer/index.json and /doc-bearer/<model>.json.
func (s *Server) serveAPIDoc(w http.ResponseWriter, r *http.Request) {
	call := Call{Protocol: "http", Method: r.URL.Path}
	defer func() { s.record(call) }()
	if s.major < 19 || r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeHTML(w, http.StatusNotFound, notFoundPage)
		return
	}
	if db := r.Header.Get("X-Odoo-Database"); db != "" && db != s.dbName {
		writeHTML(w, http.StatusNotFound, noDatabasePage)
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/doc-bearer/")
	s.mu.Lock()
	defer s.mu.Unlock()
	uid, authErr := s.bearer(r.Header.Get("Authorization"))
	if authErr != nil {
		w.Header().Set("WWW-Authenticate", "Bearer")
		s.writeDocError(w, authErr)
		return
	}
	call.UID = uid
	e := s.userEnv(uid, nil)
	route := map[bool]string{true: "doc_bearer_index", false: "doc_bearer_modec"}[name == "index.json"]
	if e.acct == nil || !e.acct.admin {
		err := newErr(exAccessError, "This page is only accessible to Technical Documentation users.",
			fr(pAPIDoc, 160, route, "return self.doc_model(model_name)"),
			fr(pHTTP, 788, "route_wrapper", "result = endpoint(self, *args, **params_ok)"),
			frn(pAPIDoc, 184, "doc_model", "raise AccessError(self.env._("))
		s.writeDocError(w, err)
		return
	}
	if name == "index.json" {
		writeJSON(w, http.StatusOK, s.docIndex())
		return
	}
	m := s.models[strings.TrimSuffix(name, ".json")]
	if m == nil || !strings.HasSuffix(name, ".json") {
		msg := "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again."
		s.writeDocError(w, httpErr(exNotFound, http.StatusNotFound, msg,
			fr(pAPIDoc, 160, route, "return self.doc_model(model_name)"),
			fr(pHTTP, 788, "route_wrapper", "result = endpoint(self, *args, **params_ok)"),
			frn(pAPIDoc, 188, "doc_model", "raise NotFound()")))
		return
	}
	writeJSON(w, http.StatusOK, s.docModel(e, m))
}

func (s *Server) writeDocError(w http.ResponseWriter, err *rpcError) {
	writeJSON(w, err.httpStatus(), err.data(s.major, httpFrames(s.major, false)))
}

func (s *Server) docModel(e *env, m *model) obj {
	fields := obj{}
	for _, f := range m.fields {
		if f.only != 0 && f.only != s.major {
			continue
		}
		fields = append(fields, kv{f.name, e.describe(m, f)})
	}
	methods := obj{}
	for _, name := range s.publicMethods(m) {
		methods = append(methods, kv{name, methodDoc(methodDocs[name])})
	}
	return obj{{"model", m.name}, {"name", m.desc}, {"doc", nil}, {"fields", fields}, {"methods", methods}}
}

func (s *Server) docIndex() obj {
	models := []any{}
	for _, name := range sortedModelNames(s.models) {
		m := s.models[name]
		fields := obj{}
		for _, f := range m.fields {
			if f.only == 0 || f.only == s.major {
				fields = append(fields, kv{f.name, obj{{"string", f.str}}})
			}
		}
		methods := []any{}
		for _, n := range s.publicMethods(m) {
			methods = append(methods, n)
		}
		models = append(models, obj{{"model", m.name}, {"name", m.desc}, {"fields", fields}, {"methods", methods}})
	}
	return obj{{"modules", []any{"base", "web", "api_doc", "contacts", "product", "sale"}}, {"models", models}}
}
