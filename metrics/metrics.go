// Package metrics is odoo-mcp's Prometheus instrumentation: the collectors,
// the hooks the other packages call, and the /metrics handler. Labels are
// bounded sets (tool names, ORM method names, outcomes), never user data.
package metrics

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds odoo-mcp's collectors in a registry of their own.
type Metrics struct {
	reg          *prometheus.Registry
	toolCalls    *prometheus.CounterVec
	toolLatency  *prometheus.HistogramVec
	odooRequests *prometheus.CounterVec
	odooLatency  *prometheus.HistogramVec
	authCache    *prometheus.CounterVec
	lettaReqs    *prometheus.CounterVec
	openStreams  prometheus.Gauge
	threadOps    *prometheus.CounterVec
	httpReqs     *prometheus.CounterVec
	httpLatency  *prometheus.HistogramVec
	evictions    *prometheus.CounterVec
	usage        usageCounters // usage.go
}

// New registers every collector, plus the Go runtime and process ones.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	f := func(c prometheus.Collector) { m.reg.MustRegister(c) }
	m.usage.register(f)
	m.toolCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "odoo_mcp_tool_calls_total", Help: "MCP tool calls by tool and outcome (ok, error, protocol_error).",
	}, []string{"tool", "outcome"})
	m.toolLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "odoo_mcp_tool_call_duration_seconds", Help: "Duration of MCP tool calls, Odoo round trips included.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"tool"})
	m.odooRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "odoo_mcp_odoo_requests_total", Help: "Requests to Odoo by method and outcome (ok, odoo_error, unavailable, protocol_error).",
	}, []string{"method", "outcome"})
	m.odooLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "odoo_mcp_odoo_request_duration_seconds", Help: "Duration of requests to Odoo.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"method"})
	m.authCache = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "odoo_mcp_auth_cache_total", Help: "Credential checks answered from the cache (hit) or by asking Odoo or Letta (miss).",
	}, []string{"result"})
	m.lettaReqs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "odoo_mcp_letta_requests_total", Help: "Requests to Letta by HTTP method and outcome (2xx, 4xx, 5xx, unavailable).",
	}, []string{"method", "outcome"})
	m.openStreams = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "odoo_mcp_open_streams", Help: "Thread message streams open now.",
	})
	m.threadOps = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "odoo_mcp_thread_operations_total", Help: "Thread API operations by operation and HTTP status class.",
	}, []string{"op", "outcome"})
	// HTTP server metrics carry OpenTelemetry's semantic-convention names
	// (http.server.request.duration; http.request.method, http.route,
	// http.response.status_code) as Prometheus spells them, so dashboards
	// made for those conventions work unchanged.
	httpLabels := []string{"http_request_method", "http_route", "http_response_status_code"}
	m.httpReqs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "http_server_requests_total", Help: "HTTP requests served, by method, route pattern and status code.",
	}, httpLabels)
	m.httpLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "http_server_request_duration_seconds", Help: "Duration of HTTP requests served (streams: until they end), by method, route pattern and status code.",
		// OpenTelemetry's advised boundaries for http.server.request.duration.
		Buckets: []float64{.005, .01, .025, .05, .075, .1, .25, .5, .75, 1, 2.5, 5, 7.5, 10},
	}, httpLabels)
	m.evictions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "odoo_mcp_cache_evictions_total", Help: "Entries pushed out of a full cache, by cache (credentials, fields, rate_limit): many mean the bound is too small, or a flood of distinct keys.",
	}, []string{"cache"})
	for _, c := range []prometheus.Collector{m.toolCalls, m.toolLatency, m.odooRequests, m.odooLatency, m.authCache,
		m.lettaReqs, m.openStreams, m.threadOps, m.httpReqs, m.httpLatency, m.evictions,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		f(c)
	}
	return m
}

// ToolCall records one MCP tool call.
func (m *Metrics) ToolCall(tool, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.toolCalls.WithLabelValues(tool, outcome).Inc()
	m.toolLatency.WithLabelValues(tool).Observe(d.Seconds())
}

// odooMethods are the method labels kept as they are; the executor can call
// any method, and a label per method name would grow without bound.
var odooMethods = map[string]bool{
	"search_read": true, "search": true, "search_count": true, "read": true, "create": true, "write": true,
	"unlink": true, "fields_get": true, "name_search": true, "context_get": true, "read_group": true,
	"default_get": true, "copy": true, "common.version": true, "common.authenticate": true,
}

// OdooRequest records one request to Odoo; outcome is derived from err by
// the caller (see odoorpc.Outcome).
func (m *Metrics) OdooRequest(method, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	if !odooMethods[method] {
		method = "other"
	}
	m.odooRequests.WithLabelValues(method, outcome).Inc()
	m.odooLatency.WithLabelValues(method).Observe(d.Seconds())
}

// AuthCache records a credential check answered from the cache or not.
func (m *Metrics) AuthCache(hit bool) {
	if m == nil {
		return
	}
	if hit {
		m.authCache.WithLabelValues("hit").Inc()
	} else {
		m.authCache.WithLabelValues("miss").Inc()
	}
}

// Caches whose evictions are counted.
const (
	CacheCredentials = "credentials"
	CacheFields      = "fields"
	CacheRateLimit   = "rate_limit"
)

// CacheEvicted returns the hook that counts evictions of one cache.
func (m *Metrics) CacheEvicted(cache string) func() {
	if m == nil {
		return nil
	}
	c := m.evictions.WithLabelValues(cache)
	return c.Inc
}

// LettaRequest records one request to Letta: status 0 means it got no answer.
func (m *Metrics) LettaRequest(method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.lettaReqs.WithLabelValues(method, statusClass(status)).Inc()
}

// StreamOpened and StreamClosed track open thread message streams.
func (m *Metrics) StreamOpened() {
	if m != nil {
		m.openStreams.Inc()
	}
}

func (m *Metrics) StreamClosed() {
	if m != nil {
		m.openStreams.Dec()
	}
}

// ThreadOperation records one thread API operation and its HTTP status.
func (m *Metrics) ThreadOperation(op string, status int) {
	if m != nil {
		m.threadOps.WithLabelValues(op, statusClass(status)).Inc()
	}
}

// httpMethods are the method label values kept as they are; any other
// method a client sends is "_OTHER", as the OpenTelemetry conventions say.
var httpMethods = map[string]bool{
	"GET": true, "HEAD": true, "POST": true, "PUT": true, "DELETE": true, "PATCH": true, "OPTIONS": true,
}

// HTTPRequest records one HTTP request served. route is the route pattern
// the router matched (e.g. /api/v1/threads/:thread_id), never the raw path;
// "" (no route matched) is recorded as "unmatched".
func (m *Metrics) HTTPRequest(method, route string, status int, d time.Duration) {
	if m == nil {
		return
	}
	if !httpMethods[method] {
		method = "_OTHER"
	}
	if route == "" {
		route = "unmatched"
	}
	code := "_OTHER"
	if status >= 100 && status <= 599 {
		code = strconv.Itoa(status)
	}
	m.httpReqs.WithLabelValues(method, route, code).Inc()
	m.httpLatency.WithLabelValues(method, route, code).Observe(d.Seconds())
}

func statusClass(status int) string {
	if status <= 0 {
		return "unavailable"
	}
	return strconv.Itoa(status/100) + "xx"
}

// ErrNoToken refuses a metrics handler without a token: every endpoint of
// odoo-mcp authenticates, and metrics tell who uses which tool how much.
var ErrNoToken = errors.New("metrics need a bearer token (--metrics-token)")

// Handler serves the registry to a scraper presenting token as a bearer.
func (m *Metrics) Handler(token string) (http.Handler, error) {
	if len(token) < 16 {
		return nil, ErrNoToken
	}
	inner := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(strings.TrimSpace(r.Header.Get("Authorization")))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="odoo-mcp metrics"`)
			http.Error(w, "metrics need Authorization: Bearer <metrics token>", http.StatusUnauthorized)
			return
		}
		inner.ServeHTTP(w, r)
	}), nil
}
