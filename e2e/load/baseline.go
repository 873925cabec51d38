package load

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"
)

// The baselines odoo-mcp is measured against.
const (
	// BaselineNoop is a bare go-sdk server in echo with one tool that does
	// nothing: the limit of the MCP layer.
	BaselineNoop = "noop"
	// BaselineProxy is the same server whose one tool forwards each call
	// to Odoo as one plain JSON-RPC search_read (no authentication, no
	// validation): the limit of any proxy in front of Odoo.
	BaselineProxy = "proxy"
)

// BaselineConfig configures a baseline server.
type BaselineConfig struct {
	Kind         string // BaselineNoop or BaselineProxy
	Stateful     bool
	JSONResponse bool
	// Odoo is where the proxy forwards to, as DB, UID and Key.
	OdooURL string
	DB      string
	UID     int64
	Key     string
	// Client overrides the proxy's pooled HTTP client (benchmarks).
	Client *http.Client
}

// BaselineTool is the name of the baseline's one tool.
func BaselineTool(kind string) string {
	if kind == BaselineProxy {
		return "forward"
	}
	return "noop"
}

// NewBaseline builds a baseline: a go-sdk server with one tool, its
// Streamable HTTP handler at /mcp in a bare echo app, nothing else.
func NewBaseline(cfg BaselineConfig) (http.Handler, error) {
	server := gomcp.NewServer(&gomcp.Implementation{Name: "baseline-" + cfg.Kind, Version: "v1"}, nil)
	tool := &gomcp.Tool{Name: BaselineTool(cfg.Kind), InputSchema: map[string]any{"type": "object"}}
	switch cfg.Kind {
	case BaselineNoop:
		server.AddTool(tool, func(context.Context, *gomcp.CallToolRequest) (*gomcp.CallToolResult, error) {
			return &gomcp.CallToolResult{Content: []gomcp.Content{&gomcp.TextContent{Text: "ok"}}}, nil
		})
	case BaselineProxy:
		if err := CheckLoopback(cfg.OdooURL); err != nil {
			return nil, err
		}
		f := &forwarder{url: cfg.OdooURL + "/jsonrpc", db: cfg.DB, uid: cfg.UID, key: cfg.Key, client: cfg.Client}
		if f.client == nil {
			f.client = &http.Client{Transport: proxyTransport()}
		}
		server.AddTool(tool, f.handle)
	default:
		return nil, fmt.Errorf("unknown baseline %q: use %s or %s", cfg.Kind, BaselineNoop, BaselineProxy)
	}
	h := gomcp.NewStreamableHTTPHandler(func(*http.Request) *gomcp.Server { return server },
		&gomcp.StreamableHTTPOptions{Stateless: !cfg.Stateful, JSONResponse: cfg.JSONResponse})
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Any("/mcp", echo.WrapHandler(h))
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	return e, nil
}

// proxyTransport pools connections like odoo-mcp's Odoo client does.
func proxyTransport() *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 128,
		IdleConnTimeout:     90 * time.Second,
	}
}

// forwarder is the proxy baseline's tool: the call's model, domain, fields
// and limit go to Odoo's search_read as they came.
type forwarder struct {
	url, db string
	uid     int64
	key     string
	client  *http.Client
	id      atomic.Int64
}

var fwdBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (f *forwarder) handle(ctx context.Context, req *gomcp.CallToolRequest) (*gomcp.CallToolResult, error) {
	var args struct {
		Model  string          `json:"model"`
		Domain json.RawMessage `json:"domain"`
		Fields json.RawMessage `json:"fields"`
		Limit  json.RawMessage `json:"limit"`
	}
	if err := json.Unmarshal(req.Params.Arguments, &args); err != nil {
		return nil, err
	}
	orNull := func(b json.RawMessage, def string) []byte {
		if len(b) == 0 {
			return []byte(def)
		}
		return b
	}
	buf := fwdBufs.Get().(*bytes.Buffer)
	defer fwdBufs.Put(buf)
	buf.Reset()
	model, _ := json.Marshal(args.Model)
	db, _ := json.Marshal(f.db)
	key, _ := json.Marshal(f.key)
	fmt.Fprintf(buf, `{"jsonrpc":"2.0","method":"call","id":%d,"params":{"service":"object","method":"execute_kw","args":[%s,%d,%s,%s,"search_read",[],{"domain":%s,"fields":%s,"limit":%s}]}}`,
		f.id.Add(1), db, f.uid, key, model, orNull(args.Domain, "[]"), orNull(args.Fields, "[]"), orNull(args.Limit, "80"))
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, f.url, bytes.NewReader(buf.Bytes()))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := f.client.Do(hreq)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var out struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("decoding Odoo's answer (HTTP %d): %w", resp.StatusCode, err)
	}
	if out.Error != nil {
		return &gomcp.CallToolResult{IsError: true, Content: []gomcp.Content{&gomcp.TextContent{Text: out.Error.Message}}}, nil
	}
	return &gomcp.CallToolResult{Content: []gomcp.Content{&gomcp.TextContent{Text: string(out.Result)}}}, nil
}

// ServeBaseline serves a baseline on ln until ctx ends.
func ServeBaseline(ctx context.Context, ln net.Listener, cfg BaselineConfig) error {
	h, err := NewBaseline(cfg)
	if err != nil {
		return err
	}
	return serveUntil(ctx, ln, h)
}

// serveUntil serves h on ln until ctx ends, then shuts down.
func serveUntil(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
