// Package lettaspec validates HTTP requests and responses against Letta's
// OpenAPI specifications, for tests of code that talks to Letta (the letta
// client) or pretends to be Letta (the fake Letta server).
//
// The specs are not embedded: they live beside the checkout, in
// ../shared/letta/openapi-<version>.json (see that folder's SOURCES.md), and
// the caller says where. FindDir locates that folder from the working
// directory of a test binary; tests skip when it is absent.
//
// Two versions are known: Old (0.11.7) and New (0.16.8). The 0.11.7 file is
// "0.11.7-era" (main branch 14 days after the tag) and lists a few things the
// 0.11.7 tag lacks; ../shared/reference/letta.md is the authority for those.
//
// Work-arounds for the spec files, applied when loading (all documented in
// loadDoc):
//   - kin-openapi's routers validate the whole document first, and Letta's
//     files do not pass: FastAPI writes `"description"` next to
//     `text/event-stream` media types, pydantic writes `"default": true` on
//     fields typed string (`enable_thinking`), and Letta Cloud-only paths
//     conflict (`/v1/templates/{project_id}` vs `/v1/templates/{template_name}`).
//     None of this concerns the routes the project uses, so this package does
//     not validate the document and routes requests itself (exact path
//     templates, trailing slash significant as in Letta, literal segments
//     before parameters).
//   - defaults are not injected into validated bodies (that would add a
//     boolean to the string-typed `enable_thinking`).
//   - the global bearer security requirement is not enforced by default:
//     self-hosted Letta needs no auth unless started with --secure.
package lettaspec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// Known spec versions (file names openapi-<version>.json).
const (
	Old = "0.11.7"
	New = "0.16.8"
)

// ErrSpecsNotFound is returned by FindDir when ../shared/letta is absent.
var ErrSpecsNotFound = errors.New("lettaspec: ../shared/letta not found beside the checkout")

// ErrNoRoute is wrapped by ValidateRequest when no operation of the spec
// matches the request's method and path.
var ErrNoRoute = errors.New("lettaspec: no matching operation in the spec")

// SpecFile returns the path of the spec file of version in dir.
func SpecFile(dir, version string) string {
	return filepath.Join(dir, "openapi-"+version+".json")
}

// FindDir walks up from the working directory to the module root (the
// directory holding go.mod) and returns <root>/../shared/letta when it holds
// the spec files, else ErrSpecsNotFound.
func FindDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("lettaspec: %w", err)
	}
	for d := wd; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			dir := filepath.Join(d, "..", "shared", "letta")
			if _, err := os.Stat(SpecFile(dir, New)); err != nil {
				return "", ErrSpecsNotFound
			}
			return filepath.Clean(dir), nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", ErrSpecsNotFound
		}
		d = parent
	}
}

// ForServerVersion returns the spec version to validate traffic of a Letta
// server release against: Old before 0.13 (no /v1/mcp-servers), else New.
func ForServerVersion(serverVersion string) string {
	var major, minor int
	if _, err := fmt.Sscanf(serverVersion, "%d.%d", &major, &minor); err == nil && (major == 0 && minor < 13) {
		return Old
	}
	return New
}

// Options tune a Validator.
type Options struct {
	// RequireAuth enforces the spec's global bearer requirement (an
	// Authorization: Bearer header), as Letta Cloud and --secure servers do.
	RequireAuth bool
	// RejectUnknownQuery fails requests carrying a query parameter the
	// operation does not declare (kin-openapi ignores them, and so does
	// Letta; use it to check a client). AllowQuery lists exceptions by
	// route ("GET /v1/agents/{agent_id}/tools") and parameter name.
	RejectUnknownQuery bool
	AllowQuery         map[string][]string
}

// Validator checks requests and responses against one spec version. It is
// safe for concurrent use (validation is serialised per document:
// kin-openapi's lazily compiled schemas are not documented as goroutine-safe).
type Validator struct {
	version string
	doc     *openapi3.T
	routes  []route
	opts    Options
	mu      *sync.Mutex // shared by every Validator of the same document
}

type route struct {
	method   string
	path     string
	segments []string
	item     *openapi3.PathItem
	op       *openapi3.Operation
}

var (
	cacheMu sync.Mutex
	cache   = map[string]*cacheEntry{}
)

type cacheEntry struct {
	once   sync.Once
	doc    *openapi3.T
	routes []route
	err    error
	mu     sync.Mutex
}

// Load returns a Validator for the spec of version in dir. The parsed
// document is cached per file for the life of the process (loading a 1.7 MB
// spec takes a few hundred milliseconds), so every test of a binary shares it.
func Load(dir, version string) (*Validator, error) {
	return LoadWithOptions(dir, version, Options{})
}

// LoadWithOptions is Load with options.
func LoadWithOptions(dir, version string, opts Options) (*Validator, error) {
	file := SpecFile(dir, version)
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, fmt.Errorf("lettaspec: %w", err)
	}
	cacheMu.Lock()
	e := cache[abs]
	if e == nil {
		e = &cacheEntry{}
		cache[abs] = e
	}
	cacheMu.Unlock()
	e.once.Do(func() {
		e.doc, e.err = loadDoc(abs)
		if e.err == nil {
			e.routes = buildRoutes(e.doc)
		}
	})
	if e.err != nil {
		return nil, e.err
	}
	return &Validator{version: version, doc: e.doc, routes: e.routes, opts: opts, mu: &e.mu}, nil
}

func loadDoc(file string) (*openapi3.T, error) {
	if _, err := os.Stat(file); err != nil {
		return nil, fmt.Errorf("lettaspec: %w", err)
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = true
	doc, err := loader.LoadFromFile(file)
	if err != nil {
		return nil, fmt.Errorf("lettaspec: load %s: %w", file, err)
	}
	// The files list Letta Cloud and localhost:8283 as servers; requests in
	// tests go to httptest servers, so match paths only.
	doc.Servers = nil
	return doc, nil
}

func buildRoutes(doc *openapi3.T) []route {
	var rs []route
	for p, item := range doc.Paths.Map() {
		for m, op := range item.Operations() {
			rs = append(rs, route{method: strings.ToUpper(m), path: p, segments: strings.Split(p, "/"), item: item, op: op})
		}
	}
	// Most specific first: at the first differing segment a literal beats a
	// parameter; then longer literal text; then path for determinism.
	sort.Slice(rs, func(i, j int) bool {
		a, b := rs[i].segments, rs[j].segments
		for k := 0; k < len(a) && k < len(b); k++ {
			pa, pb := isParam(a[k]), isParam(b[k])
			if pa != pb {
				return !pa
			}
		}
		if rs[i].path != rs[j].path {
			return rs[i].path < rs[j].path
		}
		return rs[i].method < rs[j].method
	})
	return rs
}

func isParam(seg string) bool {
	return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}")
}

// Version returns the spec version this validator checks against.
func (v *Validator) Version() string { return v.version }

// Doc returns the loaded document (shared; do not modify).
func (v *Validator) Doc() *openapi3.T { return v.doc }

// FindRoute returns the operation matching method and the escaped URL path,
// with the decoded path parameters. Paths match exactly: "/v1/agents" does
// not match "/v1/agents/" (Letta answers the former with a 307 redirect).
func (v *Validator) FindRoute(method, escapedPath string) (*routers.Route, map[string]string, error) {
	segs := strings.Split(escapedPath, "/")
	method = strings.ToUpper(method)
	pathMatched := false
	for _, r := range v.routes {
		if len(r.segments) != len(segs) {
			continue
		}
		params, ok := matchSegments(r.segments, segs)
		if !ok {
			continue
		}
		pathMatched = true
		if r.method != method {
			continue
		}
		return &routers.Route{Spec: v.doc, Path: r.path, PathItem: r.item, Method: r.method, Operation: r.op}, params, nil
	}
	if pathMatched {
		return nil, nil, fmt.Errorf("%w: method %s not allowed on %s (spec %s)", ErrNoRoute, method, escapedPath, v.version)
	}
	return nil, nil, fmt.Errorf("%w: %s %s (spec %s)", ErrNoRoute, method, escapedPath, v.version)
}

func matchSegments(tmpl, segs []string) (map[string]string, bool) {
	params := map[string]string{}
	for i, t := range tmpl {
		s := segs[i]
		if isParam(t) {
			if s == "" {
				return nil, false
			}
			dec, err := url.PathUnescape(s)
			if err != nil {
				return nil, false
			}
			params[t[1:len(t)-1]] = dec
			continue
		}
		if t != s {
			return nil, false
		}
	}
	return params, true
}

func (v *Validator) filterOptions() *openapi3filter.Options {
	o := &openapi3filter.Options{
		SkipSettingDefaults: true,
		MultiError:          true,
	}
	if !v.opts.RequireAuth {
		o.AuthenticationFunc = openapi3filter.NoopAuthenticationFunc
	} else {
		o.AuthenticationFunc = func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
			h := in.RequestValidationInput.Request.Header.Get("Authorization")
			if !strings.HasPrefix(h, "Bearer ") || len(h) == len("Bearer ") {
				return errors.New("missing bearer token")
			}
			return nil
		}
	}
	return o
}

func (v *Validator) requestInput(r *http.Request) (*openapi3filter.RequestValidationInput, error) {
	rt, params, err := v.FindRoute(r.Method, r.URL.EscapedPath())
	if err != nil {
		return nil, err
	}
	return &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: params,
		Route:      rt,
		Options:    v.filterOptions(),
	}, nil
}

// ValidateRequest checks r (method, path, path/query/header parameters and
// JSON body) against the spec. The body is read and put back, so a handler
// can still read it.
func (v *Validator) ValidateRequest(r *http.Request) error {
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			return fmt.Errorf("lettaspec: read body: %w", err)
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		defer func() { r.Body = io.NopCloser(bytes.NewReader(b)) }()
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	in, err := v.requestInput(r)
	if err != nil {
		return err
	}
	if v.opts.RejectUnknownQuery {
		if err := v.checkQueryNames(r, in.Route); err != nil {
			return err
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		return fmt.Errorf("lettaspec %s: %s %s: %w", v.version, r.Method, in.Route.Path, err)
	}
	return nil
}

func (v *Validator) checkQueryNames(r *http.Request, rt *routers.Route) error {
	declared := map[string]bool{}
	for _, ps := range []openapi3.Parameters{rt.PathItem.Parameters, rt.Operation.Parameters} {
		for _, p := range ps {
			if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
				declared[p.Value.Name] = true
			}
		}
	}
	for _, name := range v.opts.AllowQuery[rt.Method+" "+rt.Path] {
		declared[name] = true
	}
	var unknown []string
	for name := range r.URL.Query() {
		if !declared[name] {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("lettaspec %s: %s %s: undeclared query parameters %v", v.version, r.Method, rt.Path, unknown)
	}
	return nil
}

// ValidateResponse checks a response (status, headers, body) to request r
// against the spec. Statuses the operation does not document are accepted
// (Letta documents only 200 and 422); so are media types without a schema
// (text/event-stream).
func (v *Validator) ValidateResponse(r *http.Request, status int, header http.Header, body []byte) error {
	in, err := v.requestInput(r)
	if err != nil {
		return err
	}
	if header == nil {
		header = http.Header{}
	}
	rin := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Options:                in.Options,
	}
	rin.SetBodyBytes(body)
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := openapi3filter.ValidateResponse(r.Context(), rin); err != nil {
		return fmt.Errorf("lettaspec %s: response to %s %s: %w", v.version, r.Method, in.Route.Path, err)
	}
	return nil
}
