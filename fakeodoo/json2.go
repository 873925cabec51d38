package fakeodoo

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/odoo-mcp/odoo-mcp/internal/pyrepr"
)

const pJSON2 = "/opt/odoo/addons/rpc/controllers/json2.py"

// serveJSON2 serves the 19.0 JSON-2 API: POST /json/2/<model>/<method>,
// authenticated by an API key as bearer token, with real HTTP statuses.
func (s *Server) serveJSON2(w http.ResponseWriter, r *http.Request) {
	call := Call{Protocol: protoJSON2}
	defer func() { s.record(call) }()
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/json/2/"), "/")
	if r.Method != http.MethodPost || r.URL.Path == "/json/2" || len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		msg := "Did you mean POST /json/2/<model>/<method>?"
		s.writeJSON2Error(w, httpErr(exNotFound, http.StatusNotFound, msg, frn(pJSON2, 47, "web_json_2_404", "raise request.not_found(e)")), "", "")
		return
	}
	modelName, method := parts[0], parts[1]
	call.Model, call.Method = modelName, method
	if db := r.Header.Get("X-Odoo-Database"); db != "" && db != s.dbName {
		writeHTML(w, http.StatusNotFound, noDatabasePage)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		body = nil
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" && len(body) > 0 {
		s.wrongContentType(w, r, "json2")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	uid, authErr := s.bearer(r.Header.Get("Authorization"))
	if authErr != nil {
		w.Header().Set("WWW-Authenticate", "Bearer")
		s.writeJSON2Error(w, authErr, modelName, method)
		return
	}
	call.UID = uid
	params := map[string]any{}
	if len(body) > 0 {
		v, err := decodeJSON(body)
		if err != nil {
			s.writeJSON2Error(w, httpErr(exBadRequest, http.StatusBadRequest, "could not parse the body as json: "+pyJSONError(body, err),
				frn(pHTTP, 2601, "dispatch", "raise werkzeug.exceptions.BadRequest(e) from exc")), modelName, method)
			return
		}
		// a body that is not an object is ignored: "jsonrequest | args"
		// fails and the dispatcher falls back to the route arguments
		if m, ok := v.(map[string]any); ok {
			params = m
		}
	}
	res, err := guard(func() (any, error) { return s.json2Call(uid, modelName, method, params) })
	if err != nil {
		s.writeJSON2Error(w, asRPCError(err), modelName, method)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// bearer authenticates the Authorization header (scheme case-insensitive).
func (s *Server) bearer(header string) (int64, *rpcError) {
	scheme, token, _ := strings.Cut(strings.TrimSpace(header), " ")
	token = strings.TrimSpace(token)
	frames := func(line int) []frame {
		return []frame{
			frn(pHTTP, 2326, "_serve_ir_http", "self.registry['ir.http']._authenticate(rule.endpoint)"),
			frn(pIrHTTP, 275, "_authenticate", "cls._authenticate_explicit(auth)"),
			frn(pIrHTTP, 284, "_authenticate_explicit", "getattr(cls, f'_auth_method_{auth}')()"),
			frn(pIrHTTP, line, "_auth_method_bearer", "raise Unauthorized(e, www_authenticate=WWWAuthenticate('bearer'))"),
		}
	}
	if !strings.EqualFold(scheme, "bearer") || token == "" {
		return 0, httpErr(exUnauthorized, http.StatusUnauthorized, "User not authenticated, use an API Key with a Bearer Authorization header.", frames(250)...)
	}
	uid, ok := s.db.keys[token]
	e := s.superEnv()
	if !ok || !e.userActive(uid) {
		return 0, httpErr(exUnauthorized, http.StatusUnauthorized, "Invalid apikey", frames(242)...)
	}
	return uid, nil
}

// json2Call is the web_json_2_rpc controller.
func (s *Server) json2Call(uid int64, modelName, name string, params map[string]any) (any, error) {
	kwargs := map[string]any{}
	for k, v := range params {
		if k != "ids" && k != "context" && k != "model" && k != "method" {
			kwargs[k] = v
		}
	}
	ctx, _ := params["context"].(map[string]any)
	e := s.userEnv(uid, ctx)
	m := s.models[modelName]
	if m == nil {
		return nil, httpErr(exNotFound, http.StatusNotFound, fmt.Sprintf("the model %s does not exist", pyrepr.Str(modelName)),
			frn(pJSON2, 69, "web_json_2_rpc", "raise NotFound(e) from exc"))
	}
	if isPrivate(name) {
		err := e.privateError(m, name)
		err.frames = []frame{fr(pJSON2, 72, "web_json_2_rpc", "func = get_public_method(Model, __method__)"),
			frn(pModelSvc, 54, "get_public_method", "raise AccessError(e)")}
		err.at = atService
		return nil, err
	}
	spec := s.method(m, name)
	if spec == nil {
		return nil, httpErr(exNotFound, http.StatusNotFound, fmt.Sprintf("The method '%s.%s' does not exist", m.name, name),
			frn(pJSON2, 74, "web_json_2_rpc", "raise NotFound(exc.args[0]) from exc"))
	}
	idl, ok := idList(params["ids"])
	if !ok {
		return nil, httpErr(exUnprocessable, http.StatusUnprocessableEntity, "ids must be a list of integers",
			frn(pJSON2, 79, "web_json_2_rpc", "records = Model.browse(ids)"))
	}
	if spec.model && len(idl) > 0 {
		return nil, httpErr(exUnprocessable, http.StatusUnprocessableEntity, fmt.Sprintf("cannot call %s.%s with ids", m.name, name),
			frn(pJSON2, 77, "web_json_2_rpc", "raise UnprocessableEntity(e)"))
	}
	c := &call{e: e, m: m, name: name, ids: idl, proto: protoJSON2}
	if err := c.bindSignature(spec, kwargs); err != nil {
		return nil, httpErr(exUnprocessable, http.StatusUnprocessableEntity, err.Error(),
			frn(pJSON2, 84, "web_json_2_rpc", "raise UnprocessableEntity(exc.args[0])"))
	}
	return c.invoke(spec)
}

// writeJSON2Error answers an error object with the exception's HTTP status.
func (s *Server) writeJSON2Error(w http.ResponseWriter, err *rpcError, model, method string) {
	prefix := httpFrames(s.major, true)
	if err.at == atCall {
		prefix = append(append(prefix, callFrames(s.major, protoJSON2)...), methodFrame(s.major, model, method)...)
	}
	writeJSON(w, err.httpStatus(), err.data(s.major, prefix))
}
