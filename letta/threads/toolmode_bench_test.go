package threads

import (
	"net/http"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/fakeletta"
)

// BenchmarkToolRoundTrip: one message whose agent calls one tool, through
// the thread API, against the same fake Letta (0.16.8) and fake Odoo, in
// each tool mode. MCP mode: Letta calls odoo-mcp's /mcp (one MCP session:
// initialize, the call, the tool listing Letta checks results against).
// Client mode: the run pauses, odoo-mcp runs the tool in-process and sends
// a second Letta request to resume. The Odoo request is the same.
func BenchmarkToolRoundTrip(b *testing.B) {
	const msg = `call odoo_record_retriever {"model":"res.partner","fields":["name"],"limit":2}`
	for _, mode := range []string{ToolModeMCP, ToolModeClient} {
		b.Run(mode, func(b *testing.B) {
			e := newEnv(b, fakeletta.VersionNew, func(o *envOptions) {
				o.noSpec = true
				o.register = mode == ToolModeMCP
				o.orch = func(opts *Options) { opts.ToolMode = mode }
			})
			e.declare(admin, "bench", Spec{Model: chatModel, Tools: &allTools}, http.StatusCreated)
			if _, evs := e.send(admin, "bench", msg); len(evs) == 0 || last(evs)["finish_reason"] != "stop" {
				b.Fatalf("warm-up: %v", names(evs))
			}
			before := len(e.letta.Requests())
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, evs := e.send(admin, "bench", msg); len(evs) == 0 || last(evs)["finish_reason"] != "stop" {
					b.Fatalf("run: %v", names(evs))
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(len(e.letta.Requests())-before)/float64(b.N), "letta-req/op")
		})
	}
}
