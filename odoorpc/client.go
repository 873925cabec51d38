// Package odoorpc is a small client for Odoo's external APIs: JSON-RPC
// (/jsonrpc, Odoo 16 to 18 and still served by 19) and JSON-2
// (/json/2/<model>/<method>, Odoo 19 and later). Every call runs as the
// credentials it is given, so Odoo's access rights and record rules apply.
package odoorpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/odoo-mcp/odoo-mcp/internal/redact"
)

// Protocol names one of Odoo's external APIs.
type Protocol string

const (
	ProtocolAuto    Protocol = "auto"    // pick by the version common.version reports
	ProtocolJSONRPC Protocol = "jsonrpc" // /jsonrpc, object.execute_kw
	ProtocolJSON2   Protocol = "json2"   // /json/2/<model>/<method>, bearer key
)

// ParseProtocol accepts the values of ODOO_PROTOCOL.
func ParseProtocol(s string) (Protocol, error) {
	switch p := Protocol(strings.ToLower(strings.TrimSpace(s))); p {
	case "", ProtocolAuto:
		return ProtocolAuto, nil
	case ProtocolJSONRPC, ProtocolJSON2:
		return p, nil
	case "json-2":
		return ProtocolJSON2, nil
	case "json-rpc":
		return ProtocolJSONRPC, nil
	}
	return "", fmt.Errorf("unknown Odoo protocol %q: use auto, jsonrpc or json2", s)
}

// Config says where Odoo is and how to talk to it.
type Config struct {
	URL      string // base URL, e.g. http://localhost:8069
	DB       string // database name; always sent
	Protocol Protocol
	// Timeout bounds every call; the caller's context can only shorten it.
	Timeout time.Duration
	// MaxResponseBytes bounds a response body; larger answers fail with ErrProtocol.
	MaxResponseBytes int64
	UserAgent        string
	// HTTPClient overrides the pooled client (tests, custom TLS).
	HTTPClient *http.Client
	// Observe, when set, is told of every request to Odoo: the method
	// (ORM method, or common.* for the common service), how long it took
	// and its error (label it with Outcome). For metrics.
	Observe func(method string, d time.Duration, err error)
}

// Defaults for Config fields left zero.
const (
	DefaultTimeout          = 30 * time.Second
	DefaultMaxResponseBytes = 32 << 20
)

// Client talks to one Odoo database. It is safe for concurrent use and keeps
// one pooled HTTP client, so connections are reused across calls.
type Client struct {
	base    string
	shown   string // base without its password, for messages
	db      string
	timeout time.Duration
	maxBody int64
	ua      string
	http    *http.Client

	observe    func(method string, d time.Duration, err error)
	configured Protocol
	mu         sync.Mutex
	resolved   Protocol // set once auto detection succeeded
	version    *ServerVersion
}

// New checks the configuration and builds a client. It does not contact Odoo.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(cfg.URL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("odoo URL %q must be an absolute http(s) URL", redact.URL(cfg.URL))
	}
	if cfg.DB == "" {
		return nil, errors.New("odoo database name is required")
	}
	p, err := ParseProtocol(string(cfg.Protocol))
	if err != nil {
		return nil, err
	}
	c := &Client{
		base:       u.String(),
		shown:      redact.URL(u.String()),
		db:         cfg.DB,
		timeout:    cfg.Timeout,
		maxBody:    cfg.MaxResponseBytes,
		ua:         cfg.UserAgent,
		http:       cfg.HTTPClient,
		configured: p,
		observe:    cfg.Observe,
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.maxBody <= 0 {
		c.maxBody = DefaultMaxResponseBytes
	}
	if c.ua == "" {
		c.ua = "odoo-mcp"
	}
	if c.http == nil {
		c.http = &http.Client{Transport: NewTransport()}
	}
	if p != ProtocolAuto {
		c.resolved = p
	}
	return c, nil
}

// NewTransport returns the pooled transport the client uses by default:
// keep-alive with enough idle connections per host for a busy server.
func NewTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 128
	t.IdleConnTimeout = 90 * time.Second
	t.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.ResponseHeaderTimeout = 0 // bounded by the per-call context instead
	return t
}

// CloseIdleConnections drops the kept-alive connections to Odoo that are
// not in use (the server calls it after a quiet spell, to shrink).
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// DB is the database every call goes to.
func (c *Client) DB() string { return c.db }

// URL is Odoo's base URL as it may be shown: a password in it is masked.
func (c *Client) URL() string { return c.shown }

// ServerVersion is what common.version reports.
type ServerVersion struct {
	ServerVersion     string `json:"server_version"`
	ServerVersionInfo []any  `json:"server_version_info"`
	ServerSerie       string `json:"server_serie"`
	ProtocolVersion   int    `json:"protocol_version"`
}

// Major is the major version number (16, 17, 18, 19, ...), 0 when unknown.
func (v ServerVersion) Major() int {
	if len(v.ServerVersionInfo) > 0 {
		if f, ok := v.ServerVersionInfo[0].(float64); ok {
			return int(f)
		}
	}
	var major int
	// "saas~18.4" and "18.0+e-20241002" both start their number after any prefix.
	s := v.ServerVersion
	if i := strings.IndexAny(s, "0123456789"); i >= 0 {
		fmt.Sscanf(s[i:], "%d", &major)
	}
	return major
}

// Version asks Odoo for its version (common.version, no authentication).
func (c *Client) Version(ctx context.Context) (ServerVersion, error) {
	var v ServerVersion
	raw, err := c.jsonrpc(ctx, "common", "version", []any{})
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("%w: common.version: %v", ErrProtocol, err)
	}
	if v.ServerVersion == "" {
		return v, fmt.Errorf("%w: common.version answered without a server_version, which does not look like Odoo", ErrProtocol)
	}
	return v, nil
}

// Protocol returns the API in use, detecting it on first use when configured
// as auto. A failed detection is retried on the next call.
func (c *Client) Protocol(ctx context.Context) (Protocol, error) {
	c.mu.Lock()
	p := c.resolved
	c.mu.Unlock()
	if p != "" {
		return p, nil
	}
	v, err := c.Version(ctx)
	if err != nil {
		return "", err
	}
	p = ProtocolJSONRPC
	if v.Major() >= 19 {
		p = ProtocolJSON2
	}
	c.mu.Lock()
	c.resolved, c.version = p, &v
	c.mu.Unlock()
	return p, nil
}

// Major returns Odoo's major version (16, 17, 18, 19, ...), asking
// common.version once and remembering the answer (auto protocol detection
// already asked). Tools that call different methods per version use it.
func (c *Client) Major(ctx context.Context) (int, error) {
	c.mu.Lock()
	v := c.version
	c.mu.Unlock()
	if v != nil {
		return v.Major(), nil
	}
	got, err := c.Version(ctx)
	if err != nil {
		return 0, err
	}
	c.mu.Lock()
	c.version = &got
	c.mu.Unlock()
	return got.Major(), nil
}

// Credentials identify the Odoo user a call runs as. JSON-RPC needs the uid
// and the key (or password); JSON-2 needs the key alone.
type Credentials struct {
	UID int64
	Key string
}

// Call is one ORM method call. IDs nil means a model-level (@api.model)
// call; otherwise the method runs on those records.
type Call struct {
	Model  string
	Method string
	IDs    []int64
	Args   []any          // positional arguments after the ids
	Kwargs map[string]any // named arguments
	// ArgNames names the positional parameters of Method, in order, for
	// JSON-2, which binds by name only: taken from Odoo 19's method
	// description (ModelDoc). Nil uses the standard ORM methods' names.
	ArgNames []string
	Context  map[string]any // Odoo context: lang, tz, allowed_company_ids, ...
}

// Execute runs the call as cred and returns Odoo's result as raw JSON. A
// method that returns nothing yields the JSON literal null.
func (c *Client) Execute(ctx context.Context, cred Credentials, call Call) (json.RawMessage, error) {
	p, err := c.Protocol(ctx)
	if err != nil {
		return nil, err
	}
	var raw json.RawMessage
	start := time.Now()
	if p == ProtocolJSON2 {
		raw, err = c.json2(ctx, cred.Key, call)
	} else {
		raw, err = c.executeKW(ctx, cred, call)
	}
	c.observed(call.Method, start, err)
	var oe *Error
	if errors.As(err, &oe) {
		oe.Model, oe.Method = call.Model, call.Method
	}
	return raw, c.withScopeHint(ctx, err)
}

func (c *Client) observed(method string, start time.Time, err error) {
	if c.observe != nil {
		c.observe(method, time.Since(start), err)
	}
}

// Outcome labels an error of this package for metrics: ok, odoo_error
// (Odoo answered with an exception), unavailable, protocol_error or
// canceled.
func Outcome(err error) string {
	var oe *Error
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &oe):
		return "odoo_error"
	case errors.Is(err, ErrUnavailable):
		return "unavailable"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "protocol_error"
}

// Authenticate checks login and key (or password) with common.authenticate
// and returns the uid. Odoo answers false for every wrong credential, which
// becomes ErrAccessDenied.
func (c *Client) Authenticate(ctx context.Context, login, key string) (int64, error) {
	raw, err := c.jsonrpc(ctx, "common", "authenticate", []any{c.db, login, key, map[string]any{}})
	if err != nil {
		return 0, err
	}
	var uid int64
	if err := json.Unmarshal(raw, &uid); err != nil || uid <= 0 {
		return 0, c.withScopeHint(ctx, &Error{Kind: ErrAccessDenied, Name: "odoo.exceptions.AccessDenied", Message: "Access Denied"})
	}
	return uid, nil
}

// WhoAmI identifies the owner of an API key through JSON-2
// (res.users/context_get), which only Odoo 19 and later offer.
func (c *Client) WhoAmI(ctx context.Context, key string) (uid int64, userContext map[string]any, err error) {
	start := time.Now()
	raw, err := c.json2(ctx, key, Call{Model: "res.users", Method: "context_get"})
	c.observed("context_get", start, err)
	if err != nil {
		return 0, nil, c.withScopeHint(ctx, err)
	}
	if err := json.Unmarshal(raw, &userContext); err != nil {
		return 0, nil, fmt.Errorf("%w: context_get: %v", ErrProtocol, err)
	}
	f, _ := userContext["uid"].(float64)
	if f <= 0 {
		return 0, nil, fmt.Errorf("%w: context_get returned no uid", ErrProtocol)
	}
	return int64(f), userContext, nil
}

// post sends one JSON request, whose body encode appends to the buffer
// it is given, and returns the response body, bounded in size. Transport
// failures become *UnavailableError.
func (c *Client) post(ctx context.Context, path string, encode func([]byte) ([]byte, error), header func(http.Header)) (int, http.Header, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	// Not pooled: the transport may still read a request body after Do
	// returns (a server that answers before reading it all), so a reused
	// buffer could be overwritten under it.
	body, err := encode(make([]byte, 0, 512))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("encode request: %w", err)
	}
	// A newline ends the body, as json.Encoder wrote it.
	body = append(body, '\n')
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.ua)
	if header != nil {
		header(req.Header)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled) {
			return 0, nil, nil, ctx.Err()
		}
		return 0, nil, nil, &UnavailableError{Op: "POST " + path, Err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return 0, nil, nil, &UnavailableError{Op: "POST " + path, Err: fmt.Errorf("reading the response: %w", unwrapURLError(err))}
	}
	if int64(len(data)) > c.maxBody {
		return 0, nil, nil, fmt.Errorf("%w: POST %s: response larger than %d bytes", ErrProtocol, path, c.maxBody)
	}
	// Gateways in front of Odoo answer 502-504 with HTML: Odoo itself is not there.
	if resp.StatusCode >= 502 && resp.StatusCode <= 504 && !isJSON(resp.Header) {
		return 0, nil, nil, &UnavailableError{Op: "POST " + path, Err: fmt.Errorf("HTTP %s", resp.Status)}
	}
	return resp.StatusCode, resp.Header, data, nil
}

func isJSON(h http.Header) bool {
	return strings.Contains(strings.ToLower(h.Get("Content-Type")), "json")
}

// unwrapURLError drops *url.Error's "Post <url>:" prefix, which repeats the
// address in every message.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return fmt.Errorf("timed out: %w", ue.Err)
		}
		return ue.Err
	}
	return err
}

// withScopeHint adds ScopeHint to a refused credential on Odoo 20 and
// later. With a configured protocol the version may not be known yet: it
// is asked for then (refusals are rare, and then worth one request).
func (c *Client) withScopeHint(ctx context.Context, err error) error {
	var oe *Error
	if !errors.As(err, &oe) || !errors.Is(oe.Kind, ErrAccessDenied) || oe.Name == "" {
		return err // not a refusal by Odoo (a key refused before sending has no name)
	}
	if major, verr := c.Major(ctx); verr == nil && major >= 20 {
		oe.Hint = ScopeHint
	}
	return err
}
