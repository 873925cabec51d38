package threads

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/fakeletta"
)

func TestLettaDownIsA503NamingLetta(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		e := newEnv(t, version)
		e.declare(admin, "t", Spec{Model: chatModel}, http.StatusCreated)
		e.lettaOff.Store(true)
		for _, tc := range []struct {
			method, path string
			body         any
		}{
			{"PUT", "/api/v1/threads/t", Spec{Model: chatModel}},
			{"GET", "/api/v1/threads/t", nil},
			{"GET", "/api/v1/threads", nil},
			{"DELETE", "/api/v1/threads/t", nil},
			{"POST", "/api/v1/threads/t/messages", map[string]string{"content": "hi"}},
			{"GET", "/api/v1/models", nil},
		} {
			r := e.do(tc.method, tc.path, admin, tc.body)
			m := r.json(t)
			if r.status != http.StatusServiceUnavailable || m["error"] != "letta_unavailable" || !strings.Contains(m["message"].(string), "Letta") || r.header.Get("Retry-After") == "" {
				t.Errorf("%s %s with Letta down: %d %s", tc.method, tc.path, r.status, r.body)
			}
		}
		e.lettaOff.Store(false)
		if r := e.do(http.MethodGet, "/api/v1/threads/t", admin, nil); r.status != http.StatusOK {
			t.Errorf("Letta back: %d %s", r.status, r.body)
		}
	})
}

// TestFailedCreationLeavesNoOrphan breaks each step of a creation and
// checks that Letta keeps no stray agent, or one that the next declaration
// adopts.
func TestFailedCreationLeavesNoOrphan(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults []fakeletta.Fault
		status int
		left   int // agents left after the failed declaration
		// timesOut: a fault delays Letta beyond a 1 s client timeout.
		timesOut bool
	}{
		{"create refused", []fakeletta.Fault{{Method: "POST", Path: "/v1/agents/", Status: 500}}, 502, 0, false},
		{"create times out", []fakeletta.Fault{{Method: "POST", Path: "/v1/agents/", Delay: 3 * time.Second}}, 503, 0, true},
		{"token not written", []fakeletta.Fault{{Method: "PATCH", Path: "/v1/agents/{agent_id}", Status: 500}}, 502, 0, false},
		{"token not written, undo refused", []fakeletta.Fault{
			{Method: "PATCH", Path: "/v1/agents/{agent_id}", Status: 500},
			{Method: "DELETE", Path: "/v1/agents/{agent_id}", Status: 500},
		}, 502, 1, false},
		// The lookup before creating passes (a fault with no effect takes
		// it), the one after creating fails.
		{"reconciliation lookup fails", []fakeletta.Fault{
			{Method: "GET", Path: "/v1/agents/"},
			{Method: "GET", Path: "/v1/agents/", Status: 503},
		}, 502, 0, false},
	} {
		forEachVersion(t, func(t *testing.T, version string) {
			t.Run(tc.name, func(t *testing.T) {
				e := newEnv(t, version, func(o *envOptions) {
					// A short Letta timeout only where a delay must outlast
					// it: elsewhere registration's calls back into /mcp
					// need the default's room on a loaded machine.
					if tc.timesOut {
						o.lettaTimeout = time.Second
					}
				})
				for _, f := range tc.faults {
					e.letta.SetFault(f)
				}
				spec := Spec{Model: chatModel, Tools: &[]string{"odoo_record_retriever"}}
				r := e.do(http.MethodPut, "/api/v1/threads/f1", admin, spec)
				if r.status != tc.status || !strings.Contains(r.json(t)["message"].(string), "Letta") {
					t.Fatalf("failed declaration: %d %s, want %d naming Letta", r.status, r.body, tc.status)
				}
				// A timed-out create may still complete in Letta afterwards:
				// that agent is then adopted like any leftover.
				eventually(t, 5*time.Second, "the failed creation to settle", func() bool { return len(e.threadAgents("f1")) <= max(tc.left, 1) })
				e.letta.ClearFaults()
				left := e.threadAgents("f1")
				if len(left) != tc.left && !strings.Contains(tc.name, "times out") {
					t.Fatalf("%d agents left, want %d", len(left), tc.left)
				}
				for _, a := range left {
					if _, ok := a.EnvVars[TokenVar]; ok {
						t.Errorf("a leftover agent has a token")
					}
				}
				want := http.StatusCreated
				if len(left) > 0 {
					want = http.StatusOK
				}
				th := e.declare(admin, "f1", spec, want)
				if len(left) > 0 && (th.Created || !slices.Contains(th.Changed, "token")) {
					t.Errorf("the next declaration should adopt the leftover agent and give it a token: %+v", th)
				}
				if n := len(e.threadAgents("f1")); n != 1 {
					t.Errorf("%d agents after the next declaration", n)
				}
				if _, evs := e.send(admin, "f1", retrieverCall); len(evs) == 0 || evs[len(evs)-1].Data["finish_reason"] != "stop" {
					t.Errorf("the thread does not work after recovery: %v", evs)
				}
			})
		})
	}
}

// TestFailedToolChangeConverges: attaching a tool fails half-way; the
// token already grants exactly the declared tools (never more), and the
// next declaration finishes the job.
func TestFailedToolChangeConverges(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		e := newEnv(t, version)
		first := e.declare(admin, "tc", Spec{Model: chatModel, Tools: &[]string{"odoo_record_retriever"}}, http.StatusCreated)
		want := []string{"odoo_model_inspector", "odoo_record_creator"}
		e.letta.SetFault(fakeletta.Fault{Method: "PATCH", Path: "/v1/agents/{agent_id}/tools/attach/{tool_id}", Status: 500})
		r := e.do(http.MethodPut, "/api/v1/threads/tc", admin, Spec{Model: chatModel, Tools: &want})
		if r.status != http.StatusBadGateway || r.json(t)["error"] != "letta_error" {
			t.Fatalf("declaration with a failing attach: %d %s", r.status, r.body)
		}
		a := e.agent(first.AgentID)
		id, err := e.tokens.Verify(t.Context(), a.EnvVars[TokenVar])
		if err != nil || !slices.Equal(id.Thread.Tools, want) {
			t.Fatalf("after the half-done change the token grants %v (%v), want %v", id, err, want)
		}
		th := e.declare(admin, "tc", Spec{Model: chatModel, Tools: &want}, http.StatusOK)
		if !slices.Equal(th.Changed, []string{"tools"}) || !slices.Equal(attachedNames(e, first.AgentID), want) {
			t.Errorf("repair: changed %v, attached %v", th.Changed, attachedNames(e, first.AgentID))
		}
		if len(e.threadAgents("tc")) != 1 {
			t.Error("more than one agent")
		}
	})
}

func TestBrokenStreamsEndWithErrorAndDone(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fault   fakeletta.Fault
		errType string
	}{
		{"cut cleanly", fakeletta.Fault{CutAfterEvents: 4}, "stream_truncated"},
		{"connection reset", fakeletta.Fault{CutAfterEvents: 4, Abort: true}, "stream_truncated"},
		{"no [DONE]", fakeletta.Fault{OmitDone: true}, "stream_truncated"},
		{"error frames", fakeletta.Fault{ErrorAfterEvents: 3, ErrorType: "llm_rate_limit"}, ""},
	} {
		forEachVersion(t, func(t *testing.T, version string) {
			t.Run(tc.name, func(t *testing.T) {
				e := newEnv(t, version)
				e.declare(admin, "s", Spec{Model: chatModel, Tools: &[]string{"odoo_record_retriever"}}, http.StatusCreated)
				f := tc.fault
				f.Method, f.Path = "POST", "/v1/agents/{agent_id}/messages/stream"
				e.letta.SetFault(f)
				_, evs := e.send(admin, "s", retrieverCall)
				got := names(evs)
				if len(got) < 2 || got[len(got)-2] != EventError || got[len(got)-1] != EventDone {
					t.Fatalf("events %v: want error then done last", got)
				}
				errData, done := evs[len(evs)-2].Data, evs[len(evs)-1].Data
				if errData["source"] != "letta" || errData["message"] == "" {
					t.Errorf("error event %v", errData)
				}
				wantType := tc.errType
				if wantType == "" {
					// OLD's error frame has only a code; NEW names the error.
					wantType = map[string]string{fakeletta.VersionOld: "INTERNAL_SERVER_ERROR", fakeletta.VersionNew: "llm_rate_limit"}[version]
				}
				if errData["type"] != wantType {
					t.Errorf("error type %v, want %s", errData["type"], wantType)
				}
				if done["finish_reason"] != "error" {
					t.Errorf("done %v", done)
				}

				// The JSON answer of a broken run is a 502 naming Letta.
				e.letta.SetFault(f)
				r := e.do(http.MethodPost, "/api/v1/threads/s/messages", admin, map[string]string{"content": retrieverCall}, "Accept", "application/json")
				if r.status != http.StatusBadGateway || r.json(t)["error"] != "letta_stream_error" || !strings.Contains(r.json(t)["message"].(string), "Letta") {
					t.Errorf("JSON answer of a broken run: %d %s", r.status, r.body)
				}
			})
		})
	}
}

func TestMessageRefusedByLetta(t *testing.T) {
	e := newEnv(t, fakeletta.VersionNew)
	e.declare(admin, "s", Spec{Model: chatModel}, http.StatusCreated)
	e.letta.FailNext("POST", "/v1/agents/{agent_id}/messages/stream", 500)
	r := e.do(http.MethodPost, "/api/v1/threads/s/messages", admin, map[string]string{"content": "hi"})
	if r.status != http.StatusBadGateway || r.json(t)["error"] != "letta_error" {
		t.Errorf("%d %s", r.status, r.body)
	}
}

// TestClientLeavingCancelsUpstream: a caller who disconnects mid-stream
// cancels the request to Letta (the fake sees its request's context end
// while it still had events to send).
func TestClientLeavingCancelsUpstream(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version string) {
		e := newEnv(t, version)
		e.declare(admin, "s", Spec{Model: chatModel}, http.StatusCreated)
		var upstreamDone atomic.Bool
		inner := e.lettaSrv.Config.Handler
		e.lettaSrv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/messages/stream") {
				defer upstreamDone.Store(true)
			}
			inner.ServeHTTP(w, r)
		})
		// Letta pauses a minute between events: only a cancellation ends
		// its handler early.
		e.letta.SetFault(fakeletta.Fault{Method: "POST", Path: "/v1/agents/{agent_id}/messages/stream", EventDelay: time.Minute})

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.appSrv.URL+"/api/v1/threads/s/messages", strings.NewReader(`{"content":"hello"}`))
		req.Header.Set("Authorization", admin)
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		// The caller holds an open stream (headers are flushed at once)
		// and leaves while Letta is still working.
		cancel()
		eventually(t, 10*time.Second, "Letta's stream request to be canceled", upstreamDone.Load)
	})
}
