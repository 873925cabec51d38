package odoorpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

type json2Error struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

// json2 runs a Call through POST /json/2/<model>/<method>. Parameters are
// bound by name: ids and context are reserved keys beside the kwargs.
func (c *Client) json2(ctx context.Context, key string, call Call) (json.RawMessage, error) {
	if !validHeaderValue(key) {
		// The HTTP client would refuse the header, which would read as
		// Odoo being unreachable: it is the caller's credential that is bad.
		return nil, &Error{Kind: ErrAccessDenied, Message: "the API key contains a character an HTTP header cannot carry (a control character such as a newline)"}
	}
	body, err := json2Body(call)
	if err != nil {
		return nil, err
	}
	path := "/json/2/" + url.PathEscape(call.Model) + "/" + url.PathEscape(call.Method)
	status, header, data, err := c.post(ctx, path, func(dst []byte) ([]byte, error) { return appendJSON(dst, body) }, func(h http.Header) {
		h.Set("Authorization", "bearer "+key)
		h.Set("X-Odoo-Database", c.db)
	})
	if err != nil {
		return nil, err
	}
	return decodeJSON2(status, header, data)
}

// json2Body is the JSON-2 request body of call.
func json2Body(call Call) (map[string]any, error) {
	body := make(map[string]any, len(call.Kwargs)+len(call.Args)+2)
	for k, v := range call.Kwargs {
		body[k] = v
	}
	if err := nameArguments(call, body); err != nil {
		return nil, err
	}
	if call.IDs != nil {
		body["ids"] = call.IDs
	}
	if len(call.Context) > 0 {
		body["context"] = call.Context
	}
	return body, nil
}

func decodeJSON2(status int, header http.Header, data []byte) (json.RawMessage, error) {
	if status == http.StatusOK {
		if !json.Valid(data) {
			return nil, fmt.Errorf("%w: JSON-2 answered with invalid JSON", ErrProtocol)
		}
		return data, nil
	}
	if !isJSON(header) {
		switch {
		case status == http.StatusNotFound:
			// An unknown X-Odoo-Database gets Odoo's HTML 404 page.
			return nil, &Error{Kind: ErrDatabaseNotFound, Status: status, Message: "no database matches X-Odoo-Database, or JSON-2 is not available"}
		case status >= 300 && status < 400:
			// Odoo 18 and older redirect /json/2 to the login page.
			return nil, fmt.Errorf("%w: JSON-2 is not available on this Odoo (HTTP %d); use ODOO_PROTOCOL=jsonrpc", ErrProtocol, status)
		}
		return nil, fmt.Errorf("%w: JSON-2 answered HTTP %d: %s", ErrProtocol, status, snippet(data))
	}
	var e json2Error
	if err := json.Unmarshal(data, &e); err != nil || e.Name == "" {
		return nil, fmt.Errorf("%w: JSON-2 answered HTTP %d: %s", ErrProtocol, status, snippet(data))
	}
	return nil, classify(e.Name, e.Message, status)
}

// ormParameters are the parameter names of the standard ORM methods, in
// signature order (Odoo 19), so that positional arguments written for
// execute_kw also work over JSON-2, which binds by name only.
var ormParameters = map[string][]string{
	"create":       {"vals_list"},
	"write":        {"vals"},
	"read":         {"fields", "load"},
	"search":       {"domain", "offset", "limit", "order"},
	"search_read":  {"domain", "fields", "offset", "limit", "order"},
	"search_count": {"domain", "limit"},
	"fields_get":   {"allfields", "attributes"},
	"name_search":  {"name", "domain", "operator", "limit"},
	"default_get":  {"fields"}, // fields_list before 19
	"copy":         {"default"},
	"read_group":   {"domain", "fields", "groupby", "offset", "limit", "orderby", "lazy"},
}

// StandardParameters returns the parameter names of a standard ORM
// method, which JSON-2 calls get without asking Odoo.
func StandardParameters(method string) ([]string, bool) {
	names, ok := ormParameters[method]
	return names, ok
}

// nameArguments moves positional arguments into body under their names.
func nameArguments(call Call, body map[string]any) error {
	if len(call.Args) == 0 {
		return nil
	}
	names, ok := ormParameters[call.Method]
	if call.ArgNames != nil {
		names, ok = call.ArgNames, true
	}
	if !ok {
		return ErrNamedArgumentsOnly
	}
	if len(call.Args) > len(names) {
		return fmt.Errorf("%w: %s takes at most %d positional arguments (%v)", ErrInvalidArguments, call.Method, len(names), names)
	}
	for i, v := range call.Args {
		if _, dup := body[names[i]]; dup {
			return fmt.Errorf("%w: %s got %q both by position and by name", ErrInvalidArguments, call.Method, names[i])
		}
		body[names[i]] = v
	}
	return nil
}

// validHeaderValue reports whether v can be sent as an HTTP header value
// (RFC 9110: no control character but tab, no DEL).
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; (b < 0x20 && b != '\t') || b == 0x7f {
			return false
		}
	}
	return true
}

// ErrNoModelDoc is returned when Odoo serves no method descriptions: Odoo
// before 19, or the api_doc route missing.
var ErrNoModelDoc = errors.New("odoo serves no method descriptions (/doc-bearer/ needs Odoo 19 or later)")

// ModelDoc fetches Odoo 19's description of a model (GET
// /doc-bearer/<model>.json, the api_doc module): its fields and its public
// methods with their parameters and docstrings. Only API keys of users in
// the Technical Documentation group may read it; others get an
// ErrAccessError with Odoo's message. An unknown model is ErrUnknownModel.
func (c *Client) ModelDoc(ctx context.Context, cred Credentials, model string) (json.RawMessage, error) {
	start := time.Now()
	raw, err := c.modelDoc(ctx, cred.Key, model)
	c.observed("doc", start, err)
	var oe *Error
	if errors.As(err, &oe) {
		oe.Model = model
	}
	return raw, err
}

func (c *Client) modelDoc(ctx context.Context, key, model string) (json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	path := "/doc-bearer/" + url.PathEscape(model) + ".json"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.ua)
	req.Header.Set("Authorization", "bearer "+key)
	req.Header.Set("X-Odoo-Database", c.db)
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled) {
			return nil, ctx.Err()
		}
		return nil, &UnavailableError{Op: "GET " + path, Err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return nil, &UnavailableError{Op: "GET " + path, Err: fmt.Errorf("reading the response: %w", unwrapURLError(err))}
	}
	if int64(len(data)) > c.maxBody {
		return nil, fmt.Errorf("%w: GET %s: response larger than %d bytes", ErrProtocol, path, c.maxBody)
	}
	switch {
	case resp.StatusCode >= 502 && resp.StatusCode <= 504 && !isJSON(resp.Header):
		return nil, &UnavailableError{Op: "GET " + path, Err: fmt.Errorf("HTTP %s", resp.Status)}
	case resp.StatusCode != http.StatusOK && !isJSON(resp.Header):
		// 18 and older: an HTML 404 page, or a redirect to the login page
		return nil, ErrNoModelDoc
	case resp.StatusCode == http.StatusNotFound:
		return nil, &Error{Kind: ErrUnknownModel, Status: resp.StatusCode, Name: "werkzeug.exceptions.NotFound"}
	}
	return decodeJSON2(resp.StatusCode, resp.Header, data)
}
