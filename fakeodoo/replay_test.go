package fakeodoo

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The replay test sends every request recorded against a real Odoo 18.0 and
// 19.0 (../shared/odoo-transcripts) to a fake of the same version, in order
// and against one fake per file so that state carries over (records created
// by an exchange are written, archived and deleted by later ones). The fake
// gets the recorded database name, and its admin and demo users get the
// recorded API keys (AddAPIKey). Ids of records created during the replay
// are mapped both ways (requests get the fake's ids, messages are compared
// with the recorded ids), and so is the uid of the demo user (6 on the
// recorded 18.0, 5 in the fake).
//
// Compared for every exchange: HTTP status and content type, then
//   - JSON-RPC: the envelope keys in order, the id, error.code,
//     error.message, the keys of error.data in order, data.name,
//     data.message, data.arguments, data.context and the last line of
//     data.debug (the exception as Python prints it);
//   - JSON-2 errors: the same, for the body;
//   - results: their shape (see compareResult) and the values the fake can
//     know (uids, contexts, versions, booleans, fields_get attributes);
//   - text and HTML bodies: byte for byte when short, else <title> and <h2>.
//
// Documented exemptions, where the fake cannot or should not match:
//  1. Traceback frames: realistic, not the recorded ones; the first line and
//     the final exception line are compared.
//  2. Data values (names, e-mails, counts, dates): the fake has its own demo
//     data; only JSON kinds are compared (int and float apart; false may
//     stand for any empty value either way), and lists must be empty or
//     non-empty alike.
//  3. Rows read without a field list, and fields_get without allfields: a
//     real database has the fields of every installed module (mail, account,
//     sale, enterprise ones on 18.0); the fake's fields must be a subset,
//     each with exactly the recorded attributes and values, except that a
//     selection may offer fewer options (the fake lists a few time zones,
//     not all of pytz).
//  4. 18.0 common.version and version_info: the recording is an enterprise
//     nightly ("18.0+e-20241002", info[5] "e"); the fake says "18.0".
//     server_serie, protocol_version and info[0:5] are compared.
//  5. /web/session/authenticate results: the web client's session info has
//     dozens of UI keys; the ones a client uses (uid, is_admin, db,
//     user_context, server_version, name...) are compared.
//  6. The 18.0 /web/version 404 page is a website page with CSRF tokens and
//     asset hashes; its <title> and <h2> are compared.
//  7. /doc-bearer/ model descriptions (19.0-doc): the fake describes its own
//     models, fields and methods, a subset of the recorded ones; each field
//     it describes has the recorded core attributes, each method the
//     recorded signature, parameters (names, order, kinds, defaults,
//     annotations), return annotation, api, raised exceptions, model and
//     module. Docstrings are the fake's own.

type transcript struct {
	Name    string `json:"name"`
	Note    string `json:"note"`
	Request struct {
		Method  string            `json:"method"`
		Path    string            `json:"path"`
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"request"`
	Response struct {
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"response"`
}

func transcriptsDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("../shared/odoo-transcripts not found: the recorded Odoo exchanges live beside the checkout, see README")
		}
		dir = parent
	}
	tdir := filepath.Join(dir, "..", "shared", "odoo-transcripts")
	if _, err := os.Stat(tdir); err != nil {
		t.Skip("../shared/odoo-transcripts not found: the recorded Odoo exchanges live beside the checkout, see README")
	}
	return tdir
}

func loadTranscripts(t *testing.T, path string) []transcript {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []transcript
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var x transcript
		if err := json.Unmarshal(sc.Bytes(), &x); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, x)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func decodeNumbers(raw []byte) any {
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil
	}
	return v
}

var hexKey = regexp.MustCompile(`^[0-9a-f]{40}$`)

// replayer carries the state of one transcript file's replay.
type replayer struct {
	t       *testing.T
	srv     *Server
	major   int
	uidMap  map[int64]int64 // recorded uid -> fake uid
	idMap   map[int64]int64 // recorded record id -> fake id (records created while replaying)
	exempts map[string]int  // exemption -> number of exchanges it applied to
	cur     map[string]bool // exemptions applied to the current exchange
}

func TestReplayTranscripts(t *testing.T) {
	dir := transcriptsDir(t)
	for _, file := range []string{"18.0", "19.0", "19.0-doc"} {
		version, _, _ := strings.Cut(file, "-")
		t.Run(file, func(t *testing.T) {
			xs := loadTranscripts(t, filepath.Join(dir, file+".jsonl"))
			r := newReplayer(t, version, xs)
			compared := 0
			for i, x := range xs {
				r.cur = map[string]bool{}
				ok := t.Run(fmt.Sprintf("%03d %s", i, x.Name), func(t *testing.T) { r.replay(t, x) })
				if ok {
					compared++
				}
				for k := range r.cur {
					r.exempts[k]++
				}
			}
			var ex []string
			for k, n := range r.exempts {
				ex = append(ex, fmt.Sprintf("%s: %d", k, n))
			}
			sort.Strings(ex)
			t.Logf("%s.jsonl: %d/%d exchanges compared and matching; exchanges per documented exemption: %s",
				file, compared, len(xs), strings.Join(ex, ", "))
		})
	}
}

// newReplayer starts a fake with the recorded database name and gives the
// fake's admin and demo users the API keys seen in the recording.
func newReplayer(t *testing.T, version string, xs []transcript) *replayer {
	db := ""
	keys := map[string]string{} // login -> key
	recUID := map[string]int64{}
	for _, x := range xs {
		req, _ := decodeNumbers(x.Request.Body).(map[string]any)
		params, _ := req["params"].(map[string]any)
		resp, _ := decodeNumbers(x.Response.Body).(map[string]any)
		if params["service"] == "db" && params["method"] == "list" {
			if l, ok := resp["result"].([]any); ok && len(l) > 0 {
				db, _ = l[0].(string)
			}
		}
		if params["service"] == "common" && params["method"] == "authenticate" {
			args, _ := params["args"].([]any)
			uid, isInt := asInt(resp["result"])
			if len(args) >= 3 && isInt && resp["result"] != false {
				login, _ := args[1].(string)
				pw, _ := args[2].(string)
				recUID[login] = uid
				if hexKey.MatchString(pw) {
					keys[login] = pw
				}
			}
		}
	}
	// A file without db.list or authenticate exchanges (19.0-doc) names
	// its database in X-Odoo-Database and its users in the exchange names:
	// the restricted user's key is the one used "as restricted user".
	for _, x := range xs {
		if db == "" {
			db = x.Request.Headers["X-Odoo-Database"]
		}
		scheme, key, _ := strings.Cut(x.Request.Headers["Authorization"], " ")
		if !strings.EqualFold(scheme, "bearer") || !hexKey.MatchString(key) || slices.Contains(slices.Collect(maps.Values(keys)), key) {
			continue
		}
		if strings.Contains(x.Name, "restricted user") {
			keys[DemoLogin] = key
		}
	}
	for _, x := range xs {
		scheme, key, _ := strings.Cut(x.Request.Headers["Authorization"], " ")
		if strings.EqualFold(scheme, "bearer") && hexKey.MatchString(key) && !slices.Contains(slices.Collect(maps.Values(keys)), key) {
			keys[AdminLogin] = key
		}
	}
	if db == "" {
		t.Fatal("no db.list exchange or X-Odoo-Database header to learn the database name from")
	}
	srv := New(Options{Version: version, DB: db})
	r := &replayer{t: t, srv: srv, major: srv.major, uidMap: map[int64]int64{}, idMap: map[int64]int64{}, exempts: map[string]int{}}
	fakeUID := map[string]int64{AdminLogin: AdminUID, DemoLogin: DemoUID}
	for login, key := range keys {
		uid, ok := fakeUID[login]
		if !ok {
			t.Fatalf("recorded key of unknown login %q", login)
		}
		if err := srv.AddAPIKey(uid, key); err != nil {
			t.Fatal(err)
		}
	}
	for login, uid := range recUID {
		r.uidMap[uid] = fakeUID[login]
	}
	return r
}

func (r *replayer) exempt(kind string) { r.cur[kind] = true }

// rpcCall extracts what a recorded request calls.
type rpcCall struct {
	proto, service, model, method string
	path                          string
	pos                           []any
	kw                            map[string]any
}

func parseCall(x transcript) rpcCall {
	if strings.HasPrefix(x.Request.Path, "/doc-bearer/") {
		return rpcCall{proto: "http", path: x.Request.Path}
	}
	body := decodeNumbers(x.Request.Body)
	if strings.HasPrefix(x.Request.Path, "/json/2/") {
		parts := strings.Split(strings.TrimPrefix(x.Request.Path, "/json/2/"), "/")
		c := rpcCall{proto: "json2", model: parts[0]}
		if len(parts) > 1 {
			c.method = parts[1]
		}
		c.kw, _ = body.(map[string]any)
		return c
	}
	req, _ := body.(map[string]any)
	params, _ := req["params"].(map[string]any)
	c := rpcCall{proto: "jsonrpc"}
	c.service, _ = params["service"].(string)
	c.method, _ = params["method"].(string)
	args, _ := params["args"].([]any)
	if c.service == "object" && len(args) > 4 {
		c.model, _ = args[3].(string)
		c.method, _ = args[4].(string)
		if len(args) > 5 {
			c.pos, _ = args[5].([]any)
		}
		if len(args) > 6 {
			c.kw, _ = args[6].(map[string]any)
		}
	}
	return c
}

// explicitFields tells whether a read or search_read named its fields.
func (c rpcCall) explicitFields() bool {
	if f, ok := c.kw["fields"].([]any); ok && len(f) > 0 {
		return true
	}
	if c.method == "read" && len(c.pos) > 1 {
		f, ok := c.pos[1].([]any)
		return ok && len(f) > 0
	}
	if c.method == "search_read" && len(c.pos) > 1 {
		f, ok := c.pos[1].([]any)
		return ok && len(f) > 0
	}
	return false
}

// rewrite maps recorded ids and uids in a request body to the fake's.
func (r *replayer) rewrite(x transcript) []byte {
	raw := x.Request.Body
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] == '"' { // a body recorded as text is sent as is
		var s string
		_ = json.Unmarshal(raw, &s)
		return []byte(s)
	}
	body := decodeNumbers(raw)
	if req, ok := body.(map[string]any); ok {
		if params, ok := req["params"].(map[string]any); ok && params["service"] == "object" {
			if args, ok := params["args"].([]any); ok && len(args) > 1 {
				if uid, ok := asInt(args[1]); ok {
					if fake, ok := r.uidMap[uid]; ok {
						args[1] = fake
					}
				}
				for i := 5; i < len(args); i++ {
					args[i] = r.mapIDs(args[i])
				}
			}
		} else if strings.HasPrefix(x.Request.Path, "/json/2/") {
			body = r.mapIDs(body)
		}
	}
	b, err := json.Marshal(body)
	if err != nil {
		r.t.Fatal(err)
	}
	return b
}

func (r *replayer) mapIDs(v any) any {
	switch x := v.(type) {
	case []any:
		for i := range x {
			x[i] = r.mapIDs(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = r.mapIDs(x[k])
		}
	case json.Number:
		if id, err := x.Int64(); err == nil {
			if fake, ok := r.idMap[id]; ok {
				return fake
			}
		}
	}
	return v
}

var recordRef = regexp.MustCompile(`\(((?:\d+,)+\d*)\)`)

// unmapText rewrites "res.partner(61,)" in a fake message with the recorded
// id.
func (r *replayer) unmapText(s string) string {
	back := map[int64]int64{}
	for rec, fake := range r.idMap {
		back[fake] = rec
	}
	return recordRef.ReplaceAllStringFunc(s, func(m string) string {
		inner := strings.Trim(m, "()")
		parts := strings.Split(inner, ",")
		for i, p := range parts {
			var id int64
			if _, err := fmt.Sscan(p, &id); err == nil {
				if rec, ok := back[id]; ok {
					parts[i] = fmt.Sprint(rec)
				}
			}
		}
		return "(" + strings.Join(parts, ",") + ")"
	})
}

func (r *replayer) replay(t *testing.T, x transcript) {
	body := r.rewrite(x)
	req := httptest.NewRequest(x.Request.Method, x.Request.Path, bytes.NewReader(body))
	for k, v := range x.Request.Headers {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	r.srv.ServeHTTP(w, req)
	resp := w.Result()
	got, _ := io.ReadAll(resp.Body)
	if os.Getenv("REPLAY_DUMP") != "" {
		t.Logf("request %s\nfake  %d %.1500s\nrecorded %d %.1500s", body, resp.StatusCode, got, x.Response.Status, x.Response.Body)
	}

	if resp.StatusCode != x.Response.Status {
		t.Fatalf("status %d, recorded %d; body %.400s", resp.StatusCode, x.Response.Status, got)
	}
	wantCT, _, _ := mime.ParseMediaType(x.Response.Headers["content-type"])
	gotCT, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if wantCT != gotCT {
		t.Fatalf("content type %q, recorded %q", gotCT, wantCT)
	}
	if wantCT != "application/json" {
		r.compareText(t, x, string(got))
		return
	}
	want := decodeNumbers(x.Response.Body)
	have := decodeNumbers(got)
	if have == nil && string(bytes.TrimSpace(got)) != "null" {
		t.Fatalf("fake body is not JSON: %.300s", got)
	}
	c := parseCall(x)
	if wm, ok := want.(map[string]any); ok && wm["jsonrpc"] == "2.0" {
		r.compareEnvelope(t, c, x, want.(map[string]any), have, got)
		return
	}
	if wm, ok := want.(map[string]any); ok && hasKey(wm, "debug") {
		r.compareErrorData(t, wm, have, objectKeys(t, x.Response.Body), objectKeys(t, got))
		return
	}
	r.compareResult(t, c, want, have)
}

func (r *replayer) compareText(t *testing.T, x transcript, got string) {
	var want string
	if err := json.Unmarshal(x.Response.Body, &want); err != nil {
		t.Fatalf("recorded body is not text: %v", err)
	}
	if len(want) < 2000 {
		if got != want {
			t.Fatalf("body\n got %q\nwant %q", got, want)
		}
		return
	}
	r.exempt("large HTML page: title and heading")
	for _, re := range []*regexp.Regexp{regexp.MustCompile(`<title>.*?</title>`), regexp.MustCompile(`<h2>.*?</h2>`)} {
		if w, g := re.FindString(want), re.FindString(got); w != g {
			t.Errorf("page element %q, recorded %q", g, w)
		}
	}
}

// objectKeys lists the keys of a JSON object in document order.
func objectKeys(t *testing.T, raw []byte) []string {
	d := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	var keys []string
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func rawField(t *testing.T, raw []byte, key string) []byte {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m[key]
}

func (r *replayer) compareEnvelope(t *testing.T, c rpcCall, x transcript, want map[string]any, haveAny any, raw []byte) {
	have, ok := haveAny.(map[string]any)
	if !ok {
		t.Fatalf("fake answered %T, want a JSON-RPC envelope", haveAny)
	}
	wantKeys := objectKeys(t, x.Response.Body)
	if got := objectKeys(t, raw); !slices.Equal(got, wantKeys) {
		t.Fatalf("envelope keys %v, recorded %v", got, wantKeys)
	}
	if pyRepr(have["id"]) != pyRepr(want["id"]) {
		t.Errorf("id %v, recorded %v", have["id"], want["id"])
	}
	if werr, ok := want["error"].(map[string]any); ok {
		herr := have["error"].(map[string]any)
		for _, k := range []string{"code", "message"} {
			if pyRepr(herr[k]) != pyRepr(werr[k]) {
				t.Errorf("error.%s %v, recorded %v", k, herr[k], werr[k])
			}
		}
		rawErr := rawField(t, raw, "error")
		wantData := werr["data"].(map[string]any)
		r.compareErrorData(t, wantData, herr["data"], objectKeys(t, rawField(t, rawField(t, x.Response.Body, "error"), "data")), objectKeys(t, rawField(t, rawErr, "data")))
		return
	}
	if hasKey(want, "result") {
		r.compareResult(t, c, want["result"], have["result"])
	}
}

// compareErrorData compares an Odoo error payload; wantKeys and gotKeys are
// the key orders of the recorded and fake objects.
func (r *replayer) compareErrorData(t *testing.T, want map[string]any, haveAny any, wantKeys, gotKeys []string) {
	have, ok := haveAny.(map[string]any)
	if !ok {
		t.Fatalf("error data is %T", haveAny)
	}
	if !slices.Equal(gotKeys, wantKeys) {
		t.Errorf("error data keys %v, recorded %v", gotKeys, wantKeys)
	}
	var hk []string
	for k := range have {
		hk = append(hk, k)
	}
	wk := slices.Clone(wantKeys)
	sort.Strings(hk)
	sort.Strings(wk)
	if !slices.Equal(hk, wk) {
		t.Errorf("error data key set %v, recorded %v", hk, wk)
	}
	if have["name"] != want["name"] {
		t.Errorf("name %v, recorded %v", have["name"], want["name"])
	}
	msg, _ := have["message"].(string)
	if got := r.unmapText(msg); got != want["message"] {
		t.Errorf("message\n got %q\nwant %q", got, want["message"])
	}
	if got, w := r.unmapText(pyRepr(have["arguments"])), pyRepr(want["arguments"]); got != w {
		t.Errorf("arguments %s, recorded %s", got, w)
	}
	if pyRepr(have["context"]) != pyRepr(want["context"]) {
		t.Errorf("context %v, recorded %v", have["context"], want["context"])
	}
	r.exempt("traceback frames")
	wd, _ := want["debug"].(string)
	hd, _ := have["debug"].(string)
	if strings.HasPrefix(wd, "Traceback") != strings.HasPrefix(hd, "Traceback") {
		t.Errorf("debug starts %.40q, recorded %.40q", hd, wd)
	}
	if w, g := lastException(wd), r.unmapText(lastException(hd)); w != g {
		t.Errorf("debug last exception\n got %q\nwant %q", g, w)
	}
}

// lastException is the final "Class: message" part of a traceback.
func lastException(tb string) string {
	lines := strings.Split(strings.TrimRight(tb, "\n"), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], "  ") || lines[i] == "" && i < len(lines)-1 {
			return strings.Join(lines[i+1:], "\n")
		}
	}
	return strings.Join(lines, "\n")
}

// kind is the JSON kind of a value, telling integers from floats as Python
// does.
func kind(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case json.Number:
		if strings.ContainsAny(x.String(), ".eE") {
			return "float"
		}
		return "int"
	case string:
		return "string"
	case []any:
		return "list"
	case map[string]any:
		return "dict"
	}
	return fmt.Sprintf("%T", v)
}

// compareResult compares a method result; the rules depend on the method.
func (r *replayer) compareResult(t *testing.T, c rpcCall, want, have any) {
	if kind(want) != kind(have) {
		t.Fatalf("result kind %s (%.200v), recorded %s (%.200v)", kind(have), have, kind(want), want)
	}
	switch {
	case c.path != "":
		r.compareDoc(t, c.path, want, have)
	case c.service == "common" && (c.method == "authenticate" || c.method == "login"):
		if want == false {
			if have != false {
				t.Errorf("uid %v, recorded false", have)
			}
			return
		}
		w, _ := asInt(want)
		h, _ := asInt(have)
		if r.uidMap[w] != h {
			t.Errorf("uid %d, recorded %d (fake %d)", h, w, r.uidMap[w])
		}
	case isVersionInfo(want):
		r.compareVersion(t, want.(map[string]any), have.(map[string]any))
	case c.method == "create":
		r.learnIDs(t, want, have)
	case c.method == "context_get":
		wm, hm := want.(map[string]any), have.(map[string]any)
		w, _ := asInt(wm["uid"])
		if h, _ := asInt(hm["uid"]); r.uidMap[w] != h {
			t.Errorf("context uid %d, recorded %d", h, w)
		}
		if !slices.Equal(sortedKeys(wm), sortedKeys(hm)) || wm["lang"] != hm["lang"] || wm["tz"] != hm["tz"] {
			t.Errorf("context %v, recorded %v", hm, wm)
		}
	case c.method == "fields_get":
		r.compareFieldsGet(t, c, want.(map[string]any), have.(map[string]any))
	case c.method == "read" || c.method == "search_read":
		r.compareRows(t, want.([]any), have.([]any), c.explicitFields())
	case c.method == "read_group" || c.method == "formatted_read_group":
		r.compareRows(t, want.([]any), have.([]any), true)
	case c.method == "name_search":
		r.compareList(t, want.([]any), have.([]any), "[int, string] pairs", func(v any) string {
			l, _ := v.([]any)
			if len(l) != 2 {
				return "bad pair"
			}
			return kind(l[0]) + "," + kind(l[1])
		})
	case c.method == "search", c.service == "db" && c.method == "list":
		r.compareList(t, want.([]any), have.([]any), "scalars", kind)
		if c.service == "db" && pyRepr(want) != pyRepr(have) {
			t.Errorf("db.list %v, recorded %v", have, want)
		}
	case isSessionInfo(want):
		r.exempt("session info: core keys")
		hm, wm := have.(map[string]any), want.(map[string]any)
		for _, k := range []string{"uid", "is_system", "is_admin", "is_public", "is_internal_user", "user_context", "db",
			"server_version", "server_version_info", "name", "username", "partner_id", "partner_display_name"} {
			if !hasKey(hm, k) || !hasKey(wm, k) || kind(hm[k]) != kind(wm[k]) {
				t.Errorf("session info key %s: %v, recorded %v", k, hm[k], wm[k])
			}
		}
	case kind(want) == "bool", kind(want) == "string", kind(want) == "null":
		if pyRepr(want) != pyRepr(have) {
			t.Errorf("result %v, recorded %v", have, want)
		}
	default:
		r.exempt("data values: kinds only")
	}
}

func isVersionInfo(v any) bool {
	m, ok := v.(map[string]any)
	return ok && (hasKey(m, "server_serie") || hasKey(m, "version_info"))
}

func isSessionInfo(v any) bool {
	m, ok := v.(map[string]any)
	return ok && hasKey(m, "user_context") && hasKey(m, "uid")
}

func (r *replayer) compareVersion(t *testing.T, want, have map[string]any) {
	if !slices.Equal(sortedKeys(want), sortedKeys(have)) {
		t.Fatalf("version keys %v, recorded %v", sortedKeys(have), sortedKeys(want))
	}
	for k, w := range want {
		h := have[k]
		if r.major < 19 && (k == "server_version" || k == "server_version_info" || k == "version_info") {
			r.exempt("18.0 enterprise build version string")
			if k == "server_version" {
				if !strings.HasPrefix(w.(string), h.(string)) {
					t.Errorf("%s %v, recorded %v", k, h, w)
				}
				continue
			}
			wl, hl := w.([]any), h.([]any)
			if len(wl) != len(hl) || pyRepr(wl[:5]) != pyRepr(hl[:5]) {
				t.Errorf("%s %v, recorded %v", k, h, w)
			}
			continue
		}
		if pyRepr(w) != pyRepr(h) {
			t.Errorf("%s %v, recorded %v", k, pyRepr(h), pyRepr(w))
		}
	}
}

// learnIDs maps the ids the recording created to the fake's.
func (r *replayer) learnIDs(t *testing.T, want, have any) {
	switch w := want.(type) {
	case json.Number:
		wi, _ := w.Int64()
		hi, _ := asInt(have)
		r.idMap[wi] = hi
	case []any:
		h := have.([]any)
		if len(h) != len(w) {
			t.Fatalf("created %d records, recorded %d", len(h), len(w))
		}
		for i := range w {
			wi, _ := asInt(w[i])
			hi, _ := asInt(h[i])
			r.idMap[wi] = hi
		}
	}
}

func (r *replayer) compareList(t *testing.T, want, have []any, what string, shape func(any) string) {
	if (len(want) == 0) != (len(have) == 0) {
		t.Fatalf("%d items, recorded %d", len(have), len(want))
	}
	r.exempt("data values: kinds only")
	if len(want) == 0 {
		return
	}
	ws := shape(want[0])
	for _, h := range have {
		if shape(h) != ws {
			t.Fatalf("item %v has shape %s, recorded %s (%s)", h, shape(h), ws, what)
		}
	}
}

// compareRows compares rows of read / search_read / read_group results.
func (r *replayer) compareRows(t *testing.T, want, have []any, explicit bool) {
	if (len(want) == 0) != (len(have) == 0) {
		t.Fatalf("%d rows, recorded %d", len(have), len(want))
	}
	if len(want) == 0 {
		return
	}
	r.exempt("data values: kinds only")
	wrow := want[0].(map[string]any)
	wkeys := sortedKeys(wrow)
	for _, h := range have {
		hrow := h.(map[string]any)
		hkeys := sortedKeys(hrow)
		if explicit {
			if !slices.Equal(hkeys, wkeys) {
				t.Fatalf("row keys %v, recorded %v", hkeys, wkeys)
			}
		} else {
			r.exempt("all-fields rows: fake keys are a subset")
			for _, k := range hkeys {
				if !hasKey(wrow, k) {
					t.Errorf("field %q read by the fake is not a field of the recorded model", k)
				}
			}
			if len(hkeys) < 60 {
				t.Errorf("only %d fields read without a field list, want a large record", len(hkeys))
			}
		}
		for _, k := range hkeys {
			if w, ok := wrow[k]; ok && !sameKind(w, hrow[k]) {
				t.Errorf("field %s: %s %.80v, recorded %s %.80v", k, kind(hrow[k]), hrow[k], kind(w), w)
			}
		}
	}
}

// sameKind compares value kinds, false standing for any empty value.
func sameKind(want, have any) bool {
	if want == false || have == false {
		return true
	}
	kw, kh := kind(want), kind(have)
	if kw == kh {
		if l, ok := want.([]any); ok && len(l) > 0 {
			if hl := have.([]any); len(hl) > 0 {
				return kind(l[0]) == kind(hl[0])
			}
		}
		return true
	}
	return false
}

func (r *replayer) compareFieldsGet(t *testing.T, c rpcCall, want, have map[string]any) {
	named := false
	if af, ok := c.kw["allfields"].([]any); ok && len(af) > 0 {
		named = true
	}
	if len(c.pos) > 0 {
		if af, ok := c.pos[0].([]any); ok && len(af) > 0 {
			named = true
		}
	}
	if named && !slices.Equal(sortedKeys(want), sortedKeys(have)) {
		t.Fatalf("fields %v, recorded %v", sortedKeys(have), sortedKeys(want))
	}
	if !named {
		r.exempt("fields_get of all fields: fake fields are a subset")
		if len(have) < 60 {
			t.Errorf("only %d fields described", len(have))
		}
	}
	for name, h := range have {
		w, ok := want[name].(map[string]any)
		if !ok {
			t.Errorf("field %q described by the fake is not a field of the recorded model", name)
			continue
		}
		hd := h.(map[string]any)
		if !slices.Equal(sortedKeys(hd), sortedKeys(w)) {
			t.Errorf("field %s attributes %v, recorded %v", name, sortedKeys(hd), sortedKeys(w))
		}
		for _, k := range sortedKeys(w) {
			if k == "selection" && !named {
				// the fake offers fewer time zones than pytz: its options
				// must be a subset, with the same labels
				r.exempt("selection options: subset")
				if !isSubList(hd[k], w[k]) {
					t.Errorf("field %s selection %s is not a subset of the recorded %.300s", name, pyRepr(hd[k]), pyRepr(w[k]))
				}
				continue
			}
			if pyRepr(hd[k]) != pyRepr(w[k]) {
				t.Errorf("field %s %s %v, recorded %v", name, k, pyRepr(hd[k]), pyRepr(w[k]))
			}
		}
	}
}

func isSubList(have, want any) bool {
	wl, _ := want.([]any)
	in := map[string]bool{}
	for _, w := range wl {
		in[pyRepr(w)] = true
	}
	hl, _ := have.([]any)
	for _, h := range hl {
		if !in[pyRepr(h)] {
			return false
		}
	}
	return true
}

// compareDoc compares a /doc-bearer/ answer (exemption 7).
func (r *replayer) compareDoc(t *testing.T, path string, want, have any) {
	r.exempt("doc-bearer: a subset of fields and methods, own docstrings")
	wm, hm := want.(map[string]any), have.(map[string]any)
	if !slices.Equal(sortedKeys(wm), sortedKeys(hm)) {
		t.Fatalf("keys %v, recorded %v", sortedKeys(hm), sortedKeys(wm))
	}
	if strings.HasSuffix(path, "/index.json") {
		recorded := map[string]map[string]any{}
		for _, m := range wm["models"].([]any) {
			mm := m.(map[string]any)
			recorded[mm["model"].(string)] = mm
		}
		for _, m := range hm["models"].([]any) {
			mm := m.(map[string]any)
			w, ok := recorded[mm["model"].(string)]
			if !ok {
				t.Errorf("index: model %v is not in the recorded database", mm["model"])
				continue
			}
			if !slices.Equal(sortedKeys(mm), sortedKeys(w)) || mm["name"] != w["name"] {
				t.Errorf("index entry %v, recorded keys %v name %v", sortedKeys(mm), sortedKeys(w), w["name"])
			}
			// the index labels some fields differently from fields_get
			// ("Sales" for sale_ok): names are compared, not labels
			for name := range mm["fields"].(map[string]any) {
				if _, ok := w["fields"].(map[string]any)[name]; !ok {
					t.Errorf("index %v: field %s is not recorded", mm["model"], name)
				}
			}
			for _, name := range mm["methods"].([]any) {
				if !slices.Contains(w["methods"].([]any), name) {
					t.Errorf("index %v: method %v is not recorded", mm["model"], name)
				}
			}
		}
		return
	}
	for _, k := range []string{"model", "name", "doc"} {
		if pyRepr(hm[k]) != pyRepr(wm[k]) {
			t.Errorf("%s %v, recorded %v", k, hm[k], wm[k])
		}
	}
	wf := wm["fields"].(map[string]any)
	for name, f := range hm["fields"].(map[string]any) {
		w, ok := wf[name].(map[string]any)
		if !ok {
			t.Errorf("field %s is not a recorded field", name)
			continue
		}
		for _, k := range []string{"name", "type", "string", "store", "required", "readonly", "relation", "relation_field"} {
			if pyRepr(f.(map[string]any)[k]) != pyRepr(w[k]) {
				t.Errorf("field %s %s: %v, recorded %v", name, k, f.(map[string]any)[k], w[k])
			}
		}
	}
	wmeth := wm["methods"].(map[string]any)
	if len(hm["methods"].(map[string]any)) < 10 {
		t.Errorf("only %d methods described", len(hm["methods"].(map[string]any)))
	}
	for name, m := range hm["methods"].(map[string]any) {
		w, ok := wmeth[name].(map[string]any)
		if !ok {
			t.Errorf("method %s is not a recorded public method", name)
			continue
		}
		h := m.(map[string]any)
		for _, k := range []string{"signature", "api", "model", "module"} {
			if pyRepr(h[k]) != pyRepr(w[k]) {
				t.Errorf("method %s %s: %v, recorded %v", name, k, pyRepr(h[k]), pyRepr(w[k]))
			}
		}
		if hasKey(h, "return") != hasKey(w, "return") {
			t.Errorf("method %s: return %v, recorded %v", name, h["return"], w["return"])
		} else if hasKey(w, "return") {
			hr, _ := h["return"].(map[string]any)
			wr, _ := w["return"].(map[string]any)
			if pyRepr(hr["annotation"]) != pyRepr(wr["annotation"]) {
				t.Errorf("method %s: return annotation %v, recorded %v", name, hr["annotation"], wr["annotation"])
			}
		}
		hraise, _ := h["raise"].(map[string]any)
		wraise, _ := w["raise"].(map[string]any)
		if !slices.Equal(sortedKeys(hraise), sortedKeys(wraise)) {
			t.Errorf("method %s raises %v, recorded %v", name, sortedKeys(hraise), sortedKeys(wraise))
		}
		hp, wp := h["parameters"].(map[string]any), w["parameters"].(map[string]any)
		if !slices.Equal(sortedKeys(hp), sortedKeys(wp)) {
			t.Errorf("method %s parameters %v, recorded %v", name, sortedKeys(hp), sortedKeys(wp))
			continue
		}
		for pname, pv := range wp {
			wpa, hpa := pv.(map[string]any), hp[pname].(map[string]any)
			for _, k := range []string{"default", "annotation", "kind"} {
				if hasKey(wpa, k) != hasKey(hpa, k) || pyRepr(wpa[k]) != pyRepr(hpa[k]) {
					t.Errorf("method %s parameter %s %s: %v, recorded %v", name, pname, k, hpa[k], wpa[k])
				}
			}
		}
	}
}
