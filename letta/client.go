// Package letta is a small typed client for the Letta REST API, portable
// between Letta 0.11.7 (OLD) and 0.16.8 (NEW); see
// ../shared/reference/letta.md for the API it follows.
//
// Design notes:
//
//   - Version: the client asks GET /v1/health/ once (lazily, or at
//     DetectVersion) and picks routes by version: MCP servers through
//     /v1/mcp-servers/ from 0.13.0 on, through /v1/tools/mcp/servers before.
//     Options.ServerVersion pins a version and skips the probe.
//   - SDK switch (letta.md §9): NEW changes some answers for "v1 SDK"
//     callers. This client is deliberately a legacy caller: it always sends
//     a User-Agent of its own (default "odoo-mcp/<version>", which never
//     matches letta-client/1.x) and never sends X-Stainless-Package-Version.
//     NEW then behaves like OLD: GET /v1/agents/{id} carries the agent's
//     tools and blocks, attach/detach answer an AgentState. The client does
//     not rely on either (attach/detach bodies are ignored), and it streams
//     through /v1/agents/{id}/messages/stream, which serves every caller.
//     An empty User-Agent is never sent: Letta would take it for v1.
//   - Timeouts: the HTTP client has no overall timeout (it would cut
//     streams). Every non-stream call gets Options.Timeout; SendMessage gets
//     Options.MessageTimeout; a stream is bounded by its context and by
//     Options.StreamIdleTimeout between bytes.
//   - Errors: non-2xx answers are *APIError; transport failures are
//     *UnavailableError (errors.Is(err, ErrUnavailable)). Neither carries
//     the API key, headers or the query string.
package letta

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

// ClientVersion is the odoo-mcp version in the default User-Agent. The
// binary may set it at start-up (before New) or through the linker.
var ClientVersion = "dev"

// Defaults.
const (
	DefaultTimeout           = 30 * time.Second
	DefaultMessageTimeout    = 10 * time.Minute
	DefaultStreamIdleTimeout = 150 * time.Second // 3 × OLD's 50 s ping interval
)

// Options configure a Client. The zero value is usable.
type Options struct {
	// APIKey is sent as "Authorization: Bearer <APIKey>" (Letta Cloud key
	// or the password of a --secure self-hosted server). Never logged.
	APIKey string
	// Project is sent as the X-Project header (Letta Cloud project slug).
	Project string
	// HTTPClient replaces the default client (pooled keep-alive transport,
	// no overall timeout). Its Timeout, if any, also bounds streams.
	HTTPClient *http.Client
	// UserAgent defaults to "odoo-mcp/<ClientVersion>". Do not use
	// "letta-client/1.x": NEW would treat the client as a v1 SDK (§9).
	UserAgent string
	// Timeout bounds each non-stream call (default DefaultTimeout).
	Timeout time.Duration
	// MessageTimeout bounds SendMessage, which waits for the agent's whole
	// run (default DefaultMessageTimeout).
	MessageTimeout time.Duration
	// StreamIdleTimeout aborts a stream when no byte arrives for that long
	// (default DefaultStreamIdleTimeout; negative disables). Keep it above
	// Letta's ping interval (50 s OLD, 20 s NEW) when pings are on.
	StreamIdleTimeout time.Duration
	// ServerVersion pins the Letta version (e.g. "0.16.8") and skips the
	// GET /v1/health/ probe.
	ServerVersion string
	// ModelCacheTTL is how long ListModels results are reused to resolve
	// model settings (default 5 minutes; negative disables the cache).
	ModelCacheTTL time.Duration
	// Observe, when set, is told of every request: its HTTP method, the
	// status Letta answered (0: no answer) and how long it took. For metrics.
	Observe func(method string, status int, d time.Duration)
}

// Client talks to one Letta server. It is safe for concurrent use.
type Client struct {
	base *url.URL
	hc   *http.Client
	opts Options
	ua   string

	verMu sync.Mutex
	ver   *Version

	modelMu    sync.Mutex
	models     []Model
	modelsTime time.Time
}

// New returns a client for the Letta server at baseURL (e.g.
// "http://localhost:8283" or "https://api.letta.com"; a path prefix is
// kept, a trailing slash dropped).
func New(baseURL string, opts Options) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil {
		return nil, fmt.Errorf("letta: base URL: %w", redact.Error(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("letta: base URL %q: scheme must be http or https", redact.URL(u.String()))
	}
	if u.Host == "" {
		return nil, fmt.Errorf("letta: base URL %q: missing host", redact.URL(u.String()))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("letta: base URL %q: must not have a query or fragment", redact.URL(u.String()))
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	c := &Client{base: u, opts: opts, hc: opts.HTTPClient}
	if c.hc == nil {
		c.hc = &http.Client{Transport: NewTransport()}
	}
	if c.opts.Timeout <= 0 {
		c.opts.Timeout = DefaultTimeout
	}
	if c.opts.MessageTimeout <= 0 {
		c.opts.MessageTimeout = DefaultMessageTimeout
	}
	if c.opts.StreamIdleTimeout == 0 {
		c.opts.StreamIdleTimeout = DefaultStreamIdleTimeout
	}
	if c.opts.ModelCacheTTL == 0 {
		c.opts.ModelCacheTTL = 5 * time.Minute
	}
	c.ua = strings.TrimSpace(opts.UserAgent)
	if c.ua == "" {
		c.ua = "odoo-mcp/" + ClientVersion
	}
	if opts.ServerVersion != "" {
		v, err := ParseVersion(opts.ServerVersion)
		if err != nil {
			return nil, fmt.Errorf("letta: Options.ServerVersion: %w", err)
		}
		c.ver = &v
	}
	return c, nil
}

// NewTransport returns the default transport: keep-alive pooling, dial and
// TLS handshake timeouts, and no response-header timeout (a non-stream
// message call answers only when the agent's run is over).
func NewTransport() *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// BaseURL returns the server's base URL (without credentials).
func (c *Client) BaseURL() string { return redact.URL(c.base.String()) }

// Health is the answer of GET /v1/health/.
type Health struct {
	Version string `json:"version"`
	Status  string `json:"status"`
}

// Health calls GET /v1/health/ (no auth needed even on secure servers) and
// records the version for routing.
func (c *Client) Health(ctx context.Context) (*Health, error) {
	var h Health
	if err := c.do(ctx, http.MethodGet, "/v1/health/", nil, nil, &h); err != nil {
		return nil, err
	}
	if v, err := ParseVersion(h.Version); err == nil && c.opts.ServerVersion == "" {
		c.verMu.Lock()
		c.ver = &v
		c.verMu.Unlock()
	}
	return &h, nil
}

// DetectVersion returns the server's version, probing GET /v1/health/ the
// first time (a failed probe is retried on the next call).
func (c *Client) DetectVersion(ctx context.Context) (Version, error) {
	c.verMu.Lock()
	v := c.ver
	c.verMu.Unlock()
	if v != nil {
		return *v, nil
	}
	h, err := c.Health(ctx)
	if err != nil {
		return Version{}, fmt.Errorf("letta: detect version: %w", err)
	}
	pv, err := ParseVersion(h.Version)
	if err != nil {
		return Version{}, fmt.Errorf("letta: detect version: %w", err)
	}
	return pv, nil
}

// Version is a Letta release number.
type Version struct {
	Major, Minor, Patch int
	Raw                 string
}

// ParseVersion parses "0.16.8" (also "v0.16.8", "0.16.8rc1", "0.16").
func ParseVersion(s string) (Version, error) {
	raw := s
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	var nums [3]int
	parts := strings.SplitN(s, ".", 3)
	if len(parts) < 2 {
		return Version{}, fmt.Errorf("letta: bad version %q", raw)
	}
	for i, p := range parts {
		n, digits := 0, 0
		for _, r := range p {
			if r < '0' || r > '9' {
				break
			}
			n = n*10 + int(r-'0')
			digits++
		}
		if digits == 0 {
			return Version{}, fmt.Errorf("letta: bad version %q", raw)
		}
		nums[i] = n
	}
	return Version{Major: nums[0], Minor: nums[1], Patch: nums[2], Raw: raw}, nil
}

// AtLeast reports whether v >= major.minor.patch.
func (v Version) AtLeast(major, minor, patch int) bool {
	if v.Major != major {
		return v.Major > major
	}
	if v.Minor != minor {
		return v.Minor > minor
	}
	return v.Patch >= patch
}

func (v Version) String() string {
	if v.Raw != "" {
		return v.Raw
	}
	return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
}

// HasMCPServersAPI reports whether /v1/mcp-servers/ exists (0.13.0+).
func (v Version) HasMCPServersAPI() bool { return v.AtLeast(0, 13, 0) }

// HasModelSettings reports whether agents take model_settings and
// context_window_limit on update (NEW API, taken as 0.13.0+ like the MCP
// server routes; both are in the 0.16.8 spec and absent from 0.11.7).
func (v Version) HasModelSettings() bool { return v.AtLeast(0, 13, 0) }

// TokenStreamsWholeToolArguments reports whether Letta's token streaming
// carries a tool call's arguments as JSON fragments that join into the
// call's arguments. Real Letta 0.11.7 does not (e2e/realletta): its
// inner-thoughts extractor (memgpt_v2_agent, arguments in kwargs) quotes
// and reorders non-string values, so the joined fragments of
// {"fields":["name"],"limit":2,"model":"res.partner"} read
// {"fields":"[name","limit":"2,model""res.partner":"true}. 0.16's
// letta_v1_agent streams them whole (checked on 0.16.6 and 0.16.8); the
// versions between were not run, so they are treated as 0.11.
func (v Version) TokenStreamsWholeToolArguments() bool { return v.AtLeast(0, 16, 0) }

// BlocksPrivateMCPURLs reports whether the server refuses private MCP URLs
// (0.16.7+, letta.md §1.1).
func (v Version) BlocksPrivateMCPURLs() bool { return v.AtLeast(0, 16, 7) }

// ---- request plumbing ----

// escapedPath builds a path from a format whose %s verbs take path segments
// (ids, names), escaping each.
func escapedPath(format string, segs ...string) string {
	args := make([]any, len(segs))
	for i, s := range segs {
		args[i] = url.PathEscape(s)
	}
	return fmt.Sprintf(format, args...)
}

func (c *Client) newRequest(ctx context.Context, method, path string, q url.Values, body any) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("letta: %s %s: encode body: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	// Build the URL with the escaped path kept as is (ids and names are
	// escaped segment by segment).
	u := *c.base
	u.RawPath = c.base.EscapedPath() + path
	p, err := url.PathUnescape(u.RawPath)
	if err != nil {
		return nil, fmt.Errorf("letta: bad path %q: %w", path, err)
	}
	u.Path = p
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("letta: %s %s: %w", method, path, err)
	}
	req.Header.Set("User-Agent", c.ua)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.opts.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.opts.APIKey)
	}
	if c.opts.Project != "" {
		req.Header.Set("X-Project", c.opts.Project)
	}
	return req, nil
}

// send performs req and turns transport failures and non-2xx answers into
// typed errors. On success the caller owns resp.Body.
func (c *Client) send(req *http.Request, path string) (*http.Response, error) {
	start := time.Now()
	resp, err := c.hc.Do(req)
	if c.opts.Observe != nil {
		status := 0
		if err == nil {
			status = resp.StatusCode
		}
		c.opts.Observe(req.Method, status, time.Since(start))
	}
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			// Caller's cancellation or our per-call timeout: still a failure to
			// get an answer from Letta, but keep the context error visible.
			return nil, &UnavailableError{Method: req.Method, Path: path, Err: ctxErr}
		}
		return nil, &UnavailableError{Method: req.Method, Path: path, Err: unwrapURLError(err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		b, rerr := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		if rerr != nil && len(b) == 0 {
			return nil, &UnavailableError{Method: req.Method, Path: path, Err: rerr}
		}
		return nil, newAPIError(req.Method, path, resp.StatusCode, b)
	}
	return resp, nil
}

// unwrapURLError drops *url.Error's "Get <full URL>:" prefix (the path is
// reported separately and the query must not be).
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

// do runs a JSON call with the per-call timeout; out may be nil.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body, out any) error {
	return c.doTimeout(ctx, c.opts.Timeout, method, path, q, body, out)
}

// doInto is do for a call whose answer is one T.
func doInto[T any](ctx context.Context, c *Client, method, path string, q url.Values, body any) (*T, error) {
	var v T
	if err := c.do(ctx, method, path, q, body, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

func (c *Client) doTimeout(ctx context.Context, timeout time.Duration, method, path string, q url.Values, body, out any) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := c.newRequest(ctx, method, path, q, body)
	if err != nil {
		return err
	}
	resp, err := c.send(req, path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return &UnavailableError{Method: method, Path: path, Err: err}
	}
	if out == nil || resp.StatusCode == http.StatusNoContent || len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("letta: %s %s: decode response: %w", method, path, err)
	}
	return nil
}

// listAll pages through a cursor-paginated list (after = id of the last
// item, as Letta and its v1 SDK do) until a page shorter than the limit
// asked, or one that brings no new id (loop guard against servers that
// ignore the cursor). A short page is the last: Letta refuses a limit over
// its bound (422) rather than answering fewer items, so a lookup that finds
// one agent costs one request, not two.
func listAll[T any](ctx context.Context, c *Client, path string, q url.Values, pageSize int, id func(T) string) ([]T, error) {
	var all []T
	seen := map[string]bool{}
	after := ""
	for page := 0; page < 10000; page++ {
		qq := url.Values{}
		for k, v := range q {
			qq[k] = v
		}
		qq.Set("limit", fmt.Sprint(pageSize))
		if after != "" {
			qq.Set("after", after)
		}
		var items []T
		if err := c.do(ctx, http.MethodGet, path, qq, nil, &items); err != nil {
			return nil, err
		}
		fresh := 0
		for _, it := range items {
			k := id(it)
			if seen[k] {
				continue
			}
			seen[k] = true
			fresh++
			all = append(all, it)
		}
		if len(items) < pageSize || fresh == 0 {
			return all, nil
		}
		after = id(items[len(items)-1])
		if after == "" {
			return all, nil
		}
	}
	return all, fmt.Errorf("letta: GET %s: too many pages", path)
}
