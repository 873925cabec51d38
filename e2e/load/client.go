package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/odoo-mcp/odoo-mcp/sse"
)

// Client speaks raw MCP Streamable HTTP to one target: JSON-RPC messages
// in POST bodies, answers as application/json or as an SSE stream whose
// events carry JSON-RPC messages.
type Client struct {
	target   Target
	opts     Options
	http     *http.Client
	fresh    bool // own transport, idle connections closed after each operation
	requests *atomic.Int64
	// toolCalls counts tools/call requests sent.
	toolCalls *atomic.Int64
	nextID    int64
	buf       bytes.Buffer
}

// Session is what initialize established.
type Session struct {
	ID              string // Mcp-Session-Id; empty on a stateless server
	ProtocolVersion string
}

// rpcResponse is the part of a JSON-RPC response the driver checks.
type rpcResponse struct {
	Method string          `json:"method"` // set on server requests and notifications
	ID     json.RawMessage `json:"id"`
	Error  *rpcError       `json:"error"`
	Result struct {
		ProtocolVersion string `json:"protocolVersion"`
		IsError         bool   `json:"isError"`
		Content         []struct {
			Text string `json:"text"`
		} `json:"content"`
	} `json:"result"`
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Initialize opens a session: initialize, then notifications/initialized.
func (c *Client) Initialize(ctx context.Context) (Session, error) {
	body := fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%d,"method":"initialize","params":{"protocolVersion":%q,"capabilities":{},"clientInfo":{"name":"mcpload","version":"1"}}}`,
		c.id(), c.opts.ProtocolVersion)
	resp, header, err := c.call(ctx, Session{}, body, true)
	if err != nil {
		return Session{}, fmt.Errorf("initialize: %w", err)
	}
	s := Session{ID: header.Get("Mcp-Session-Id"), ProtocolVersion: resp.Result.ProtocolVersion}
	if s.ProtocolVersion == "" {
		s.ProtocolVersion = c.opts.ProtocolVersion
	}
	if _, _, err := c.call(ctx, s, []byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`), false); err != nil {
		return Session{}, fmt.Errorf("notifications/initialized: %w", err)
	}
	return s, nil
}

// CallTool makes the target's tools/call in session s. A result with
// isError is a failure.
func (c *Client) CallTool(ctx context.Context, s Session) error {
	c.buf.Reset()
	c.buf.WriteString(`{"jsonrpc":"2.0","id":`)
	c.buf.WriteString(strconv.FormatInt(c.id(), 10))
	c.buf.WriteString(`,"method":"tools/call","params":{"name":`)
	name, _ := json.Marshal(c.target.Tool)
	c.buf.Write(name)
	c.buf.WriteString(`,"arguments":`)
	if len(c.target.Arguments) == 0 {
		c.buf.WriteString("{}")
	} else {
		c.buf.Write(c.target.Arguments)
	}
	c.buf.WriteString(`}}`)
	c.toolCalls.Add(1)
	resp, _, err := c.call(ctx, s, c.buf.Bytes(), true)
	if err != nil {
		return fmt.Errorf("tools/call: %w", err)
	}
	if resp.Result.IsError {
		text := ""
		if len(resp.Result.Content) > 0 {
			text = resp.Result.Content[0].Text
		}
		return fmt.Errorf("tools/call: isError: %s", text)
	}
	return nil
}

// Close ends a session with DELETE when the server issued a session id.
func (c *Client) Close(ctx context.Context, s Session) error {
	if s.ID == "" {
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, c.target.URL, nil)
	if err != nil {
		return err
	}
	c.headers(req, s)
	resp, err := c.do(req)
	if err != nil {
		return fmt.Errorf("DELETE: %w", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("DELETE: HTTP %d", resp.StatusCode)
	}
	return nil
}

func (c *Client) id() int64 { c.nextID++; return c.nextID }

func (c *Client) headers(req *http.Request, s Session) {
	for k, v := range c.target.Header {
		req.Header[k] = v
	}
	if s.ID != "" {
		req.Header.Set("Mcp-Session-Id", s.ID)
	}
	if s.ProtocolVersion != "" {
		req.Header.Set("Mcp-Protocol-Version", s.ProtocolVersion)
	}
}

func (c *Client) do(req *http.Request) (*http.Response, error) {
	c.requests.Add(1)
	return c.http.Do(req)
}

func (c *Client) closeIdle() { c.http.CloseIdleConnections() }

// call POSTs one JSON-RPC message. For a request (wantResponse) it returns
// the response, failing on a JSON-RPC error; a notification must get 202.
func (c *Client) call(ctx context.Context, s Session, body []byte, wantResponse bool) (*rpcResponse, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.target.URL, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	c.headers(req, s)
	resp, err := c.do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if !wantResponse {
		io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusOK {
			return nil, resp.Header, fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		return nil, resp.Header, nil
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return nil, resp.Header, fmt.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	r, err := readResponse(resp)
	if err != nil {
		return nil, resp.Header, err
	}
	if r.Error != nil {
		return nil, resp.Header, fmt.Errorf("JSON-RPC error %d: %s", r.Error.Code, r.Error.Message)
	}
	return r, resp.Header, nil
}

// readResponse returns the JSON-RPC response in an answer: the body itself
// (application/json) or the first SSE event that is a response (requests
// and notifications the server sends first are skipped).
func readResponse(resp *http.Response) (*rpcResponse, error) {
	ct := resp.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, "text/event-stream") {
		body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		if err != nil {
			return nil, err
		}
		var r rpcResponse
		if err := json.Unmarshal(body, &r); err != nil {
			return nil, fmt.Errorf("decoding the response: %w", err)
		}
		return &r, nil
	}
	events := sse.NewReader(resp.Body, sse.Options{MaxLine: 64 << 20})
	for {
		ev, err := events.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(ev.Data) == 0 {
			continue
		}
		var r rpcResponse
		if err := json.Unmarshal(ev.Data, &r); err != nil {
			return nil, fmt.Errorf("decoding an event: %w", err)
		}
		if r.Method != "" {
			continue // a notification or request from the server
		}
		io.Copy(io.Discard, resp.Body) // lets the connection be reused
		return &r, nil
	}
	return nil, errNoResponse
}
