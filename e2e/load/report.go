package load

import (
	"fmt"
	"io"
	"strings"
)

// Targets of the performance issue.
const (
	TargetThroughput = 0.90 // of the proxy baseline's calls/s
	TargetP99        = 1.30 // of the proxy baseline's p99
	TargetIdleMiB    = 20.0
	TargetSettle     = 1.20 // RSS after load, relative to idle
	TargetStartupMs  = 200.0
)

func checks(r *Report) []Check {
	var out []Check
	add := func(target, figure string, met bool) { out = append(out, Check{target, figure, met}) }
	if len(r.Cells) > 0 {
		worstT, worstTCell := 1e9, ""
		worstP, worstPCell := 0.0, ""
		var errs int64
		for _, c := range r.Cells {
			errs += c.Result.Errors
			if c.Server != NameOdooMCP {
				continue
			}
			where := fmt.Sprintf("%s c=%d", c.Scenario, c.Concurrency)
			if c.ThroughputRatio < worstT {
				worstT, worstTCell = c.ThroughputRatio, where
			}
			if c.P99Ratio > worstP {
				worstP, worstPCell = c.P99Ratio, where
			}
		}
		add(fmt.Sprintf("throughput ≥ %.0f%% of the proxy baseline in every cell", TargetThroughput*100),
			fmt.Sprintf("lowest %.2f× (%s)", worstT, worstTCell), worstT >= TargetThroughput)
		add(fmt.Sprintf("p99 ≤ %.1f× the proxy baseline's in every cell", TargetP99),
			fmt.Sprintf("highest %.2f× (%s)", worstP, worstPCell), worstP <= TargetP99)
		add("no failed call", fmt.Sprintf("%d errors", errs), errs == 0)
	}
	if o := r.Odoo; o != nil && o.ToolCalls > 0 {
		add("exactly one Odoo request per warm retriever call (none for authentication)",
			fmt.Sprintf("%d Odoo requests for %d tools/call = %.4f per call", o.Requests, o.ToolCalls, o.PerCall),
			o.Requests == o.ToolCalls)
		add("keep-alive to Odoo: no new TCP connection per call under steady load",
			fmt.Sprintf("%d new connections in %d calls; %d after the first round of a cell (pool growth at a new peak, at most %d allowed)", o.NewConnections, o.ToolCalls, o.SteadyNewConns, o.MaxConcurrency),
			o.SteadyNewConns <= int64(o.MaxConcurrency) && float64(o.NewConnections) < 0.01*float64(o.ToolCalls))
	}
	if m := r.Memory; m != nil {
		add(fmt.Sprintf("idle RSS ≤ %.0f MiB", TargetIdleMiB),
			fmt.Sprintf("%.1f MiB (bare go-sdk server %.1f MiB)", m.IdleMiB, m.BareIdleMiB), m.IdleMiB <= TargetIdleMiB)
		add(fmt.Sprintf("RSS after %d calls at c=%d back within %.0f%% of idle", m.Calls, m.Concurrency, (TargetSettle-1)*100),
			settleFigure(m),
			m.AfterSettleMiB <= TargetSettle*m.IdleMiB)
	}
	if s := r.Startup; s != nil {
		add(fmt.Sprintf("ready < %.0f ms after exec", TargetStartupMs),
			fmt.Sprintf("/readyz p50 %.1f ms, max %.1f ms over %d starts (/healthz p50 %.1f ms)", s.ReadyzP50, s.ReadyzMax, s.Runs, s.HealthzP50),
			float64(s.ReadyzMax) < TargetStartupMs)
	}
	return out
}

// WriteTable writes the report as Markdown: the side-by-side table, then
// the targets.
func WriteTable(w io.Writer, r *Report) {
	mode := "stateless"
	if st, _ := r.Settings["stateful"].(bool); st {
		mode = "stateful"
	}
	fmt.Fprintf(w, "Machine: %d CPUs, %s, %s, Linux %s; load average %s at start, %s at end.\n",
		r.Machine.CPUs, r.Machine.CPUModel, r.Machine.GoVersion, r.Machine.Kernel, r.Machine.LoadStart, r.Machine.LoadEnd)
	if len(r.Cells) > 0 {
		fmt.Fprintf(w, "Servers %s, fake Odoo %v answering at once; %v rounds of %vs per server and cell, alternating.\n\n",
			mode, r.Settings["odoo_version"], r.Settings["rounds"], r.Settings["duration_s"])
		fmt.Fprintln(w, "| pattern | c | server | calls/s | × proxy | p50 ms | p90 ms | p99 ms | p99 × proxy | max ms | server CPU ms/call | Odoo CPU ms/call | driver CPU ms/call | Odoo req/call | errors |")
		fmt.Fprintln(w, "|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
		for _, c := range r.Cells {
			odoo := "–"
			if c.Server != NameNoop {
				odoo = fmt.Sprintf("%.2f", c.OdooPerCall)
			}
			ratio, p99 := fmt.Sprintf("%.2f", c.ThroughputRatio), fmt.Sprintf("%.2f", c.P99Ratio)
			if c.Server == NameProxy {
				ratio, p99 = "1", "1"
			}
			name := c.Server
			if name == NameOdooMCP {
				name = "**odoo-mcp**"
			}
			fmt.Fprintf(w, "| %s | %d | %s | %.0f | %s | %.2f | %.2f | %.2f | %s | %.1f | %.3f | %.3f | %.3f | %s | %d |\n",
				c.Scenario, c.Concurrency, name, c.Result.CallsPerSec, ratio, c.Result.P50, c.Result.P90, c.Result.P99, p99,
				c.Result.Max, c.CPUPerCall, c.OdooCPUPerCall, c.DriverCPUPerCall, odoo, c.Result.Errors)
		}
		fmt.Fprintln(w)
	}
	if len(r.Targets) > 0 {
		fmt.Fprintln(w, "| target | figure | met |")
		fmt.Fprintln(w, "|---|---|---|")
		for _, t := range r.Targets {
			met := "yes"
			if !t.Met {
				met = "**no**"
			}
			fmt.Fprintf(w, "| %s | %s | %s |\n", t.Target, strings.ReplaceAll(t.Figure, "|", "\\|"), met)
		}
	}
}

func settleFigure(m *MemoryReport) string {
	s := fmt.Sprintf("%.1f MiB right after, %.1f MiB after %.0f s idle = %.2f× idle", m.AfterLoadMiB, m.AfterSettleMiB, m.SettleSeconds, m.AfterSettleMiB/m.IdleMiB)
	if m.BackAfterSeconds >= 0 {
		s += fmt.Sprintf(" (back within %.0f%% after %.1f s)", (TargetSettle-1)*100, m.BackAfterSeconds)
	}
	return s
}
