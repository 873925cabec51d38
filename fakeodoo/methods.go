package fakeodoo

import (
	"fmt"
	"sort"
	"strings"
)

// param is one parameter of a model method, after self (and after the ids
// of record methods).
type param struct {
	name string
	def  any
	req  bool
}

// methodSpec describes a public model method: its signature, as Python would
// bind it, and its implementation.
type methodSpec struct {
	model  bool // @api.model: called without ids
	params []param
	varkw  bool   // the signature ends with **kwargs
	write  bool   // changes data: runs in a transaction
	major  int    // exists in this version only
	only   string // exists on this model only
	qual   string // class in TypeError messages, BaseModel by default
	run    func(c *call) (any, error)
}

// call is one invocation of a model method.
type call struct {
	e      *env
	m      *model
	name   string
	ids    []int64
	args   map[string]any // bound parameters, defaults filled in
	extra  map[string]any // keyword arguments caught by **kwargs
	proto  string
	single bool // JSON-RPC create called with one dict: return its id
}

func (c *call) arg(name string) any { return c.args[name] }

func (c *call) intArg(name string) int {
	i, _ := asInt(c.args[name])
	if c.args[name] == false || c.args[name] == nil {
		return 0
	}
	return int(i)
}

// strList converts a list of field names; a lone string counts as one name.
func strList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			} else {
				out = append(out, pyRepr(e))
			}
		}
		return out
	}
	return nil
}

// idList converts ids given as a list or a single integer.
func idList(v any) ([]int64, bool) {
	switch x := v.(type) {
	case nil:
		return nil, true
	case []any:
		out := make([]int64, 0, len(x))
		for _, e := range x {
			id, ok := asInt(e)
			if !ok {
				return nil, false
			}
			out = append(out, id)
		}
		return out, true
	case bool:
		if !x {
			return nil, true
		}
	}
	if id, ok := asInt(v); ok {
		return []int64{id}, true
	}
	return nil, false
}

var (
	pDomain = param{name: "domain", req: true}
	pOffset = param{name: "offset", def: int64(0)}
	pLimit  = param{name: "limit"}
	pOrder  = param{name: "order"}
)

// methods are the public methods every model has, plus model-specific ones.
var methods = map[string]*methodSpec{
	"search":       {model: true, params: []param{pDomain, pOffset, pLimit, pOrder}, run: runSearch},
	"search_count": {model: true, params: []param{pDomain, pLimit}, run: runSearchCount},
	"search_read": {model: true, varkw: true, run: runSearchRead,
		params: []param{{name: "domain"}, {name: "fields"}, pOffset, pLimit, pOrder}},
	"read":        {params: []param{{name: "fields"}, {name: "load", def: "_classic_read"}}, run: runRead},
	"create":      {model: true, write: true, params: []param{{name: "vals_list", req: true}}, run: runCreate},
	"write":       {write: true, params: []param{{name: "vals", req: true}}, run: runWrite},
	"unlink":      {write: true, run: runUnlink},
	"exists":      {run: func(c *call) (any, error) { return c.e.existing(c.m, c.ids), nil }},
	"fields_get":  {model: true, params: []param{{name: "allfields"}, {name: "attributes"}}, run: runFieldsGet},
	"name_search": {model: true, params: []param{{name: "name", def: ""}, {name: "domain"}, {name: "operator", def: "ilike"}, {name: "limit", def: int64(100)}}, run: runNameSearch},
	"name_create": {model: true, write: true, params: []param{{name: "name", req: true}}, run: runNameCreate},
	"read_group": {model: true, run: runReadGroup, params: []param{pDomain, {name: "fields", req: true}, {name: "groupby", req: true},
		pOffset, pLimit, {name: "orderby", def: false}, {name: "lazy", def: true}}},
	"formatted_read_group": {model: true, major: 19, run: runFormattedReadGroup, params: []param{pDomain,
		{name: "groupby", def: []any{}}, {name: "aggregates", def: []any{}}, {name: "having", def: []any{}}, pOffset, pLimit, pOrder}},
	"action_archive":   {write: true, run: archiver(false)},
	"action_unarchive": {write: true, run: archiver(true)},
	"context_get":      {model: true, only: "res.users", qual: "ResUsers", run: runContextGet},
	"address_get":      {only: "res.partner", qual: "ResPartner", params: []param{{name: "adr_pref"}}, run: runAddressGet},
	"find_or_create": {model: true, write: true, only: "res.partner", qual: "ResPartner", run: runFindOrCreate,
		params: []param{{name: "email", req: true}, {name: "assert_valid_email", def: false}}},
}

// privateMethods are BaseModel methods decorated with @api.private: they
// exist but cannot be called remotely.
var privateMethods = map[string]bool{
	"sudo": true, "with_user": true, "with_context": true, "with_company": true, "with_env": true,
	"with_prefetch": true, "browse": true, "ensure_one": true, "mapped": true, "filtered": true,
	"filtered_domain": true, "sorted": true, "grouped": true, "invalidate_recordset": true,
	"flush_model": true, "flush_recordset": true, "check_access": true, "has_access": true,
}

// method finds a public method of model m in this server's version.
func (s *Server) method(m *model, name string) *methodSpec {
	spec := methods[name]
	if spec == nil || spec.major != 0 && spec.major != min(s.major, 19) || spec.only != "" && spec.only != m.name {
		return nil
	}
	return spec
}

// privateError is the AccessError for a method that may not be called
// remotely.
func (e *env) privateError(m *model, name string) *rpcError {
	if e.major >= 19 {
		msg := fmt.Sprintf("Private methods (such as '%s.%s') cannot be called remotely.", m.name, name)
		err := newErr(exAccessError, msg, frn(pModelSvc, 54, "get_public_method", "raise AccessError(e)"))
		err.at = atObject
		return err
	}
	msg := fmt.Sprintf("Private methods (such as %s) cannot be called remotely.", name)
	err := newErr(exAccessError, msg,
		fr(pModelSvc, 39, "dispatch", "res = execute_kw(db, uid, *params[3:])"),
		fr(pModelSvc, 61, "execute_kw", "return execute(db, uid, obj, method, *args, **kw or {})"),
		frn(pModelSvc, 67, "execute", "check_method_name(method)"),
		frn(pModels(18), 157, "check_method_name", "raise AccessError(_lt('Private methods (such as %s) cannot be called remotely.', name))"))
	err.at = atService
	return err
}

func isPrivate(name string) bool { return strings.HasPrefix(name, "_") || privateMethods[name] }

// missingMethodError is the AttributeError of an unknown method.
func (e *env) missingMethodError(m *model, name string) *rpcError {
	if e.major >= 19 {
		err := newErr(exAttributeError, fmt.Sprintf("The method '%s.%s' does not exist", m.name, name),
			fr(pModelSvc, 75, "call_kw", "method = get_public_method(model, name)"),
			frn(pModelSvc, 59, "get_public_method", `raise AttributeError(f"The method '{model._name}.{name}' does not exist")  # noqa: TRY004`))
		err.at = atObject
		return err
	}
	err := newErr(exAttributeError, fmt.Sprintf("The method '%s' does not exist on the model '%s'", name, m.name),
		frn(pAPI, 500, "call_kw", `raise AttributeError(f"The method '{name}' does not exist on the model '{model._name}'")`))
	err.at = atObject
	return err
}

// typeError is a Python TypeError about the arguments of a method call.
func (c *call) typeError(spec *methodSpec, format string, args ...any) *rpcError {
	q := spec.qual
	if q == "" {
		q = "BaseModel"
	} else if c.e.major < 19 && q == "ResUsers" {
		q = "Users"
	} else if c.e.major < 19 && q == "ResPartner" {
		q = "Partner"
	}
	return newErr(exTypeError, fmt.Sprintf("%s.%s() ", q, c.name)+fmt.Sprintf(format, args...))
}

// bindPython binds positional and keyword arguments as a Python call does,
// with CPython's error messages.
func (c *call) bindPython(spec *methodSpec, pos []any, kw map[string]any) error {
	c.args, c.extra = map[string]any{}, map[string]any{}
	if len(pos) > len(spec.params) {
		return c.typeError(spec, "%s but %d %s given", takesPositional(spec), len(pos)+1, wasWere(len(pos)+1))
	}
	for i, v := range pos {
		c.args[spec.params[i].name] = v
	}
	for _, k := range sortedKeys(kw) {
		known := false
		for _, p := range spec.params {
			if p.name == k {
				known = true
			}
		}
		switch {
		case known && hasKey(c.args, k):
			return c.typeError(spec, "got multiple values for argument '%s'", k)
		case known:
			c.args[k] = kw[k]
		case spec.varkw:
			c.extra[k] = kw[k]
		default:
			return c.typeError(spec, "got an unexpected keyword argument '%s'", k)
		}
	}
	var missing []string
	for _, p := range spec.params {
		if _, ok := c.args[p.name]; !ok {
			if p.req {
				missing = append(missing, "'"+p.name+"'")
			} else {
				c.args[p.name] = p.def
			}
		}
	}
	if len(missing) > 0 {
		noun := "argument"
		if len(missing) > 1 {
			noun = "arguments"
		}
		return c.typeError(spec, "missing %d required positional %s: %s", len(missing), noun, pyJoin(missing))
	}
	return nil
}

// bindSignature binds keyword arguments as inspect.Signature.bind does in
// the JSON-2 controller.
func (c *call) bindSignature(spec *methodSpec, kw map[string]any) error {
	c.args, c.extra = map[string]any{}, map[string]any{}
	for _, p := range spec.params {
		if v, ok := kw[p.name]; ok {
			c.args[p.name] = v
		} else if p.req {
			return fmt.Errorf("missing a required argument: '%s'", p.name)
		} else {
			c.args[p.name] = p.def
		}
	}
	for _, k := range sortedKeys(kw) {
		if hasKey(c.args, k) && paramIndex(spec, k) >= 0 {
			continue
		}
		if !spec.varkw {
			return fmt.Errorf("got an unexpected keyword argument '%s'", k)
		}
		c.extra[k] = kw[k]
	}
	return nil
}

func paramIndex(spec *methodSpec, name string) int {
	for i, p := range spec.params {
		if p.name == name {
			return i
		}
	}
	return -1
}

func takesPositional(spec *methodSpec) string {
	lo, hi := 1, 1+len(spec.params)
	for _, p := range spec.params {
		if p.req {
			lo++
		}
	}
	if lo == hi {
		if hi == 1 {
			return "takes 1 positional argument"
		}
		return fmt.Sprintf("takes %d positional arguments", hi)
	}
	return fmt.Sprintf("takes from %d to %d positional arguments", lo, hi)
}

func wasWere(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

// pyJoin joins names as CPython lists missing arguments: 'a', 'b' and 'c'.
func pyJoin(names []string) string {
	switch len(names) {
	case 1:
		return names[0]
	case 2:
		return names[0] + " and " + names[1]
	}
	return strings.Join(names[:len(names)-1], ", ") + ", and " + names[len(names)-1]
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

// invoke runs the method in a transaction when it writes: on error (or
// panic) the database is left as it was.
func (c *call) invoke(spec *methodSpec) (result any, err error) {
	if err := c.e.checkContext(); err != nil {
		return nil, err
	}
	if !spec.write {
		return spec.run(c)
	}
	saved := c.e.db.clone()
	done := false
	defer func() {
		if !done || err != nil {
			c.e.s.db = saved
			c.e.db = saved
		}
	}()
	result, err = spec.run(c)
	done = true
	return result, err
}
