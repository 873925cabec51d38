// Package load drives MCP Streamable HTTP endpoints over raw HTTP the way
// real clients use them and measures what they get: completed calls,
// errors, calls per second and latency percentiles. It also builds the
// baselines odoo-mcp is compared with (a bare go-sdk server in echo, with a
// no-op tool or a tool that forwards each call to Odoo with one JSON-RPC
// request) and runs them side by side with odoo-mcp (see Bench).
//
// A load run is bounded in time and in count, and targets loopback
// addresses only.
package load

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Target is one MCP endpoint and the tool call to make on it.
type Target struct {
	Name string // label in reports
	URL  string // e.g. http://127.0.0.1:8808/mcp; loopback only
	// Header is sent with every request (Authorization, for one).
	Header http.Header
	// Tool and Arguments (a JSON object) are the tools/call to make.
	Tool      string
	Arguments []byte
}

// Options bound and shape one load run.
type Options struct {
	// Scenario is what one operation is: "session", "letta", or any name
	// registered with RegisterScenario.
	Scenario string
	// Concurrency is the number of clients running operations back to back.
	Concurrency int
	// Duration is how long operations are measured (default 2s, at most
	// MaxDuration). Warmup runs operations unmeasured first (default none).
	Duration time.Duration
	Warmup   time.Duration
	// MaxCalls stops the run after this many measured operations (default
	// and upper bound 1,000,000).
	MaxCalls int
	// Timeout bounds each HTTP request (default 10s).
	Timeout time.Duration
	// ProtocolVersion is what initialize asks for (default 2025-06-18).
	ProtocolVersion string
	// FreshConnections opens a new TCP connection per operation, as a
	// client that builds an HTTP client per MCP session does. Default:
	// keep-alive connections shared by the run.
	FreshConnections bool
}

// Bounds of a run, whatever the options say.
const (
	MaxDuration = 5 * time.Minute
	MaxCalls    = 1_000_000
)

// Result is what one run measured. Latencies are of whole operations: one
// tools/call in the session scenario; initialize, initialized, tools/call
// (and DELETE) in the letta scenario.
type Result struct {
	Target      string  `json:"target"`
	Scenario    string  `json:"scenario"`
	Concurrency int     `json:"concurrency"`
	Calls       int64   `json:"calls"`  // operations completed without error
	Errors      int64   `json:"errors"` // operations that failed
	Requests    int64   `json:"http_requests"`
	Seconds     float64 `json:"seconds"`
	CallsPerSec float64 `json:"calls_per_sec"`
	P50         Millis  `json:"p50_ms"`
	P90         Millis  `json:"p90_ms"`
	P99         Millis  `json:"p99_ms"`
	Max         Millis  `json:"max_ms"`
	FirstError  string  `json:"first_error,omitempty"`
	// Operations counts every operation run, warm-up included, and
	// ToolCalls every tools/call sent: the denominators of per-call costs
	// measured around the whole run (server CPU, Odoo requests).
	Operations int64 `json:"operations_total"`
	ToolCalls  int64 `json:"tool_calls_total"`

	latencies []time.Duration
}

// Millis is a duration shown in milliseconds.
type Millis float64

func ms(d time.Duration) Millis { return Millis(float64(d) / float64(time.Millisecond)) }

// Latencies are the measured operation latencies, sorted.
func (r *Result) Latencies() []time.Duration { return r.latencies }

// Merge pools several runs of one target (rounds of a benchmark): counts
// and durations add up, percentiles are over all latencies.
func Merge(rs ...Result) Result {
	if len(rs) == 0 {
		return Result{}
	}
	out := Result{Target: rs[0].Target, Scenario: rs[0].Scenario, Concurrency: rs[0].Concurrency}
	for _, r := range rs {
		out.Calls += r.Calls
		out.Errors += r.Errors
		out.Requests += r.Requests
		out.Seconds += r.Seconds
		out.Operations += r.Operations
		out.ToolCalls += r.ToolCalls
		out.latencies = append(out.latencies, r.latencies...)
		if out.FirstError == "" {
			out.FirstError = r.FirstError
		}
	}
	out.summarize()
	return out
}

func (r *Result) summarize() {
	slices.Sort(r.latencies)
	if r.Seconds > 0 {
		r.CallsPerSec = float64(r.Calls) / r.Seconds
	}
	r.P50, r.P90, r.P99 = ms(percentile(r.latencies, 50)), ms(percentile(r.latencies, 90)), ms(percentile(r.latencies, 99))
	if n := len(r.latencies); n > 0 {
		r.Max = ms(r.latencies[n-1])
	}
}

// percentile of sorted values, nearest rank.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// A Scenario is one kind of client operation. A worker is one client:
// Setup runs once per worker before measuring (untimed), Do is one timed
// operation, Close ends the worker (untimed). The Letta thread stream
// becomes one more scenario.
type Scenario interface {
	NewWorker(ctx context.Context, c *Client) (Worker, error)
}

// Worker is one concurrent client of a scenario.
type Worker interface {
	Do(ctx context.Context) error
	Close(ctx context.Context)
}

var (
	scenariosMu sync.RWMutex
	scenarios   = map[string]Scenario{}
)

// RegisterScenario makes a scenario available by name.
func RegisterScenario(name string, s Scenario) {
	scenariosMu.Lock()
	defer scenariosMu.Unlock()
	scenarios[name] = s
}

// Scenarios lists the registered scenario names.
func Scenarios() []string {
	scenariosMu.RLock()
	defer scenariosMu.RUnlock()
	var out []string
	for k := range scenarios {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func scenario(name string) (Scenario, error) {
	scenariosMu.RLock()
	defer scenariosMu.RUnlock()
	s, ok := scenarios[name]
	if !ok {
		return nil, fmt.Errorf("unknown scenario %q (have %v)", name, Scenarios())
	}
	return s, nil
}

// CheckLoopback refuses any URL whose host is not a loopback address: a
// load run never leaves the machine.
func CheckLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%s: not an http(s) URL", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s: load is only ever sent to loopback addresses (127.0.0.0/8, ::1, localhost)", raw)
	}
	return nil
}

// NewTransport is the HTTP transport of a run: keep-alive with an idle
// connection per worker, no proxy (loopback only), no compression.
func NewTransport(concurrency int) *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        concurrency + 16,
		MaxIdleConnsPerHost: concurrency + 16,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

func (o *Options) defaults() error {
	if o.Scenario == "" {
		o.Scenario = "session"
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 1
	}
	if o.Concurrency > 4096 {
		return fmt.Errorf("concurrency %d: at most 4096", o.Concurrency)
	}
	if o.Duration <= 0 {
		o.Duration = 2 * time.Second
	}
	o.Duration = min(o.Duration, MaxDuration)
	o.Warmup = min(max(o.Warmup, 0), MaxDuration)
	if o.MaxCalls <= 0 || o.MaxCalls > MaxCalls {
		o.MaxCalls = MaxCalls
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.ProtocolVersion == "" {
		o.ProtocolVersion = "2025-06-18"
	}
	return nil
}

// Run drives target with opts and returns what it measured. Workers that
// cannot set up (a failed initialize in the session scenario) count as
// errors and stop; the run goes on with the others.
func Run(ctx context.Context, target Target, opts Options) (Result, error) {
	if err := opts.defaults(); err != nil {
		return Result{}, err
	}
	if err := CheckLoopback(target.URL); err != nil {
		return Result{}, err
	}
	sc, err := scenario(opts.Scenario)
	if err != nil {
		return Result{}, err
	}
	transport := NewTransport(opts.Concurrency)
	defer transport.CloseIdleConnections()
	res := Result{Target: target.Name, Scenario: opts.Scenario, Concurrency: opts.Concurrency}
	var (
		requests  atomic.Int64
		toolCalls atomic.Int64
		ops       atomic.Int64
		measuring atomic.Bool
		remaining atomic.Int64 // measured operations still allowed
		errs      atomic.Int64
		firstErr  atomic.Pointer[string]
		wg        sync.WaitGroup
		ready     sync.WaitGroup
		perWorker = make([][]time.Duration, opts.Concurrency)
		calls     = make([]int64, opts.Concurrency)
	)
	remaining.Store(int64(opts.MaxCalls))
	// Workers stop at this deadline at the latest; the measuring window is
	// reset once every worker has set up.
	runCtx, cancel := context.WithTimeout(ctx, opts.Warmup+opts.Duration+opts.Timeout+30*time.Second)
	defer cancel()
	stop := make(chan struct{})
	fail := func(err error) {
		errs.Add(1)
		s := err.Error()
		firstErr.CompareAndSwap(nil, &s)
	}
	ready.Add(opts.Concurrency)
	for i := range opts.Concurrency {
		wg.Go(func() {
			c := &Client{target: target, opts: opts, requests: &requests, toolCalls: &toolCalls}
			c.http = &http.Client{Transport: transport, Timeout: opts.Timeout}
			if opts.FreshConnections {
				// A transport of its own, emptied after every operation.
				own := NewTransport(1)
				c.http, c.fresh = &http.Client{Transport: own, Timeout: opts.Timeout}, true
			}
			w, err := sc.NewWorker(runCtx, c)
			ready.Done()
			if err != nil {
				fail(fmt.Errorf("setup: %w", err))
				return
			}
			defer func() {
				closeCtx, cancel := context.WithTimeout(context.Background(), opts.Timeout)
				defer cancel()
				w.Close(closeCtx)
				c.closeIdle()
			}()
			lat := make([]time.Duration, 0, 1024)
			for {
				select {
				case <-stop:
					perWorker[i] = lat
					return
				case <-runCtx.Done():
					perWorker[i] = lat
					return
				default:
				}
				measured := measuring.Load()
				if measured && remaining.Add(-1) < 0 {
					perWorker[i] = lat
					return
				}
				start := time.Now()
				err := w.Do(runCtx)
				d := time.Since(start)
				ops.Add(1)
				if !measured || !measuring.Load() {
					continue // warm-up, or the window closed meanwhile
				}
				if err != nil {
					if runCtx.Err() == nil {
						fail(err)
					}
					continue
				}
				lat = append(lat, d)
				calls[i]++
			}
		})
	}
	ready.Wait()
	if opts.Warmup > 0 {
		sleepCtx(runCtx, opts.Warmup)
	}
	reqBefore := requests.Load()
	start := time.Now()
	measuring.Store(true)
	deadline := time.NewTimer(opts.Duration)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-deadline.C:
	case <-done: // every worker stopped: MaxCalls reached or all failed
	case <-runCtx.Done():
	}
	measuring.Store(false)
	res.Seconds = time.Since(start).Seconds()
	res.Requests = requests.Load() - reqBefore
	close(stop)
	deadline.Stop()
	<-done
	for i := range perWorker {
		res.latencies = append(res.latencies, perWorker[i]...)
		res.Calls += calls[i]
	}
	res.Errors = errs.Load()
	res.Operations, res.ToolCalls = ops.Load(), toolCalls.Load()
	if p := firstErr.Load(); p != nil {
		res.FirstError = *p
	}
	res.summarize()
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	return res, nil
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

var errNoResponse = errors.New("no JSON-RPC response in the answer")
