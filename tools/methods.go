package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"regexp"
	"sort"
	"strings"

	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// Odoo 19 describes each model's public methods to API-key callers
// (/doc-bearer/<model>.json, reference §9.1). The inspector lists them and
// the executor uses their parameter names to bind positional arguments
// over JSON-2, which binds by name only.

// docer is implemented by Odoo clients that can fetch Odoo 19's model
// descriptions (odoorpc.Client does).
type docer interface {
	ModelDoc(ctx context.Context, cred odoorpc.Credentials, model string) (json.RawMessage, error)
}

// protocoler is implemented by Odoo clients that say which API they speak.
type protocoler interface {
	Protocol(ctx context.Context) (odoorpc.Protocol, error)
}

// methodParam is one parameter of a described method.
type methodParam struct {
	Name       string          `json:"name"`
	Default    json.RawMessage `json:"default,omitempty"`
	Annotation string          `json:"annotation,omitempty"`
	Kind       string          `json:"kind,omitempty"` // KEYWORD_ONLY, VAR_KEYWORD, VAR_POSITIONAL; empty: positional or keyword
	Doc        string          `json:"doc,omitempty"`
}

// methodEntry is one method as the inspector lists it: a standard ORM
// method (16-18, or when Odoo would not describe its methods), or a method
// as Odoo 19 describes it.
type methodEntry struct {
	Name       string        `json:"name"`
	MethodType string        `json:"method_type"` // "model" (no records) or "instance" (on record_ids)
	Signature  string        `json:"signature"`
	Docstring  string        `json:"docstring"`
	Parameters []methodParam `json:"parameters,omitempty"`
	Returns    string        `json:"returns,omitempty"`
	Module     string        `json:"module,omitempty"`
}

// positional are the parameter names positional arguments bind to, in
// order: keyword-only and variadic parameters take none.
func (m methodEntry) positional() []string {
	names := []string{}
	for _, p := range m.Parameters {
		if p.Kind != "" {
			break
		}
		names = append(names, p.Name)
	}
	return names
}

// modelMethods is the cached outcome of one description request: the
// methods sorted by name, or why there are none.
type modelMethods struct {
	methods []methodEntry
	err     error
}

// methodsOf returns the public methods of model as Odoo 19 describes them
// to the caller, cached per database, user and model like fields (a
// refusal too, so that a user outside the Technical Documentation group
// does not ask again on every call). odoorpc.ErrNoModelDoc means Odoo
// before 19.
func (e *env) methodsOf(ctx context.Context, c Caller, model string) ([]methodEntry, error) {
	d, ok := e.Odoo.(docer)
	if !ok {
		return nil, odoorpc.ErrNoModelDoc
	}
	key := fmt.Sprintf("doc\x00%s\x00%d\x00%s", c.DB, c.UID, model)
	if v, ok := e.fields.Get(key); ok {
		mm := v.(modelMethods)
		return mm.methods, mm.err
	}
	raw, err := d.ModelDoc(ctx, c.Credentials, model)
	if err != nil {
		// Refusals and a missing api_doc module last: remember them too.
		if errors.Is(err, odoorpc.ErrAccessError) || errors.Is(err, odoorpc.ErrAccessDenied) || errors.Is(err, odoorpc.ErrNoModelDoc) {
			e.fields.Set(key, modelMethods{err: err}, e.FieldsTTL)
		}
		return nil, err
	}
	methods, err := parseModelDoc(raw)
	if err != nil {
		return nil, err
	}
	e.fields.Set(key, modelMethods{methods: methods}, e.FieldsTTL)
	return methods, nil
}

// rawDoc is the part of a /doc-bearer/<model>.json answer odoo-mcp reads.
// Parameters keep their order, which is the signature's.
type rawDoc struct {
	Methods map[string]struct {
		Signature  string          `json:"signature"`
		Parameters json.RawMessage `json:"parameters"`
		Return     *struct {
			Annotation string `json:"annotation"`
		} `json:"return"`
		API    []string `json:"api"`
		Doc    string   `json:"doc"`
		Module string   `json:"module"`
	} `json:"methods"`
}

func parseModelDoc(raw json.RawMessage) ([]methodEntry, error) {
	var doc rawDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%w: model description: %v", odoorpc.ErrProtocol, err)
	}
	out := make([]methodEntry, 0, len(doc.Methods))
	for name, m := range doc.Methods {
		entry := methodEntry{Name: name, MethodType: "instance", Signature: name + m.Signature, Docstring: htmlText(m.Doc, 400), Module: m.Module}
		for _, a := range m.API {
			if a == "model" {
				entry.MethodType = "model"
			}
		}
		if m.Return != nil {
			entry.Returns = m.Return.Annotation
		}
		params, err := orderedParams(m.Parameters)
		if err != nil {
			return nil, fmt.Errorf("%w: parameters of %s: %v", odoorpc.ErrProtocol, name, err)
		}
		entry.Parameters = params
		out = append(out, entry)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// orderedParams decodes the parameters object in document order (a Go map
// would lose the order, which is how positional arguments bind).
func orderedParams(raw json.RawMessage) ([]methodParam, error) {
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not an object")
	}
	var out []methodParam
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var p struct {
			Default    json.RawMessage `json:"default"`
			Annotation string          `json:"annotation"`
			Kind       string          `json:"kind"`
			Doc        string          `json:"doc"`
		}
		if err := dec.Decode(&p); err != nil {
			return nil, err
		}
		kind := p.Kind
		if kind == "POSITIONAL_OR_KEYWORD" {
			kind = ""
		}
		out = append(out, methodParam{Name: tok.(string), Default: p.Default, Annotation: p.Annotation, Kind: kind, Doc: htmlText(p.Doc, 200)})
	}
	return out, nil
}

var (
	htmlTag    = regexp.MustCompile(`<[^>]*>`)
	whitespace = regexp.MustCompile(`\s+`)
)

// htmlText turns a docstring rendered as HTML into one line of text, cut
// at max characters: agents need the gist, not the markup.
func htmlText(s string, max int) string {
	s = html.UnescapeString(htmlTag.ReplaceAllString(s, " "))
	s = strings.TrimSpace(whitespace.ReplaceAllString(s, " "))
	if r := []rune(s); len(r) > max {
		s = strings.TrimSpace(string(r[:max])) + "…"
	}
	return s
}

// argNames gives the names positional arguments of a method call bind to
// over JSON-2: nil when no naming is needed (no args, JSON-RPC, or a
// standard ORM method odoorpc names itself).
func (e *env) argNames(ctx context.Context, c Caller, model, method string, nargs int) ([]string, error) {
	if nargs == 0 {
		return nil, nil
	}
	if _, ok := odoorpc.StandardParameters(method); ok {
		return nil, nil
	}
	p, ok := e.Odoo.(protocoler)
	if !ok {
		return nil, nil
	}
	proto, err := p.Protocol(ctx)
	if err != nil || proto != odoorpc.ProtocolJSON2 {
		return nil, err
	}
	methods, err := e.methodsOf(ctx, c, model)
	if err != nil {
		var oe *odoorpc.Error
		reason := err.Error()
		if errors.As(err, &oe) {
			reason = odooErrorText(oe)
		}
		return nil, fmt.Errorf("this Odoo (19 or later, JSON-2) binds method parameters by name, and could not describe %s's methods to map args to them (%s): pass the arguments in kwargs", model, reason)
	}
	for _, m := range methods {
		if m.Name != method {
			continue
		}
		names := m.positional()
		if nargs > len(names) {
			return nil, argErrorf("%s.%s takes at most %d positional arguments (%s); pass the others in kwargs", model, method, len(names), strings.Join(names, ", "))
		}
		return names[:nargs], nil
	}
	return nil, &odoorpc.Error{Kind: odoorpc.ErrUnknownMethod, Model: model, Method: method}
}
