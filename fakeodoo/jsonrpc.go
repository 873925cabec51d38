package fakeodoo

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/odoo-mcp/odoo-mcp/internal/pyrepr"
)

const (
	protoJSONRPC = "jsonrpc"
	protoJSON2   = "json2"
)

// rpcRequest is a parsed JSON-RPC request envelope.
type rpcRequest struct {
	id     any
	params map[string]any
}

// readRPC parses a JSON-RPC request, answering the errors Odoo's JSON
// dispatcher gives before any route code runs. ok is false when a response
// was written.
func (s *Server) readRPC(w http.ResponseWriter, r *http.Request) (req rpcRequest, ok bool) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" && mt != "application/json-rpc" {
		s.wrongContentType(w, r, "json")
		return req, false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		writeHTML(w, http.StatusBadRequest, "Invalid JSON data")
		return req, false
	}
	v, err := decodeJSON(body)
	if err != nil {
		writeHTML(w, http.StatusBadRequest, "Invalid JSON data")
		return req, false
	}
	env, isObj := v.(map[string]any)
	if !isObj {
		writeHTML(w, http.StatusBadRequest, "Invalid JSON-RPC data")
		return req, false
	}
	req.id = env["id"]
	req.params, _ = env["params"].(map[string]any)
	if req.params == nil {
		req.params = map[string]any{}
	}
	return req, true
}

// wrongContentType answers a request whose Content-Type does not match the
// route type (unconfirmed for 18.0: Odoo 16/17 answered 400, newer ones 415).
func (s *Server) wrongContentType(w http.ResponseWriter, r *http.Request, routeType string) {
	if s.major >= 19 {
		if routeType == "json" {
			routeType = "jsonrpc"
		}
		writeHTML(w, http.StatusUnsupportedMediaType, werkzeugPage(http.StatusUnsupportedMediaType,
			fmt.Sprintf("Request inferred type is compatible with ['http'] but %s is type=%s.\n\nPlease verify the Content-Type request header and try again.",
				pyrepr.Str(routePattern(r.URL.Path)), pyrepr.Str(routeType))))
		return
	}
	writeHTML(w, http.StatusBadRequest, werkzeugPage(http.StatusBadRequest,
		fmt.Sprintf("Request inferred type is compatible with ['http'] but %s is type=%s.", pyrepr.Str(routePattern(r.URL.Path)), pyrepr.Str(routeType))))
}

func routePattern(path string) string {
	if len(path) > 8 && path[:8] == "/json/2/" {
		return "/json/2/<model>/<method>"
	}
	return path
}

// writeRPC writes a JSON-RPC response: result (absent when the method
// returned None) or error.
func (s *Server) writeRPC(w http.ResponseWriter, id any, result any, err error, prefix func(*rpcError) []frame) {
	resp := obj{{"jsonrpc", "2.0"}, {"id", id}}
	if err != nil {
		re := asRPCError(err)
		code := 200
		if s.major >= 19 {
			code = 0
		}
		resp = append(resp, kv{"error", obj{{"code", code}, {"message", "Odoo Server Error"}, {"data", re.data(s.major, prefix(re))}}})
	} else if result != nil {
		resp = append(resp, kv{"result", result})
	}
	writeJSON(w, http.StatusOK, resp)
}

func asRPCError(err error) *rpcError {
	if re, ok := err.(*rpcError); ok {
		return re
	}
	return newErr(exException, err.Error())
}

// guard turns a panic of the fake itself into an Odoo-like error.
func guard(fn func() (any, error)) (res any, err error) {
	defer func() {
		if v := recover(); v != nil {
			res, err = nil, newErr(exException, fmt.Sprintf("fakeodoo internal error: %v", v))
		}
	}()
	return fn()
}

func (s *Server) serveJSONRPC(w http.ResponseWriter, r *http.Request) {
	req, ok := s.readRPC(w, r)
	if !ok {
		s.record(Call{Protocol: protoJSONRPC})
		return
	}
	service, _ := req.params["service"].(string)
	method, _ := req.params["method"].(string)
	args, _ := req.params["args"].([]any)
	c := Call{Protocol: protoJSONRPC, Service: service, Method: method}
	var model string
	s.mu.Lock()
	res, err := guard(func() (any, error) {
		for _, k := range []string{"service", "method", "args"} {
			if _, ok := req.params[k]; !ok {
				return nil, newErr(exTypeError, fmt.Sprintf("RPC.jsonrpc() missing 1 required positional argument: '%s'", k))
			}
		}
		switch service {
		case "common":
			return s.commonService(method, args)
		case "db":
			if s.major >= 20 {
				// Odoo 20 removed the service; the error is assumed to be
				// what dispatch_rpc's lookup of a missing service raises.
				err := newErr(exKeyError, "db")
				err.reprArg, err.at = true, atService
				return nil, err
			}
			return s.dbService(method, args)
		case "object":
			if len(args) > 4 {
				model, _ = args[3].(string)
				c.Model = model
				if m, ok := args[4].(string); ok {
					c.Method = m
				}
			}
			res, uid, err := s.objectService(method, args)
			c.UID = uid
			return res, err
		}
		err := newErr(exKeyError, fmt.Sprint(req.params["service"]),
			fr(pHTTP, map[bool]int{true: 438, false: 398}[s.major >= 19], "dispatch_rpc", "dispatch = rpc_dispatchers[service_name]"))
		err.reprArg, err.at = true, atService
		return nil, err
	})
	s.mu.Unlock()
	s.record(c)
	s.writeRPC(w, req.id, res, err, func(e *rpcError) []frame {
		switch {
		case service != "object" || e.at == atService:
			return rpcFrames(s.major)
		case e.at == atObject:
			return objectFrames(s.major)
		}
		return append(append(objectFrames(s.major), callFrames(s.major, protoJSONRPC)...), methodFrame(s.major, c.Model, c.Method)...)
	})
}

// svcArgs checks the arity of an exp_* service function.
func svcArgs(fn string, args []any, names ...string) error {
	if len(args) > len(names) {
		return newErr(exTypeError, fmt.Sprintf("%s() takes %d positional arguments but %d were given", fn, len(names), len(args)))
	}
	if missing := names[len(args):]; len(missing) > 0 {
		quoted := make([]string, len(missing))
		for i, n := range missing {
			quoted[i] = "'" + n + "'"
		}
		noun := "argument"
		if len(missing) > 1 {
			noun = "arguments"
		}
		return newErr(exTypeError, fmt.Sprintf("%s() missing %d required positional %s: %s", fn, len(missing), noun, pyJoin(quoted)))
	}
	return nil
}

// checkDB fails as psycopg2 does when the database does not exist.
func (s *Server) checkDB(db any) error {
	name, _ := db.(string)
	if name == s.dbName {
		return nil
	}
	if name == "" {
		name = fmt.Sprint(db)
	}
	msg := fmt.Sprintf("connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  database %q does not exist\n", name)
	err := newErr(exOperational, msg,
		fr(pSQL, map[bool]int{true: 763, false: 690}[s.major >= 19], "cursor", "return Cursor(self.__pool, self.__dbname, self.__dsn)"),
		fr(pSQL, map[bool]int{true: 687, false: 615}[s.major >= 19], "borrow", "result = psycopg2.connect("),
		fr("/usr/lib/python3/dist-packages/psycopg2/__init__.py", 122, "connect", "conn = _connect(dsn, connection_factory=connection_factory, **kwasync)"))
	err.at = atService
	return err
}

func (s *Server) commonService(method string, args []any) (any, error) {
	switch method {
	case "version":
		return s.serverVersion(), nil
	case "about":
		if len(args) > 0 && pyTruthy(args[0]) {
			return []any{"See http://openerp.com", s.version}, nil
		}
		return "See http://openerp.com", nil
	case "login", "authenticate":
		names := []string{"db", "login", "password"}
		if method == "authenticate" {
			names = append(names, "user_agent_env")
		}
		if err := svcArgs("exp_"+method, args, names...); err != nil {
			return nil, err
		}
		if err := s.checkDB(args[0]); err != nil {
			return nil, err
		}
		login, _ := args[1].(string)
		password, _ := args[2].(string)
		e := s.superEnv()
		uid, found := e.userByLogin(login)
		if !found || !e.checkCredential(uid, password) {
			return false, nil
		}
		return uid, nil
	}
	err := newErr(exException, "Method not found: "+method,
		frn(pCommonSvc, map[bool]int{true: 62, false: 60}[s.major >= 19], "dispatch", `raise Exception("Method not found: %s" % method)`))
	err.at = atService
	return nil, err
}

func (s *Server) dbService(method string, args []any) (any, error) {
	switch method {
	case "list":
		return []any{s.dbName}, nil
	case "db_exist":
		if err := svcArgs("exp_db_exist", args, "db_name"); err != nil {
			return nil, err
		}
		return args[0] == s.dbName, nil
	case "server_version":
		return s.version, nil
	case "list_lang":
		return []any{[]any{"en_US", "English (US)"}}, nil
	case "create_database", "duplicate_database", "drop", "dump", "restore", "rename", "change_admin_password", "migrate_databases":
		// the master password is never accepted by the fake
		e := s.superEnv()
		err := e.errAccessDenied()
		err.frames = []frame{frn("/opt/odoo/odoo/service/db.py", 46, "check_super", "raise odoo.exceptions.AccessDenied()")}
		return nil, err
	}
	err := newErr(exKeyError, "Method not found: "+method,
		frn("/opt/odoo/odoo/service/db.py", 497, "dispatch", `raise KeyError("Method not found: %s" % method)`))
	err.reprArg, err.at = true, atService
	return nil, err
}

// objectService is odoo.service.model.dispatch: execute_kw and execute.
// It returns the authenticated uid for the call log.
func (s *Server) objectService(method string, args []any) (any, int64, error) {
	if method != "execute" && method != "execute_kw" {
		err := newErr(exNameError, "Method not available "+method)
		err.at = atService
		return nil, 0, err
	}
	if len(args) < 3 {
		err := newErr(exIndexError, "list index out of range")
		err.at = atService
		return nil, 0, err
	}
	if err := s.checkDB(args[0]); err != nil {
		return nil, 0, err
	}
	uid, err := pyInt(args[1])
	if err != nil {
		return nil, 0, err
	}
	e := s.userEnv(uid, nil)
	if err := s.authenticateRPC(e, uid, args[2]); err != nil {
		return nil, 0, err
	}
	rest := args[3:]
	fn := method
	if len(rest) < 2 || method == "execute_kw" && len(rest) < 3 {
		names := []string{"obj", "method", "args"}
		if method == "execute" {
			names = names[:2]
		}
		return nil, uid, svcArgs(fn, rest, names...)
	}
	modelName, _ := rest[0].(string)
	name, _ := rest[1].(string)
	var pos []any
	kw := map[string]any{}
	if method == "execute_kw" {
		if len(rest) > 4 {
			return nil, uid, newErr(exTypeError, fmt.Sprintf("execute_kw() takes from 5 to 6 positional arguments but %d were given", len(rest)+2))
		}
		var ok bool
		if pos, ok = rest[2].([]any); !ok {
			return nil, uid, newErr(exTypeError, fmt.Sprintf("BaseModel.%s() argument after * must be an iterable, not %s", name, pyTypeName(rest[2])))
		}
		if len(rest) == 4 && rest[3] != nil {
			if kw, ok = rest[3].(map[string]any); !ok {
				return nil, uid, newErr(exTypeError, fmt.Sprintf("BaseModel.%s() argument after ** must be a mapping, not %s", name, pyTypeName(rest[3])))
			}
		}
	} else {
		pos = rest[2:]
	}
	if s.major < 19 && isPrivate(name) {
		return nil, uid, e.privateError(nil, name)
	}
	m := s.models[modelName]
	if m == nil {
		err := newErr(exUserError, fmt.Sprintf("Object %s doesn't exist", fmt.Sprint(rest[0])),
			frn(pModelSvc, map[bool]int{true: 142, false: 51}[s.major >= 19], "execute_cr", `raise UserError(env._("Object %s doesn't exist", obj))`))
		err.at = atObject
		return nil, uid, err
	}
	if isPrivate(name) {
		return nil, uid, e.privateError(m, name)
	}
	spec := s.method(m, name)
	if spec == nil {
		return nil, uid, e.missingMethodError(m, name)
	}
	kw = cloneVals(kw)
	ctx, _ := kw["context"].(map[string]any)
	delete(kw, "context")
	e = e.withContext(ctx)
	c := &call{e: e, m: m, name: name, proto: protoJSONRPC}
	if !spec.model {
		if len(pos) == 0 {
			msg := "list index out of range"
			frame := fr(pModelSvc, 82, "call_kw", "ids, args = args[0], args[1:]")
			if s.major < 19 {
				msg = "tuple index out of range"
				frame = fr(pAPI, 507, "call_kw", "ids, args = args[0], args[1:]")
			}
			err := newErr(exIndexError, msg, frame)
			err.at = atObject
			return nil, uid, err
		}
		idl, ok := idList(pos[0])
		if !ok {
			return nil, uid, newErr(exValueError, fmt.Sprintf("Invalid id list: %s", pyRepr(pos[0])))
		}
		c.ids, pos = idl, pos[1:]
	}
	if name == "create" {
		if len(pos) == 0 {
			err := newErr(exIndexError, map[bool]string{true: "list index out of range", false: "tuple index out of range"}[s.major >= 19])
			err.at = atObject
			return nil, uid, err
		}
		_, c.single = pos[0].(map[string]any)
	}
	if err := c.bindPython(spec, pos, kw); err != nil {
		return nil, uid, err
	}
	res, err := c.invoke(spec)
	return res, uid, err
}

// pyInt is Python's int() of the uid argument.
func pyInt(v any) (int64, error) {
	switch x := v.(type) {
	case string:
		i, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return 0, newErr(exValueError, fmt.Sprintf("invalid literal for int() with base 10: %s", pyrepr.Str(x)))
		}
		return i, nil
	case json.Number, bool:
		if i, ok := asInt(x); ok {
			return i, nil
		}
		f, _ := asFloat(x)
		return int64(f), nil
	}
	return 0, newErr(exTypeError, fmt.Sprintf("int() argument must be a string, a bytes-like object or a real number, not '%s'", pyTypeName(v)))
}

// authenticateRPC is the credential check of the object service.
func (s *Server) authenticateRPC(e *env, uid int64, password any) error {
	users := s.models["res.users"]
	if e.row(users, uid) == nil {
		msg := fmt.Sprintf("Record does not exist or has been deleted.\n(Record: res.users(%d,), User: %d)", uid, uid)
		var err *rpcError
		if s.major >= 19 {
			err = newErr(exMissingError, msg,
				frn(pModelSvc, 128, "dispatch", "api.Environment(cr, api.SUPERUSER_ID, {})['res.users']._check_uid_passwd(uid, passwd)"),
				fr(pCache, 98, "lookup", "return self.lookup(*args, **kwargs)"),
				fr(pCache, 155, "lookup", "value = self.method(*args, **kwargs)"),
				fr(pResUsers, 824, "_check_uid_passwd", "if not user.active:"),
				frn(pFields(19), 1712, "__get__", `raise MissingError("\n".join([`))
		} else {
			err = newErr(exMissingError, msg,
				frn(pModelSvc, 30, "dispatch", "security.check(db, uid, passwd)"),
				fr(pSecurity, 11, "check", "return res_users.check(db, uid, passwd)"),
				fr(pCache, 110, "lookup", "value = d[key] = self.method(*args, **kwargs)"),
				fr(pResUsers, 980, "check", "if not self.env.user.active:"),
				frn(pFields(18), 1268, "__get__", `raise MissingError("\n".join([`))
		}
		err.at = atService
		return err
	}
	pw, _ := password.(string)
	if !e.checkCredential(uid, pw) {
		return e.errAccessDenied()
	}
	return nil
}
