package load

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"
)

// The driver speaks both patterns to a bare go-sdk server, stateless and
// stateful, and stops at MaxCalls. Counts only: no timing is asserted.
func TestDriverPatterns(t *testing.T) {
	for _, stateful := range []bool{false, true} {
		h, err := NewBaseline(BaselineConfig{Kind: BaselineNoop, Stateful: stateful})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		target := Target{Name: "noop", URL: srv.URL + "/mcp", Tool: BaselineTool(BaselineNoop), Arguments: []byte(`{"model":"res.partner"}`)}
		for _, sc := range []string{ScenarioSession, ScenarioLetta} {
			res, err := Run(context.Background(), target, Options{Scenario: sc, Concurrency: 3, MaxCalls: 30, Duration: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			if res.Errors != 0 || res.Calls != 30 || res.FirstError != "" {
				t.Errorf("stateful=%v %s: %d calls, %d errors (%s)", stateful, sc, res.Calls, res.Errors, res.FirstError)
			}
			// letta: initialize, initialized, tools/call, and DELETE when stateful.
			perOp := int64(1)
			if sc == ScenarioLetta {
				perOp = 3
				if stateful {
					perOp = 4
				}
			}
			if res.Requests < perOp*res.Calls || res.ToolCalls < res.Calls {
				t.Errorf("stateful=%v %s: %d HTTP requests and %d tools/call for %d operations", stateful, sc, res.Requests, res.ToolCalls, res.Calls)
			}
			if res.P50 <= 0 || res.Max < res.P99 || res.P99 < res.P50 {
				t.Errorf("percentiles out of order: %+v", res)
			}
		}
	}
}

func TestDriverFailsCallsThatError(t *testing.T) {
	h, _ := NewBaseline(BaselineConfig{Kind: BaselineNoop})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	res, err := Run(context.Background(), Target{URL: srv.URL + "/mcp", Tool: "no_such_tool"}, Options{Concurrency: 2, MaxCalls: 10, Duration: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls != 0 || res.Errors == 0 || res.FirstError == "" {
		t.Errorf("unknown tool: %d calls, %d errors (%q)", res.Calls, res.Errors, res.FirstError)
	}
}

func TestLoadStaysOnLoopback(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:1/mcp", "http://localhost:1/mcp", "http://[::1]:1/mcp", "http://127.8.9.10/mcp"} {
		if err := CheckLoopback(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"http://10.0.0.1/mcp", "http://192.168.1.2/mcp", "http://example.com/mcp", "http://8.8.8.8/mcp", "ftp://127.0.0.1/"} {
		if err := CheckLoopback(u); err == nil {
			t.Errorf("%s: accepted", u)
		}
	}
	if _, err := Run(context.Background(), Target{URL: "http://10.1.2.3/mcp"}, Options{}); err == nil {
		t.Error("Run accepted a non-loopback target")
	}
}
