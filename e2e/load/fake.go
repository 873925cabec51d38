package load

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"sync/atomic"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
)

// FakeOdooStats are what the fake Odoo of a benchmark counts: HTTP
// requests served and TCP connections accepted since it started.
type FakeOdooStats struct {
	Requests    int64 `json:"requests"`
	Connections int64 `json:"connections"`
}

// StatsPath is where the fake Odoo of a benchmark reports FakeOdooStats.
const StatsPath = "/__mcpload/stats"

// countingListener counts accepted connections.
type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// ServeFakeOdoo serves an in-memory Odoo (fakeodoo, answering at once) on
// ln until ctx ends, counting requests and connections at StatsPath.
func ServeFakeOdoo(ctx context.Context, ln net.Listener, version string) error {
	fake := fakeodoo.New(fakeodoo.Options{Version: version})
	var conns, requests atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc(StatsPath, func(w http.ResponseWriter, r *http.Request) {
		// The fake keeps a log of every call; a long run must not grow it
		// without bound, so each look at the counters empties it.
		fake.ResetCounters()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(FakeOdooStats{Requests: requests.Load(), Connections: conns.Load()})
	})
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		fake.ServeHTTP(w, r)
	}))
	return serveUntil(ctx, countingListener{ln, &conns}, mux)
}
