package fakeletta

import (
	"net/http"
	"strings"
	"time"
)

// Fault makes the next matching request(s) misbehave. Faults are queued with
// SetFault and consumed in order; each applies to Times requests (default 1).
//
// Matching: Method ("" = any) and Path, which is either the exact request
// path or a route pattern such as "/v1/agents/{agent_id}/messages/stream"
// ("" = any routed request). Requests that are not routed (404, 405,
// redirects, 401) never consume a fault.
//
// Effects, applied in this order:
//   - Delay: wait this long before handling (or until the client gives up).
//   - Status: answer with this status and Body (default body
//     {"detail":"fault injected"}) instead of running the handler.
//   - Stream faults (only for streaming responses):
//     ErrorAfterEvents > 0: after that many events, send the version's
//     mid-stream error frames (OLD: "event: error" with
//     {"error": ErrorMessage, "code": "INTERNAL_SERVER_ERROR"}, no [DONE];
//     NEW: stop_reason "error", "event: error" with an error_message of
//     type ErrorType, then [DONE]);
//     CutAfterEvents > 0: end the response after that many events without
//     [DONE] (Abort: reset the connection instead of ending cleanly);
//     OmitDone: finish normally but leave out "data: [DONE]";
//     EventDelay: pause between events (lets PingInterval pings appear).
//
// Events are counted as "data:" frames written to the client (pings
// included).
type Fault struct {
	Method string
	Path   string
	Times  int

	Delay  time.Duration
	Status int
	Body   string

	CutAfterEvents   int
	Abort            bool
	OmitDone         bool
	ErrorAfterEvents int
	ErrorType        string // NEW error_type (default "internal_error")
	ErrorMessage     string // error text (default Letta's generic message)
	EventDelay       time.Duration
}

// SetFault queues a fault.
func (s *Server) SetFault(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// FailNext makes the next request matching method and path (exact path or
// route pattern; "" = any) answer status with a {"detail": …} body.
func (s *Server) FailNext(method, path string, status int) {
	s.SetFault(Fault{Method: method, Path: path, Status: status})
}

// ClearFaults drops every queued fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault returns (and consumes one use of) the first fault matching r.
func (s *Server) takeFault(r *http.Request, rt *route) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
			continue
		}
		if f.Path != "" && f.Path != r.URL.Path && f.Path != rt.pattern {
			continue
		}
		f.Times--
		if f.Times <= 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		c := *f
		return &c
	}
	return nil
}

func (s *Server) writeFault(w http.ResponseWriter, f *Fault) {
	body := f.Body
	if body == "" {
		body = `{"detail":"fault injected"}`
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.Status)
	_, _ = w.Write([]byte(body))
}

// DeleteAgentBehindBack removes an agent without an HTTP request, as if
// someone deleted it in Letta's UI; it reports whether the agent existed.
// (Tests may just as well call DELETE /v1/agents/{agent_id}.)
func (s *Server) DeleteAgentBehindBack(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.agents[id]; !ok {
		return false
	}
	delete(s.agents, id)
	return true
}

// SetParallelToolCalls turns the agent's llm_config.parallel_tool_calls on
// or off without a request (Letta sets it from model_settings). Off (Letta's
// default), a step keeps only its first tool call, as letta_agent_v3 does:
// the scripted model's "also" calls then come one step, and one pause, each.
func (s *Server) SetParallelToolCalls(agentID string, on bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.agents[agentID]
	if a == nil || a.LLMConfig == nil {
		return false
	}
	a.LLMConfig["parallel_tool_calls"] = on
	return true
}
