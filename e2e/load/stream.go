package load

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"time"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/fakeletta"
	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/httpapp"
	"github.com/odoo-mcp/odoo-mcp/letta"
	"github.com/odoo-mcp/odoo-mcp/letta/threads"
	"github.com/odoo-mcp/odoo-mcp/letta/threads/threadclient"
	"github.com/odoo-mcp/odoo-mcp/mcp"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
	"github.com/odoo-mcp/odoo-mcp/tools"
)

// StreamReport is what the thread stream relay adds to a reply: the same
// message streamed straight from (fake) Letta and through odoo-mcp's thread
// API, alternating, each pair timed to the first event and to the end.
type StreamReport struct {
	Pairs              int     `json:"pairs"`
	Events             int     `json:"events_per_reply"`
	DirectFirstP50Ms   float64 `json:"direct_first_event_p50_ms"`
	RelayedFirstP50Ms  float64 `json:"relayed_first_event_p50_ms"`
	AddedFirstP50Ms    float64 `json:"added_first_event_p50_ms"`
	AddedFirstP99Ms    float64 `json:"added_first_event_p99_ms"`
	DirectTotalP50Ms   float64 `json:"direct_total_p50_ms"`
	RelayedTotalP50Ms  float64 `json:"relayed_total_p50_ms"`
	AddedPerEventP50Ms float64 `json:"added_per_event_p50_ms"`
	AddedPerEventP99Ms float64 `json:"added_per_event_p99_ms"`
}

// MeasureStream wires fake Odoo, fake Letta and odoo-mcp (endpoint and
// thread API) in this process on loopback, declares one thread, and sends
// pairs messages both ways. Credentials and the thread are warm before the
// first measured pair.
func MeasureStream(ctx context.Context, pairs int) (*StreamReport, error) {
	if pairs < 10 {
		pairs = 10
	}
	log := slog.New(slog.DiscardHandler)
	fake := fakeodoo.New(fakeodoo.Options{Version: "18.0"})
	odooSrv := httptest.NewServer(fake)
	defer odooSrv.Close()
	odoo, err := odoorpc.New(odoorpc.Config{URL: odooSrv.URL, DB: fake.DB()})
	if err != nil {
		return nil, err
	}
	tokens, err := auth.NewTokens("load-stream-signing-key-0123456789abcdef", fake.DB(), 0, nil)
	if err != nil {
		return nil, err
	}
	authn := auth.NewAuthenticator(odoo, auth.Options{Tokens: tokens, TTL: time.Hour})
	endpoint := mcp.New(mcp.Config{Odoo: odoo, Version: "load", Logger: log})
	var app http.Handler // built once the orchestrator exists, before any request
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	appSrv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { app.ServeHTTP(w, r) })}
	go appSrv.Serve(ln)
	defer appSrv.Close()
	base := "http://" + ln.Addr().String()

	lettaFake := fakeletta.New(fakeletta.Options{Version: fakeletta.VersionOld}) // 0.11.7 accepts a loopback MCP URL
	lettaSrv := httptest.NewServer(lettaFake)
	defer lettaSrv.Close()
	lc, err := letta.New(lettaSrv.URL, letta.Options{})
	if err != nil {
		return nil, err
	}
	var names []string
	for _, t := range tools.Enabled(tools.Policy{}) {
		names = append(names, t.Def.Name)
	}
	orch, err := threads.New(threads.Options{Letta: lc, Tokens: tokens, PublicURL: base, Tools: names, Logger: log, ToolMode: threads.ToolModeMCP})
	if err != nil {
		return nil, err
	}
	tokens.SetRevocations(orch)
	app = httpapp.New(httpapp.Config{MCP: endpoint.Handler(), Threads: orch, Auth: authn, Logger: log})
	if err := orch.Register(ctx); err != nil {
		return nil, fmt.Errorf("register with the fake Letta: %w", err)
	}

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer client.CloseIdleConnections()
	authz := "Basic " + base64.StdEncoding.EncodeToString([]byte(fakeodoo.AdminLogin+":"+fakeodoo.AdminKey))
	api, err := threadclient.New(base, authz, threadclient.Options{HTTPClient: client})
	if err != nil {
		return nil, err
	}
	if _, err := api.Declare(ctx, "load", threads.Spec{Model: "openai/gpt-4o-mini"}); err != nil {
		return nil, fmt.Errorf("declare the thread: %w", err)
	}
	agents := lettaFake.Agents()
	if len(agents) != 1 {
		return nil, fmt.Errorf("declare the thread: %d agents", len(agents))
	}
	agentID := agents[0].ID

	const message = "measure the relay of this reply"
	direct := func() (first, total time.Duration, events int, err error) {
		start := time.Now()
		s, err := lc.StreamMessage(ctx, agentID, message)
		if err != nil {
			return 0, 0, 0, err
		}
		defer s.Close()
		for {
			_, err := s.Next()
			if events == 0 {
				first = time.Since(start)
			}
			if errors.Is(err, io.EOF) {
				return first, time.Since(start), events, nil
			}
			if err != nil {
				return 0, 0, 0, err
			}
			events++
		}
	}
	relayed := func() (first, total time.Duration, events int, err error) {
		start := time.Now()
		s, err := api.Send(ctx, "load", message)
		if err != nil {
			return 0, 0, 0, err
		}
		defer s.Close()
		for {
			ev, err := s.Next()
			if err != nil {
				return 0, 0, 0, fmt.Errorf("relayed stream ended without done: %v", err)
			}
			if events == 0 {
				first = time.Since(start)
			}
			events++
			if ev.Name == threads.EventDone {
				return first, time.Since(start), events, nil
			}
		}
	}
	// Warm both paths (credentials, revocation cache, connections).
	for range 5 {
		if _, _, _, err := direct(); err != nil {
			return nil, err
		}
		if _, _, _, err := relayed(); err != nil {
			return nil, err
		}
	}
	var dFirst, rFirst, dTotal, rTotal, addFirst, addPerEvent []float64
	rep := &StreamReport{Pairs: pairs}
	for i := range pairs {
		var df, dt, rf, rt time.Duration
		var n int
		// Alternate the order so neither side always runs second.
		if i%2 == 0 {
			if df, dt, _, err = direct(); err == nil {
				rf, rt, n, err = relayed()
			}
		} else {
			if rf, rt, n, err = relayed(); err == nil {
				df, dt, _, err = direct()
			}
		}
		if err != nil {
			return nil, err
		}
		rep.Events = n
		ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
		dFirst, rFirst = append(dFirst, ms(df)), append(rFirst, ms(rf))
		dTotal, rTotal = append(dTotal, ms(dt)), append(rTotal, ms(rt))
		addFirst = append(addFirst, ms(rf)-ms(df))
		// Per event after the first: what relaying adds once the stream runs
		// (the first event also carries the thread lookup in Letta).
		addPerEvent = append(addPerEvent, ((ms(rt)-ms(rf))-(ms(dt)-ms(df)))/float64(max(n-1, 1)))
	}
	q := func(v []float64, p float64) float64 {
		s := slices.Clone(v)
		slices.Sort(s)
		return s[min(len(s)-1, int(p*float64(len(s))))]
	}
	rep.DirectFirstP50Ms, rep.RelayedFirstP50Ms = q(dFirst, .5), q(rFirst, .5)
	rep.AddedFirstP50Ms, rep.AddedFirstP99Ms = q(addFirst, .5), q(addFirst, .99)
	rep.DirectTotalP50Ms, rep.RelayedTotalP50Ms = q(dTotal, .5), q(rTotal, .5)
	rep.AddedPerEventP50Ms, rep.AddedPerEventP99Ms = q(addPerEvent, .5), q(addPerEvent, .99)
	return rep, nil
}

// WriteStreamReport prints the report as a Markdown table.
func WriteStreamReport(w io.Writer, r *StreamReport) {
	fmt.Fprintf(w, "Thread stream relay, %d alternating pairs, %d events per reply (fake Letta answering at once):\n\n", r.Pairs, r.Events)
	fmt.Fprintln(w, "| | direct from Letta | through odoo-mcp | added p50 | added p99 |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|")
	fmt.Fprintf(w, "| first event, ms | %.2f | %.2f | %.2f | %.2f |\n", r.DirectFirstP50Ms, r.RelayedFirstP50Ms, r.AddedFirstP50Ms, r.AddedFirstP99Ms)
	fmt.Fprintf(w, "| whole reply, ms | %.2f | %.2f | | |\n", r.DirectTotalP50Ms, r.RelayedTotalP50Ms)
	fmt.Fprintf(w, "| each later event, ms | | | %.3f | %.3f |\n", r.AddedPerEventP50Ms, r.AddedPerEventP99Ms)
}
