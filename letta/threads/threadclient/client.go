// Package threadclient is a client of odoo-mcp's thread API (/api/v1): the
// one `odoo-mcp chat`, the end-to-end tests and the load tool use. Replies
// stream as server-sent events (package sse) and are read as they come.
package threadclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/odoo-mcp/odoo-mcp/internal/redact"
	"github.com/odoo-mcp/odoo-mcp/letta/threads"
	"github.com/odoo-mcp/odoo-mcp/requestid"
	"github.com/odoo-mcp/odoo-mcp/sse"
)

// maxErrorBody bounds what is read of an error answer.
const maxErrorBody = 64 << 10

// Options tune a Client.
type Options struct {
	// HTTPClient sends the requests (default: http.DefaultClient). A
	// message stream lasts as long as the run: give it no Timeout, bound
	// calls with their context.
	HTTPClient *http.Client
	// UserAgent is sent as User-Agent (default: Go's).
	UserAgent string
}

// Client calls the thread API of one odoo-mcp server with one credential.
// It is safe for concurrent use.
type Client struct {
	base string // without a trailing slash
	auth string
	opts Options
}

// New returns a client of the server at baseURL (http or https, e.g.
// http://127.0.0.1:8808) sending authorization as the Authorization header
// ("Basic …" or "Bearer …", as for /mcp).
func New(baseURL, authorization string, opts Options) (*Client, error) {
	base := strings.TrimRight(strings.TrimSpace(baseURL), "/")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("threadclient: server URL %q must be an http(s) URL such as http://127.0.0.1:8808", redact.URL(baseURL))
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = http.DefaultClient
	}
	return &Client{base: u.String(), auth: authorization, opts: opts}, nil
}

// BaseURL returns the server's URL, without a trailing slash.
func (c *Client) BaseURL() string { return c.base }

// Error is an error answer of the thread API: {"error": code, "message":
// text[, "valid": [...]]}.
type Error struct {
	Status    int
	Code      string   `json:"error"`
	Message   string   `json:"message"`
	Valid     []string `json:"valid"`
	RequestID string   `json:"-"`
	// Partial is what a failed run produced before it failed (a message
	// sent with Ask).
	Partial *threads.Reply `json:"partial"`
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	s := fmt.Sprintf("%s (HTTP %d", msg, e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.RequestID != "" {
		s += ", request id " + e.RequestID
	}
	s += ")"
	if len(e.Valid) > 0 {
		s += "\n  valid: " + strings.Join(e.Valid, ", ")
	}
	return s
}

// StatusOf returns the HTTP status of an *Error in err's chain, or 0.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// do sends one request; a non-2xx answer is an *Error.
func (c *Client) do(ctx context.Context, method, path string, body any, accept string) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", c.auth)
	req.Header.Set("Accept", accept)
	if c.opts.UserAgent != "" {
		req.Header.Set("User-Agent", c.opts.UserAgent)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.opts.HTTPClient.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, fmt.Errorf("%s %s: %w (is odoo-mcp serve running there, with LETTA_BASE_URL?)", method, redact.URL(c.base)+path, err)
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		e := &Error{Status: resp.StatusCode, RequestID: resp.Header.Get(requestid.Header)}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		_ = json.Unmarshal(b, e) // a body that is not the API's leaves the status alone to speak
		e.Status = resp.StatusCode
		if e.Status == http.StatusNotFound && e.Code == "" {
			// Not the thread API's own 404 (which names its error).
			e.Message = "no thread API at " + redact.URL(c.base) + " (odoo-mcp serves it when LETTA_BASE_URL is set)"
		}
		return nil, e
	}
	return resp, nil
}

// doJSON sends one request and decodes its JSON answer into out.
func (c *Client) doJSON(ctx context.Context, method, path string, body, out any) error {
	resp, err := c.do(ctx, method, path, body, "application/json")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, redact.URL(c.base)+path, err)
	}
	return nil
}

func threadPath(id string) string { return "/api/v1/threads/" + url.PathEscape(id) }

// Models lists the models a thread may be declared with (GET
// /api/v1/models).
func (c *Client) Models(ctx context.Context) (*threads.Models, error) {
	var ms threads.Models
	if err := c.doJSON(ctx, http.MethodGet, "/api/v1/models", nil, &ms); err != nil {
		return nil, err
	}
	return &ms, nil
}

// List returns the caller's threads (GET /api/v1/threads).
func (c *Client) List(ctx context.Context) ([]threads.Thread, error) {
	var w struct {
		Threads []threads.Thread `json:"threads"`
	}
	if err := c.doJSON(ctx, http.MethodGet, "/api/v1/threads", nil, &w); err != nil {
		return nil, err
	}
	return w.Threads, nil
}

// Get returns a thread (GET /api/v1/threads/{id}); one that does not exist
// is an *Error of status 404.
func (c *Client) Get(ctx context.Context, id string) (*threads.Thread, error) {
	var th threads.Thread
	if err := c.doJSON(ctx, http.MethodGet, threadPath(id), nil, &th); err != nil {
		return nil, err
	}
	return &th, nil
}

// History returns a page of the thread's conversation (GET
// /api/v1/threads/{id}/messages): the newest limit entries before the
// cursor before ("" for the newest page), oldest first.
func (c *Client) History(ctx context.Context, id string, limit int, before string) (*threads.History, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if before != "" {
		q.Set("before", before)
	}
	path := threadPath(id) + "/messages"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var h threads.History
	if err := c.doJSON(ctx, http.MethodGet, path, nil, &h); err != nil {
		return nil, err
	}
	return &h, nil
}

// Declare creates the thread or changes it to match spec (PUT
// /api/v1/threads/{id}); the answer says which (Created, Changed,
// Warnings).
func (c *Client) Declare(ctx context.Context, id string, spec threads.Spec) (*threads.Thread, error) {
	var th threads.Thread
	if err := c.doJSON(ctx, http.MethodPut, threadPath(id), spec, &th); err != nil {
		return nil, err
	}
	return &th, nil
}

// Delete deletes a thread and its agent (DELETE /api/v1/threads/{id}).
func (c *Client) Delete(ctx context.Context, id string) error {
	return c.doJSON(ctx, http.MethodDelete, threadPath(id), nil, nil)
}

// Ask sends a message and waits for the whole reply (POST
// /api/v1/threads/{id}/messages with Accept: application/json). A run that
// failed is an *Error holding the partial reply.
func (c *Client) Ask(ctx context.Context, id, content string) (*threads.Reply, error) {
	var r threads.Reply
	if err := c.doJSON(ctx, http.MethodPost, threadPath(id)+"/messages", threads.Message{Content: content}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Send sends a message and returns its reply as a stream of events (POST
// /api/v1/threads/{id}/messages). The stream lives as long as ctx; Close
// it.
func (c *Client) Send(ctx context.Context, id, content string) (*Stream, error) {
	return c.stream(ctx, threadPath(id)+"/messages", threads.Message{Content: content})
}

// Approve answers the calls a turn stopped for (an approval_required
// event) and streams the rest of the turn, like Send.
func (c *Client) Approve(ctx context.Context, id string, decisions threads.Approvals) (*Stream, error) {
	return c.stream(ctx, threadPath(id)+"/approvals", decisions)
}

func (c *Client) stream(ctx context.Context, path string, payload any) (*Stream, error) {
	resp, err := c.do(ctx, http.MethodPost, path, payload, "text/event-stream")
	if err != nil {
		return nil, err
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "text/event-stream" {
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("POST %s%s: expected an event stream, got %q: %s", redact.URL(c.base), path, mt, b)
	}
	return &Stream{RequestID: resp.Header.Get(requestid.Header), body: resp.Body, r: sse.NewReader(resp.Body, sse.Options{})}, nil
}

// Event is one event of a reply: Name is one of threads.Event* (content,
// tool_call, tool_return, usage, error, done), Data its JSON object.
type Event struct {
	Name string
	Data json.RawMessage
}

// Decode decodes the event's data into v (threads.ContentData, ...).
func (e Event) Decode(v any) error { return json.Unmarshal(e.Data, v) }

// Stream is the reply to a message, read event by event as the server
// sends it. Not safe for concurrent use, except Close.
type Stream struct {
	RequestID string // the server's request id, for a report
	body      io.ReadCloser
	r         *sse.Reader
}

// Next returns the next event; io.EOF when the stream has ended (a whole
// reply ends with a done event: one that ends without was cut off), or the
// error that broke it. An event the end cut short is not returned.
func (s *Stream) Next() (Event, error) {
	for {
		ev, err := s.r.Next()
		if err != nil {
			return Event{}, err
		}
		if ev.Unterminated {
			continue // the following call returns what ended the stream
		}
		return Event{Name: ev.Type, Data: bytes.Clone(ev.Data)}, nil
	}
}

// Close ends the stream (and, before its end, the request).
func (s *Stream) Close() error { return s.body.Close() }
