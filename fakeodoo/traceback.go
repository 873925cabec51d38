package fakeodoo

import (
	"strconv"
	"strings"
)

// frame is one "File ..., line N, in fn" entry of a Python traceback.
type frame struct {
	file string
	line int
	fn   string
	code string
	mark bool // underline the expression with carets, as Python 3.11+ does
}

// fr is a frame whose expression gets carets (calls in return or assignment
// statements); frn is one without.
func fr(file string, line int, fn, code string) frame {
	return frame{file: file, line: line, fn: fn, code: code, mark: true}
}

func frn(file string, line int, fn, code string) frame {
	return frame{file: file, line: line, fn: fn, code: code}
}

func (f frame) render(b *strings.Builder) {
	b.WriteString(`  File "`)
	b.WriteString(f.file)
	b.WriteString(`", line `)
	b.WriteString(strconv.Itoa(f.line))
	b.WriteString(", in ")
	b.WriteString(f.fn)
	b.WriteString("\n    ")
	b.WriteString(f.code)
	b.WriteByte('\n')
	if !f.mark {
		return
	}
	start := 0
	switch {
	case strings.HasPrefix(f.code, "return "):
		start = len("return ")
	case strings.Contains(f.code, " = "):
		start = strings.Index(f.code, " = ") + 3
	}
	if start == 0 || start >= len(f.code) {
		return // Python underlines only a part of the line
	}
	b.WriteString("    ")
	b.WriteString(strings.Repeat(" ", start))
	b.WriteString(strings.Repeat("^", len(f.code)-start))
	b.WriteByte('\n')
}

// Paths of the Odoo source tree as they appear in real tracebacks.
const (
	pHTTP      = "/opt/odoo/odoo/http.py"
	pModelSvc  = "/opt/odoo/odoo/service/model.py"
	pCommonSvc = "/opt/odoo/odoo/service/common.py"
	pSecurity  = "/opt/odoo/odoo/service/security.py"
	pIrHTTP    = "/opt/odoo/odoo/addons/base/models/ir_http.py"
	pResUsers  = "/opt/odoo/odoo/addons/base/models/res_users.py"
	pResPart   = "/opt/odoo/odoo/addons/base/models/res_partner.py"
	pAPI       = "/opt/odoo/odoo/api.py"
	pCache     = "/opt/odoo/odoo/tools/cache.py"
	pSQL       = "/opt/odoo/odoo/sql_db.py"
)

// models.py / fields.py moved to odoo/orm/ in 19.0.
func pModels(major int) string {
	if major >= 19 {
		return "/opt/odoo/odoo/orm/models.py"
	}
	return "/opt/odoo/odoo/models.py"
}

func pFields(major int) string {
	if major >= 19 {
		return "/opt/odoo/odoo/orm/fields.py"
	}
	return "/opt/odoo/odoo/fields.py"
}

// httpFrames are the frames from the WSGI dispatch down to the route.
func httpFrames(major int, json2 bool) []frame {
	if major >= 19 {
		dispatchLine := 2543
		if json2 {
			dispatchLine = 2608
		}
		return []frame{
			fr(pHTTP, 2273, "_serve_db", "return service_model.retrying(serve_func, env=self.env)"),
			fr(pModelSvc, 184, "retrying", "result = func()"),
			fr(pHTTP, 2328, "_serve_ir_http", "response = self.dispatcher.dispatch(rule.endpoint, args)"),
			fr(pHTTP, dispatchLine, "dispatch", "result = self.request.registry['ir.http']._dispatch(endpoint)"),
			fr(pIrHTTP, 355, "_dispatch", "result = endpoint(**request.params)"),
			fr(pHTTP, 788, "route_wrapper", "result = endpoint(self, *args, **params_ok)"),
		}
	}
	return []frame{
		fr(pHTTP, 1954, "_transactioning", "return service_model.retrying(func, env=self.env)"),
		fr(pModelSvc, 137, "retrying", "result = func()"),
		fr(pHTTP, 1921, "_serve_ir_http", "response = self.dispatcher.dispatch(rule.endpoint, args)"),
		fr(pHTTP, 2168, "dispatch", "result = self.request.registry['ir.http']._dispatch(endpoint)"),
		fr(pIrHTTP, 330, "_dispatch", "result = endpoint(**request.params)"),
		fr(pHTTP, 728, "route_wrapper", "result = endpoint(self, *args, **params_ok)"),
	}
}

// rpcFrames lead from the /jsonrpc route to a service's dispatch function.
func rpcFrames(major int) []frame {
	f := httpFrames(major, false)
	if major >= 19 {
		return append(f,
			fr("/opt/odoo/addons/rpc/controllers/jsonrpc.py", 16, "jsonrpc", "return dispatch_rpc(service, method, args)"),
			fr(pHTTP, 439, "dispatch_rpc", "return dispatch(method, params)"))
	}
	return append(f,
		fr("/opt/odoo/odoo/addons/base/controllers/rpc.py", 170, "jsonrpc", "return dispatch_rpc(service, method, args)"),
		fr(pHTTP, 399, "dispatch_rpc", "return dispatch(method, params)"))
}

// objectFrames lead from the /jsonrpc route into a model method.
func objectFrames(major int) []frame {
	f := rpcFrames(major)
	if major >= 19 {
		return append(f,
			fr(pModelSvc, 129, "dispatch", "res = execute_cr(cr, uid, model, method_, args, kw)"),
			fr(pModelSvc, 146, "execute_cr", "result = retrying(partial(call_kw, recs, method, args, kw), env)"),
			fr(pModelSvc, 184, "retrying", "result = func()"))
	}
	return append(f,
		fr(pModelSvc, 39, "dispatch", "res = execute_kw(db, uid, *params[3:])"),
		fr(pModelSvc, 61, "execute_kw", "return execute(db, uid, obj, method, *args, **kw or {})"),
		fr(pModelSvc, 68, "execute", "res = execute_cr(cr, uid, obj, method, *args, **kw)"),
		fr(pModelSvc, 52, "execute_cr", "result = retrying(partial(odoo.api.call_kw, recs, method, args, kw), env)"),
		fr(pModelSvc, 137, "retrying", "result = func()"))
}

// callFrames is the frame that invokes the model method itself.
func callFrames(major int, proto string) []frame {
	if proto == protoJSON2 {
		return []frame{fr("/opt/odoo/addons/rpc/controllers/json2.py", 86, "web_json_2_rpc", "result = func(records, **kwargs)")}
	}
	if major >= 19 {
		return []frame{fr(pModelSvc, 93, "call_kw", "result = method(recs, *args, **kwargs)")}
	}
	return []frame{fr(pAPI, 517, "call_kw", "result = getattr(recs, name)(*args, **kwargs)")}
}

// methodFrame is the ORM method's own frame for the usual methods.
func methodFrame(major int, model, method string) []frame {
	p := pModels(major)
	var override []frame
	if model == "res.partner" {
		switch method {
		case "write":
			override = []frame{fr(pResPart, 871, "write", "res = super().write(vals)")}
		case "create":
			override = []frame{fr(pResPart, 921, "create", "partners = super().create(vals_list)")}
		}
	}
	switch method {
	case "search_read":
		if major >= 19 {
			return []frame{fr(p, 5774, "search_read", "records = self.search_fetch(domain or [], fields, offset=offset, limit=limit, order=order)"),
				fr(p, 1408, "search_fetch", "query = self._search(domain, offset=offset, limit=limit, order=order or self._order)")}
		}
		return []frame{fr(p, 6077, "search_read", "records = self.search_fetch(domain or [], fields, offset=offset, limit=limit, order=order)"),
			fr(p, 1740, "search_fetch", "query = self._search(domain, offset=offset, limit=limit, order=order or self._order)")}
	case "search", "search_count", "name_search", "read_group", "formatted_read_group":
		line := map[string]int{"search": 1661, "search_count": 1611, "name_search": 1795, "read_group": 2893, "formatted_read_group": 2410}[method]
		return []frame{fr(p, line, method, "return self._search(domain, offset=offset, limit=limit, order=order)")}
	case "read":
		return []frame{fr(p, 3720, "read", "self._origin.fetch(fields)")}
	case "write":
		return append(override, frn(p, 4378, "write", "real_recs._validate_fields(vals, inverse_fields)"))
	case "create":
		return append(override, fr(p, 4709, "create", "records = self._create(data_list)"))
	case "unlink":
		return []frame{fr(p, 4203, "unlink", "self.check_access('unlink')")}
	}
	return nil
}
